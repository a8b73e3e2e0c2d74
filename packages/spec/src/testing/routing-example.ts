/**
 * Segments, a Service with routes and a Rollout with every routing step, as one file. Line numbers
 * matter to the tests: each is noted where a test points at it.
 */
export const ROUTING_YAML = `apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: internal-testers }
spec:
  match:
    - { header: X-User-Id, in: [u1, u2] }
    - { method: [get, HEAD] }
---
apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: eu-mobile }
spec:
  anyOf:
    - match: [ { header: x-region, exact: eu }, { userAgent: { regex: ".*Mobile.*" } } ]
    - match: [ { sourceCidr: [10.0.0.0/8, "2001:db8::/32"] } ]
---
apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9101"] }
    v2: { upstreams: ["http://127.0.0.1:9102"] }
  stable: v1
  routes:
    - name: beta
      match: [ { cookie: beta, exact: "1" }, { pathPrefix: /api/ } ]
      split: { v2: 5.25 }
    - name: preview
      match: [ { query: preview, prefix: "y" }, { segment: eu-mobile } ]
      version: v2
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - setSegmentRoute: { segment: internal-testers }
        - setHeaderRoute: { name: canary-header, match: [ { header: x-canary, exact: always } ] }
        - setMirror: { percent: 10 }
        - setWeight: 5
        - setMirror: { percent: 0.5, maxBodyBytes: 4096 }
        - setHeaderRoute: { name: canary-header }
        - setSegmentRoute: { segment: internal-testers, remove: true }
        - setMirror: { percent: 0 }
`;
