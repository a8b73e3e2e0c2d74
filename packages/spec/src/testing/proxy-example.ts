/**
 * Two Services sharing one listen address: `shop` by its host names, with every data-plane setting;
 * `www` without hosts, taking every other host. Line numbers matter to the tests.
 */
export const SHARED_LISTEN_YAML = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:8080
  hosts: [Shop.Example.com, "*.shop.example.com"]
  versions:
    v1: { upstreams: ["http://127.0.0.1:9101"] }
  stable: v1
  proxy:
    limits: { maxHeaderSize: 16KiB, maxBodySize: 10MiB, connectTimeout: 5s, headersTimeout: 30s, idleTimeout: 60s, requestTimeout: 5m }
    outlierDetection: { consecutiveFailures: 5, baseEjectionTime: 30s, maxEjectionTime: 5m, maxEjectedPercent: 50 }
    healthCheck: { path: /healthz, interval: 5s, timeout: 2s, healthyThreshold: 2, unhealthyThreshold: 3 }
---
apiVersion: sluice.dev/v1
kind: Service
metadata: { name: www }
spec:
  listen: 127.0.0.1:8080
  versions:
    v1: { upstreams: ["http://127.0.0.1:9201"] }
  stable: v1
`;
