// The Service and Rollout of one run, as YAML for POST /api/v1/apply.

/**
 * 10 % of 500 requests/s: the canary gets the 50 requests/s issue 5 names, at a share where a 5 s
 * rollback is 0.008 traffic-minutes (at 50 % the same 5 s would be 0.04: no guard can meet both
 * targets there, since 0.01 traffic-minutes at 50 % is 1.2 s, about 60 canary requests and 3 errors).
 */
export const CANARY_WEIGHT = 10;

/** A Service whose v1 and v2 are the benchmark's own upstreams, proxied on a free port, sticky by x-user-id. */
export function serviceYaml(name: string, stableUrl: string, canaryUrl: string): string {
  return `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: ${name} }
spec:
  listen: 127.0.0.1:0
  stickiness: { header: x-user-id }
  versions:
    v1: { upstreams: ["${stableUrl}"] }
    v2: { upstreams: ["${canaryUrl}"] }
  stable: v1
`;
}

/**
 * The guard of the latency mode: the default's error-rate condition (with the default's α = 0.001)
 * and a latency condition on the canary's p99, both rolling back. Absent for the other modes: they
 * run with the guard every rollout gets by default.
 */
export const LATENCY_GUARD = `  guard:
    conditions:
      - { name: error-rate, provider: { builtin: {} }, judge: { errorRate: { alpha: 0.001 } }, action: rollback }
      - { name: p99, provider: { builtin: {} }, judge: { latency: {} }, action: rollback }
`;

/** A Rollout to v2 that sets CANARY_WEIGHT and then waits for a person, so the canary keeps it until the guardian acts. */
export function rolloutYaml(name: string, service: string, guard: string | undefined): string {
  return `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: ${service}
  target: v2
${guard ?? ''}  strategy:
    canary:
      steps:
        - setWeight: ${CANARY_WEIGHT}
        - pause: {}
`;
}
