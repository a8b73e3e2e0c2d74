/**
 * A Rollout with a release guard of three conditions (every action), an exposure budget and two
 * adaptive steps (×factor and +increment), after a Service to roll out on. Line numbers matter to the
 * tests: each is noted where a test points at it.
 */
export const GUARD_YAML = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9101"] }
    v2: { upstreams: ["http://127.0.0.1:9102"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  guard:
    conditions:
      - name: errors
        provider: { builtin: {} }
        judge: { errorRate: {} }
        action: rollback
      - name: p99
        provider: { prometheus: { address: "http://127.0.0.1:9090" } }
        query: histogram_quantile(0.99, rate(latency_bucket{service="{{service}}",version="{{version}}"}[{{window}}]))
        judge: { threshold: { successCondition: "result < 500" } }
        action: pause
        interval: 5s
        window: 1m
        inconclusiveLimit: 3
        consecutiveErrorLimit: 10
      - name: slow
        provider: { builtin: {} }
        judge: { latency: { quantile: 0.9 } }
        action: notify
        count: 100
        failureLimit: 2
        initialDelay: 10s
        timeout: 2s
        retries: 1
  exposureBudget: { maxRequests: 1000, maxFailedRequests: 20, maxTrafficMinutes: 5 }
  strategy:
    canary:
      steps:
        - adaptive: { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 5m, healthy: { provider: { builtin: {} }, query: error-rate, judge: { threshold: { successCondition: "result < 0.001" } } }, onBreach: rollback }
        - adaptive:
            startWeight: 50
            increment: 12.5
            maxWeight: 100
            healthyFor: 30s
            healthy: { provider: { builtin: {} }, judge: { errorRate: { minRequests: 50 } }, window: 10m, timeout: 3s, retries: 0 }
            onBreach: pause
`;
