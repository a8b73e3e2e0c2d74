// The fake API server's state: objects by collection, one resourceVersion counter (like etcd's
// revision), a change history that watches replay from, and the live watchers.
import { randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as a watch sends it. */
export interface FakeChange {
  readonly type: WatchEventType;
  readonly collection: string;
  readonly object: Json;
  readonly resourceVersion: number;
}

/** A watch: its collection, its label selector, and where its events go. */
export interface FakeWatcher {
  readonly collection: string;
  readonly selector: ReadonlyMap<string, string>;
  send(change: FakeChange): void;
  end(): void;
}

/** "app=shop,tier=web" → Map; only equality selectors (what the adapters use). */
export function parseSelector(text: string | null): Map<string, string> {
  const selector = new Map<string, string>();
  for (const part of (text ?? '').split(',')) {
    const [key, value] = part.split('=');
    if (key !== undefined && key.length > 0) selector.set(key.trim(), (value ?? '').trim());
  }
  return selector;
}

export function selects(selector: ReadonlyMap<string, string>, object: Json): boolean {
  const labels = ((object['metadata'] as Json | undefined)?.['labels'] ?? {}) as Record<string, string>;
  return [...selector].every(([key, value]) => labels[key] === value);
}

export class FakeStore {
  #revision = 0;
  /** Changes older than this revision were compacted: a watch from before it gets 410 Gone. */
  #compactedThrough = 0;
  readonly #objects = new Map<string, Map<string, Json>>();
  readonly #history: FakeChange[] = [];
  readonly #watchers = new Set<FakeWatcher>();
  readonly #observers = new Set<(change: FakeChange) => void>();

  get revision(): number {
    return this.#revision;
  }

  get compactedThrough(): number {
    return this.#compactedThrough;
  }

  get(collection: string, name: string): Json | undefined {
    return this.#objects.get(collection)?.get(name);
  }

  list(collection: string, selector: ReadonlyMap<string, string>): Json[] {
    return [...(this.#objects.get(collection)?.values() ?? [])].filter((o) => selects(selector, o));
  }

  /** Stores `object` (metadata filled in) and tells the watchers; returns the stored object. */
  put(collection: string, name: string, object: Json, previous: Json | undefined): Json {
    this.#revision += 1;
    const metadata = object['metadata'] as Json;
    const previousMeta = (previous?.['metadata'] ?? {}) as Json;
    const stored = {
      ...object,
      metadata: {
        ...metadata,
        uid: previousMeta['uid'] ?? randomUUID(),
        creationTimestamp: previousMeta['creationTimestamp'] ?? new Date().toISOString(),
        resourceVersion: String(this.#revision),
      },
    };
    let objects = this.#objects.get(collection);
    if (objects === undefined) this.#objects.set(collection, (objects = new Map()));
    objects.set(name, stored);
    this.#record({ type: previous === undefined ? 'ADDED' : 'MODIFIED', collection, object: stored, resourceVersion: this.#revision });
    return stored;
  }

  delete(collection: string, name: string): Json | undefined {
    const existing = this.get(collection, name);
    if (existing === undefined) return undefined;
    this.#objects.get(collection)?.delete(name);
    this.#revision += 1;
    const gone = { ...existing, metadata: { ...(existing['metadata'] as Json), resourceVersion: String(this.#revision) } };
    this.#record({ type: 'DELETED', collection, object: gone, resourceVersion: this.#revision });
    return gone;
  }

  /** Changes of `collection` after `resourceVersion`, or undefined when they were compacted (410). */
  since(collection: string, resourceVersion: number): FakeChange[] | undefined {
    if (resourceVersion < this.#compactedThrough) return undefined;
    return this.#history.filter((c) => c.collection === collection && c.resourceVersion > resourceVersion);
  }

  /** Forgets the history up to now, as etcd compaction does: older watches get 410 Gone. */
  compact(): void {
    this.#compactedThrough = this.#revision;
    this.#history.length = 0;
  }

  addWatcher(watcher: FakeWatcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Ends every watch stream (as the API server does at its watch timeout); clients reconnect. */
  endWatches(): void {
    for (const watcher of this.#watchers) watcher.end();
    this.#watchers.clear();
  }

  /** Every change of every collection, for the fake's own controllers (not a watch: never ended by endWatches). */
  observe(listener: (change: FakeChange) => void): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  #record(change: FakeChange): void {
    this.#history.push(change);
    for (const observer of this.#observers) observer(change);
    for (const watcher of this.#watchers) {
      if (watcher.collection === change.collection && selects(watcher.selector, change.object)) watcher.send(change);
    }
  }
}
