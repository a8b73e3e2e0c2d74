import type { ListenConflict, Problem } from '@sluice/domain';
import { describeValue, problemAt } from './problem-at.js';
import type { SourceMap } from './source-map.js';

/** The Service a listen problem is reported on. */
export interface ClaimSite {
  readonly name: string;
  readonly listen: string;
  readonly hosts?: readonly string[] | undefined;
  readonly source: SourceMap;
}

/** The Service it conflicts with: its name and where it is, e.g. "at line 6", "in b.yaml:6", "(applied before)". */
export interface OtherClaim {
  readonly name: string;
  readonly where: string;
}

/**
 * The problem of `site` sharing its listen address with `other`: at `spec.listen` when neither
 * names hosts, at the `spec.hosts` entry both claim otherwise. Names both services.
 * `scope` says where the other services are looked for ("in this file", "").
 */
export function listenProblem(site: ClaimSite, other: OtherClaim, conflict: ListenConflict, scope: string): Problem {
  if (conflict.kind === 'every-host') {
    return problemAt(
      site.source,
      ['spec', 'listen'],
      `listen address is already used by Service "${other.name}" ${other.where}, and neither "${site.name}" nor "${other.name}" names hosts`,
      {
        found: describeValue(site.listen),
        expected: `a host:port no other Service${scope} listens on, or hosts (spec.hosts) that keep the services on it apart: at most one of them without hosts`,
      },
    );
  }
  return problemAt(
    site.source,
    ['spec', 'hosts', conflict.index],
    `host "${conflict.host}" on ${site.listen} is already claimed by Service "${other.name}" ${other.where}; Service "${site.name}" cannot claim it too`,
    { found: describeValue(conflict.host), expected: `a host name no other Service on ${site.listen} claims` },
  );
}

/** Where `host` is in `hosts` (compared without regard to case), to locate it; 0 when absent. */
export function hostIndex(hosts: readonly string[] | undefined, host: string): number {
  return Math.max(0, (hosts ?? []).findIndex((h) => h.toLowerCase() === host.toLowerCase()));
}
