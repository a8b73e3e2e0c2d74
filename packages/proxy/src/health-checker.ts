import type { IncomingMessage } from 'node:http';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { ProxyTimers } from './proxy-timers.js';
import type { UpstreamInstance } from './upstream-instance.js';

/** Active health check of a route: each instance is probed with GET `path`; 2xx and 3xx pass. */
export interface HealthCheckSpec {
  /** Path probed on each instance (after the endpoint's own path), e.g. "/healthz". */
  readonly path: string;
  readonly intervalMs: number;
  /** A probe taking longer fails. */
  readonly timeoutMs: number;
  /** Passes in a row that bring a failing instance back. */
  readonly healthyThreshold: number;
  /** Failures in a row that take an instance out of rotation. */
  readonly unhealthyThreshold: number;
}

export const DEFAULT_HEALTH_CHECK: HealthCheckSpec = Object.freeze({ path: '/', intervalMs: 5_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 });

/** Probes every watched instance on the injected timers. Instances start healthy: the runtime already found them ready. */
export class HealthChecker {
  readonly spec: HealthCheckSpec;
  readonly #timers: ProxyTimers;
  readonly #watched = new Set<UpstreamInstance>();

  constructor(spec: HealthCheckSpec, timers: ProxyTimers) {
    this.spec = spec;
    this.#timers = timers;
  }

  /** Starts probing `instance`: the first probe runs at once (on the next timer tick). */
  watch(instance: UpstreamInstance): void {
    if (this.#watched.has(instance)) return;
    this.#watched.add(instance);
    this.#schedule(instance, 0);
  }

  /** Stops probing `instance` and forgets its verdict. */
  unwatch(instance: UpstreamInstance): void {
    if (!this.#watched.delete(instance)) return;
    if (instance.checkTimer !== undefined) this.#timers.clearTimeout(instance.checkTimer);
    instance.checkTimer = undefined;
    instance.checkFailing = false;
    instance.checkStreak = 0;
    instance.lastCheck = undefined;
    instance.refresh();
  }

  close(): void {
    for (const instance of [...this.#watched]) this.unwatch(instance);
  }

  #schedule(instance: UpstreamInstance, ms: number): void {
    instance.checkTimer = this.#timers.setTimeout(() => {
      instance.checkTimer = undefined;
      this.#probe(instance);
    }, ms);
  }

  #probe(instance: UpstreamInstance): void {
    let settled = false;
    const done = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      probe.destroy();
      if (!this.#watched.has(instance)) return;
      this.#record(instance, ok, detail);
      this.#schedule(instance, this.spec.intervalMs);
    };
    const probe = instance.request({
      hostname: instance.hostname,
      port: instance.port,
      path: instance.pathPrefix + this.spec.path,
      method: 'GET',
      headers: { host: instance.authority, 'user-agent': 'sluice-health-check', connection: 'close' },
      agent: false,
      timeout: this.spec.timeoutMs,
    });
    probe.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.resume();
      done(status >= 200 && status < 400, String(status));
    });
    probe.on('timeout', () => done(false, `no answer within ${this.spec.timeoutMs} ms`));
    probe.on('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
    probe.end();
  }

  #record(instance: UpstreamInstance, ok: boolean, detail: string): void {
    instance.lastCheck = { ok, at: this.#timers.now(), detail };
    instance.checkStreak = ok ? Math.max(instance.checkStreak, 0) + 1 : Math.min(instance.checkStreak, 0) - 1;
    if (instance.checkFailing && instance.checkStreak >= this.spec.healthyThreshold) instance.checkFailing = false;
    else if (!instance.checkFailing && -instance.checkStreak >= this.spec.unhealthyThreshold) instance.checkFailing = true;
    instance.refresh();
  }
}

/** The defaults with the fields `spec` sets; throws INVALID_SPEC for a bad path or number. */
export function resolveHealthCheck(where: string, spec: Partial<HealthCheckSpec>): HealthCheckSpec {
  const resolved = { ...DEFAULT_HEALTH_CHECK, ...Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) } as HealthCheckSpec;
  if (!resolved.path.startsWith('/')) {
    throw new SluiceError(ErrorCode.INVALID_SPEC, `${where}: health check path "${resolved.path}" must start with "/"`, { details: { path: resolved.path } });
  }
  for (const name of ['intervalMs', 'timeoutMs', 'healthyThreshold', 'unhealthyThreshold'] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new SluiceError(ErrorCode.INVALID_SPEC, `${where}: health check ${name} is ${String(value)}; expected a whole number > 0`, {
        details: { field: name, value: String(value) },
      });
    }
  }
  return Object.freeze(resolved);
}
