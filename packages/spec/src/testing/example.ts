/** The Service + Rollout example from the docs, as one two-document file. */
export const EXAMPLE_YAML = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:8080
  stickiness: { header: X-User-Id, cookie: sluice-shop }
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, replicas: 2, readiness: { path: /healthz } } }
    v2: { upstreams: ["http://127.0.0.1:9102"] }
  stable: v1
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
        - setWeight: 1
        - pause: { duration: 30s }
        - setWeight: 20
        - pause: {}
        - setWeight: 100
---
`;
