/**
 * A full, valid analysis setup as one file: two AnalysisTemplates (every provider and judge between
 * them), a Service, and a Rollout with every verification step and background analysis. Line numbers
 * matter to the tests: each is noted where a test points at it.
 */
export const ANALYSIS_YAML = `apiVersion: sluice.dev/v1
kind: AnalysisTemplate
metadata: { name: success-rate }
spec:
  args:
    - name: maxErrorRate
      value: "0.01"
    - name: minRate
      value: 0.5
    - name: team
  metrics:
    - name: error-rate
      interval: 5s
      initialDelay: 5s
      count: 12
      failureLimit: 0
      inconclusiveLimit: 0
      consecutiveErrorLimit: 4
      consecutiveSuccessLimit: 0
      window: 60s
      timeout: 10s
      retries: 2
      provider: { builtin: {} }
      query: error-rate
      judge:
        threshold: { successCondition: "result < {{args.maxErrorRate}}", failureCondition: "result >= 0.5" }
    - name: throughput
      provider: { prometheus: { address: "http://127.0.0.1:9090" } }
      query: sum(rate(http_requests_total{service="{{service}}",version="{{args.version}}",team="{{args.team}}"}[{{window}}]))
      judge: { baseline: { direction: decrease, relativeTolerance: 0.2 } }
    - name: orders
      count: 3
      provider: { sql: { url: "sqlite:/var/lib/shop.db" } }
      query: "SELECT count(*) FROM orders WHERE version = {{version}}"
      judge: { mannWhitney: { direction: either, confidenceLevel: 0.95, effectSizeMeasure: cles, outlierStrategy: remove, mustHaveData: true } }
---
apiVersion: sluice.dev/v1
kind: AnalysisTemplate
metadata: { name: latency }
spec:
  metrics:
    - name: errors
      count: 10
      provider: { builtin: {} }
      judge: { errorRate: { minRequests: 100, alpha: 0.05, fastRatio: 5 } }
    - name: p90
      count: 10
      interval: 1m
      provider: { web: { baseUrl: "https://metrics.example.com/api", jsonPath: $.value, headers: { Authorization: Bearer x } } }
      judge: { latency: { quantile: 0.9, aboveQuery: "/above?ms={{thresholdMs}}", tau: 0.05 } }
    - name: p75
      count: 10
      provider: { command: {} }
      judge: { latency: { quantile: 0.75, referenceQuery: "./p75.sh {{args.service}}" } }
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
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      analysis: { templates: [success-rate], args: { team: payments }, startingStep: 2 }
      steps:
        - setWeight: 5
        - analysis: { templates: [success-rate, latency], args: { maxErrorRate: "0.02", team: checkout }, duration: 5m }
        - analysis: { templates: [latency] }
        - approval: {}
        - approval: { message: "Check the dashboard first", approvers: [alice, bob] }
        - checklist:
            items:
              - name: warm-cache
                operation: { command: "./warm.sh --all", timeout: 1m }
                verification:
                  provider: { builtin: {} }
                  query: error-rate
                  judge: { threshold: { successCondition: "result < 0.01" } }
                rollbackVerification:
                  provider: { builtin: {} }
                  query: requests
                  judge: { threshold: { failureCondition: "result == 0" } }
                  interval: 10s
                  within: 2m
              - name: purge
                operation:
                  http: { url: "http://127.0.0.1:8080/purge", method: post, headers: { x-token: abc }, body: "{}", expectStatus: [202], timeout: 5s }
              - name: dashboard
                operation: { instruction: "Check the dashboard" }
        - load: { rps: 50, duration: 30s }
        - load:
            rps: 20.5
            duration: 1m
            requests:
              - { method: post, path: "/checkout?x=1", headers: { content-type: application/json }, body: "{}", weight: 3 }
              - { path: /healthz }
            stopWhen: "errorRate > 0.05 || p99Ms > 500"
            timeout: 2s
            maxInFlight: 64
        - setWeight: 100
`;
