import { addKey, emptySketch, type DistinctSketch } from '@sluice/domain';

/**
 * Distinct sticky keys the data plane served from each watched (service, version), since the last
 * `take`. Only versions the guardian watches (the targets of live rollouts) are counted, so the
 * cost on the request path is two map lookups for a canary request and nothing for the others.
 */
export class ExposedKeys {
  readonly #watched = new Map<string, Map<string, DistinctSketch>>();

  /** Starts counting keys of `version` (idempotent: a watched pair keeps what it has). */
  watch(service: string, version: string): void {
    let versions = this.#watched.get(service);
    if (versions === undefined) this.#watched.set(service, (versions = new Map()));
    if (!versions.has(version)) versions.set(version, emptySketch());
  }

  /** Stops counting every pair not in `keep` ("service/version"). */
  retain(keep: ReadonlySet<string>): void {
    for (const [service, versions] of this.#watched) {
      for (const version of versions.keys()) if (!keep.has(`${service}/${version}`)) versions.delete(version);
      if (versions.size === 0) this.#watched.delete(service);
    }
  }

  /** One request served by `version` for sticky `key`. */
  record(service: string, version: string, key: string): void {
    const sketch = this.#watched.get(service)?.get(version);
    if (sketch !== undefined) addKey(sketch, key);
  }

  /** The keys counted since the last take (undefined when the pair is not watched); counting starts afresh. */
  take(service: string, version: string): DistinctSketch | undefined {
    const versions = this.#watched.get(service);
    const sketch = versions?.get(version);
    if (versions === undefined || sketch === undefined) return undefined;
    versions.set(version, emptySketch());
    return sketch;
  }
}
