import type { DecisionList, ItemList, RevisionView, RolloutView, ServiceView } from '@sluice/cli/api-types';
import type { ReleaseEvent } from '@sluice/domain';
import type { ApiClient } from '../api/client';

export type { ReleaseEvent, RevisionView, RolloutView, ServiceView };

/** One version's series of GET /rollouts/{name}/metrics: per step of `stepMs`, null where nothing was served. */
export interface MetricSeries {
  readonly version: string;
  readonly role: 'stable' | 'canary';
  readonly t: readonly number[];
  readonly requests: readonly number[];
  readonly errorRate: readonly (number | null)[];
  readonly p50Ms: readonly (number | null)[];
  readonly p99Ms: readonly (number | null)[];
}

/** A guard threshold: a number, or a number with a label. */
export type Threshold = number | { readonly value: number; readonly label?: string };

/** GET /rollouts/{name}/metrics[?after=ms]: the rollout's per-version traffic over time. */
export interface RolloutMetrics {
  readonly rollout: string;
  readonly service: string;
  readonly stable: string;
  readonly canary: string;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
  readonly truncated?: boolean;
  readonly series: readonly MetricSeries[];
  readonly thresholds: Readonly<Record<string, Threshold | undefined>>;
  readonly steps: readonly { readonly index: number; readonly kind: string; readonly startedAt: number; readonly description: string }[];
}

/** The most events one answer of /events carries (docs/api.md): a full page means there may be more. */
const EVENTS_PAGE = 10_000;
const DECISIONS_PAGE = 1_000;

const path = (name: string) => `/rollouts/${encodeURIComponent(name)}`;

/** The typed calls of the Rollout page, on top of ApiClient.request. */
export class RolloutApi {
  constructor(private readonly api: ApiClient) {}

  rollout(name: string): Promise<RolloutView> {
    return this.api.request('GET', path(name));
  }

  service(name: string): Promise<ServiceView> {
    return this.api.request('GET', `/services/${encodeURIComponent(name)}`);
  }

  async revisions(service: string): Promise<readonly RevisionView[]> {
    return (await this.api.request<ItemList<RevisionView>>('GET', `/services/${encodeURIComponent(service)}/revisions`)).items;
  }

  /** Every event of the rollout after `after` (all pages), oldest first. */
  async events(name: string, after: number | undefined): Promise<readonly ReleaseEvent[]> {
    const out: ReleaseEvent[] = [];
    let from = after;
    for (;;) {
      const page = (await this.api.request<ItemList<ReleaseEvent>>('GET', `${path(name)}/events${from === undefined ? '' : `?after=${from}`}`)).items;
      out.push(...page);
      if (page.length < EVENTS_PAGE || page.length === 0) return out;
      from = page[page.length - 1]!.seq;
    }
  }

  /** The decision log after `after` (all pages), oldest first. */
  async decisions(name: string, after: number | undefined): Promise<readonly ReleaseEvent[]> {
    const out: ReleaseEvent[] = [];
    let from = after;
    for (;;) {
      const query = `?limit=${DECISIONS_PAGE}${from === undefined ? '' : `&after=${from}`}`;
      const page = (await this.api.request<DecisionList>('GET', `${path(name)}/decisions${query}`)).decisions;
      out.push(...page);
      if (page.length < DECISIONS_PAGE) return out;
      from = page[page.length - 1]!.seq;
    }
  }

  metrics(name: string, after: number | undefined): Promise<RolloutMetrics> {
    return this.api.request('GET', `${path(name)}/metrics${after === undefined ? '' : `?after=${after}`}`);
  }

  promote(name: string, full: boolean): Promise<RolloutView> {
    return this.api.request('POST', `${path(name)}/promote`, full ? { full: true } : {});
  }

  pause(name: string, reason: string): Promise<RolloutView> {
    return this.api.request('POST', `${path(name)}/pause`, reason === '' ? {} : { reason });
  }

  resume(name: string, comment: string): Promise<RolloutView> {
    return this.api.request('POST', `${path(name)}/resume`, comment === '' ? {} : { comment });
  }

  approve(name: string, comment: string, item: string | undefined): Promise<RolloutView> {
    return this.api.request('POST', `${path(name)}/approve`, { ...(comment === '' ? {} : { comment }), ...(item === undefined ? {} : { item }) });
  }

  reject(name: string, comment: string): Promise<RolloutView> {
    return this.api.request('POST', `${path(name)}/reject`, comment === '' ? {} : { comment });
  }

  abort(name: string, reason: string, force: boolean): Promise<RolloutView> {
    return this.api.request('POST', `${path(name)}/abort`, { ...(reason === '' ? {} : { reason }), ...(force ? { force: true } : {}) });
  }

  undo(service: string): Promise<ServiceView> {
    return this.api.request('POST', `/services/${encodeURIComponent(service)}/undo`, {});
  }
}
