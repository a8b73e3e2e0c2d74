/**
 * Unleash's delta API (client specification 19 and 20): a client starts from a `hydration` event
 * (the full feature and segment set) and then applies `feature-updated`, `feature-removed`,
 * `segment-updated` and `segment-removed` events in order. Pure: returns a new state.
 * Events of unknown type, and malformed events, are skipped (a newer server may send more kinds).
 */
import type { FeatureDefinition, FlagState, SegmentDefinition } from './model.js';

export type DeltaEvent =
  | { readonly eventId: number; readonly type: 'hydration'; readonly features: readonly FeatureDefinition[]; readonly segments?: readonly SegmentDefinition[] }
  | { readonly eventId: number; readonly type: 'feature-updated'; readonly feature: FeatureDefinition }
  | { readonly eventId: number; readonly type: 'feature-removed'; readonly featureName: string; readonly project?: string }
  | { readonly eventId: number; readonly type: 'segment-updated'; readonly segment: SegmentDefinition }
  | { readonly eventId: number; readonly type: 'segment-removed'; readonly segmentId: number };

/** The state after the events, and the id of the last event applied (for resuming the stream). */
export interface DeltaResult {
  readonly state: FlagState;
  readonly lastEventId: number | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function applyOne(features: Map<string, FeatureDefinition>, segments: Map<number, SegmentDefinition>, event: Record<string, unknown>): boolean {
  switch (event['type']) {
    case 'hydration': {
      if (!Array.isArray(event['features'])) return false;
      features.clear();
      segments.clear();
      for (const f of event['features'] as unknown[]) {
        if (isObject(f) && typeof f['name'] === 'string') features.set(f['name'], f as unknown as FeatureDefinition);
      }
      for (const s of (Array.isArray(event['segments']) ? event['segments'] : []) as unknown[]) {
        if (isObject(s) && typeof s['id'] === 'number') segments.set(s['id'], s as unknown as SegmentDefinition);
      }
      return true;
    }
    case 'feature-updated': {
      const f = event['feature'];
      if (!isObject(f) || typeof f['name'] !== 'string') return false;
      features.set(f['name'], f as unknown as FeatureDefinition);
      return true;
    }
    case 'feature-removed':
      return typeof event['featureName'] === 'string' && (features.delete(event['featureName']), true);
    case 'segment-updated': {
      const s = event['segment'];
      if (!isObject(s) || typeof s['id'] !== 'number') return false;
      segments.set(s['id'], s as unknown as SegmentDefinition);
      return true;
    }
    case 'segment-removed':
      return typeof event['segmentId'] === 'number' && (segments.delete(event['segmentId']), true);
    default:
      return false;
  }
}

/** Applies delta events, in order, to `state` (start from `{ features: [] }` before a hydration). */
export function applyDeltaEvents(state: FlagState, events: readonly DeltaEvent[] | readonly unknown[]): DeltaResult {
  const features = new Map<string, FeatureDefinition>();
  const segments = new Map<number, SegmentDefinition>();
  applyOne(features, segments, { type: 'hydration', features: state.features, segments: state.segments });
  let lastEventId: number | undefined;
  for (const event of events) {
    if (!isObject(event)) continue;
    if (applyOne(features, segments, event) && typeof event['eventId'] === 'number') lastEventId = event['eventId'];
  }
  return { state: { features: [...features.values()], segments: [...segments.values()] }, lastEventId };
}
