/** Which flags changed between two states: a changed definition, or a changed segment it uses. */
import type { FeatureDefinition, FlagState, SegmentDefinition } from '@sluice/domain';

/**
 * Definitions are compared as JSON text. A delta replaces only the definitions it names and keeps the
 * other objects, so each object's text is computed once and remembered: a change costs the size of
 * what changed, not of the whole state.
 */
const texts = new WeakMap<object, string>();

function textOf(item: object): string {
  let text = texts.get(item);
  if (text === undefined) texts.set(item, (text = JSON.stringify(item)));
  return text;
}

function byKey<T extends object>(items: readonly T[] | null | undefined, key: (item: T) => string | number): Map<string | number, string> {
  const out = new Map<string | number, string>();
  for (const item of items ?? []) out.set(key(item), textOf(item));
  return out;
}

function segmentIds(feature: FeatureDefinition): number[] {
  const ids: number[] = [];
  for (const strategy of feature.strategies ?? []) for (const id of strategy.segments ?? []) ids.push(id);
  return ids;
}

/** Names of the flags whose evaluation may differ between `before` and `after`, sorted. */
export function changedFlags(before: FlagState, after: FlagState): string[] {
  const oldFeatures = byKey(before.features, (f: FeatureDefinition) => f.name);
  const newFeatures = byKey(after.features, (f: FeatureDefinition) => f.name);
  const oldSegments = byKey(before.segments, (s: SegmentDefinition) => s.id);
  const newSegments = byKey(after.segments, (s: SegmentDefinition) => s.id);
  const changedSegments = new Set<number>();
  for (const id of new Set([...oldSegments.keys(), ...newSegments.keys()])) {
    if (oldSegments.get(id) !== newSegments.get(id)) changedSegments.add(id as number);
  }
  const changed = new Set<string>();
  for (const [name, text] of newFeatures) if (oldFeatures.get(name) !== text) changed.add(name as string);
  for (const name of oldFeatures.keys()) if (!newFeatures.has(name)) changed.add(name as string);
  if (changedSegments.size > 0) {
    for (const feature of after.features) {
      if (segmentIds(feature).some((id) => changedSegments.has(id))) changed.add(feature.name);
    }
  }
  // A flag whose parent changed may evaluate differently too.
  for (const feature of after.features) {
    if ((feature.dependencies ?? []).some((d) => changed.has(d.feature))) changed.add(feature.name);
  }
  return [...changed].sort();
}
