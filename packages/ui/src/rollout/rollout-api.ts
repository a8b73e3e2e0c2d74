import type { MetricSeries, RevisionView, RolloutMetrics, RolloutView, ServiceView, Threshold } from '@sluice/cli/api-types';
import type { ReleaseEvent } from '@sluice/domain';
import type { ApiClient } from '../api/client';

export type { MetricSeries, ReleaseEvent, RevisionView, RolloutMetrics, RolloutView, ServiceView, Threshold };

/** "" (an empty field in a dialog) is "not given". */
const given = (text: string): string | undefined => (text === '' ? undefined : text);

/** The Rollout page's calls, in its own terms, on the calls shared with the CLI (ApiCalls). */
export class RolloutApi {
  constructor(private readonly api: ApiClient) {}

  rollout(name: string): Promise<RolloutView> {
    return this.api.getRollout(name);
  }

  service(name: string): Promise<ServiceView> {
    return this.api.getService(name);
  }

  revisions(service: string): Promise<readonly RevisionView[]> {
    return this.api.serviceRevisions(service);
  }

  /** Every event of the rollout after `after` (all pages), oldest first. */
  events(name: string, after: number | undefined): Promise<readonly ReleaseEvent[]> {
    return this.api.rolloutEvents(name, after);
  }

  /** The decision log after `after` (all pages), oldest first. */
  async decisions(name: string, after: number | undefined): Promise<readonly ReleaseEvent[]> {
    return (await this.api.decisions(name, after)).decisions;
  }

  metrics(name: string, after: number | undefined): Promise<RolloutMetrics> {
    return this.api.rolloutMetrics(name, after);
  }

  promote(name: string, full: boolean): Promise<RolloutView> {
    return this.api.promote(name, full);
  }

  pause(name: string, reason: string): Promise<RolloutView> {
    return this.api.pause(name, given(reason));
  }

  resume(name: string, comment: string): Promise<RolloutView> {
    return this.api.resume(name, given(comment));
  }

  approve(name: string, comment: string, item: string | undefined): Promise<RolloutView> {
    return this.api.approve(name, { comment: given(comment), item });
  }

  reject(name: string, comment: string): Promise<RolloutView> {
    return this.api.reject(name, given(comment));
  }

  abort(name: string, reason: string, force: boolean): Promise<RolloutView> {
    return this.api.abort(name, given(reason), force);
  }

  undo(service: string): Promise<ServiceView> {
    return this.api.undo(service);
  }
}
