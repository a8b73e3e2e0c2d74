import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { ManualClock, type RouteSpec } from '@sluice/domain';
import { MemoryRouteFeed } from './memory-route-feed.js';
import { startSyncServer, until, type SyncServer } from './testing/sync-server.js';

const route = (service: string, pad = 0): RouteSpec => ({
  service,
  listen: '127.0.0.1:0',
  stickiness: { header: 'x-user', cookie: 'sluice' },
  backends: { v1: ['http://127.0.0.1:1', ...Array.from({ length: pad }, (_, i) => `http://10.0.${Math.floor(i / 250)}.${i % 250}:8080`)], v2: ['http://127.0.0.1:2'] },
});
const split = (weight: number) => ({ stable: 'v1', canary: 'v2', weight, salt: 's' });

interface Message {
  readonly event?: string;
  readonly id?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** An open stream: its messages as they arrive. */
class Stream {
  readonly messages: Message[] = [];
  readonly controller = new AbortController();
  status = 0;
  #buffer = '';

  static async open(server: SyncServer, query = '', headers: Record<string, string> = {}): Promise<Stream> {
    const stream = new Stream();
    const res = await fetch(`${server.url}/api/v1/data-plane/stream${query}`, { headers, signal: stream.controller.signal });
    stream.status = res.status;
    if (res.status === 200 && res.body !== null) void stream.#read(res.body);
    else await res.body?.cancel();
    return stream;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.#buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
          const block = this.#buffer.slice(0, end);
          this.#buffer = this.#buffer.slice(end + 2);
          const m: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) m['comment'] = line.slice(1).trim();
            else m[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 2);
          }
          this.messages.push(m);
        }
      }
    } catch {
      // aborted
    }
  }

  of(event: string): Message[] {
    return this.messages.filter((m) => m.event === event);
  }

  close(): void {
    this.controller.abort();
  }
}

describe('GET /data-plane/stream', () => {
  const servers: SyncServer[] = [];
  after(() => Promise.all(servers.map((s) => s.kill())));
  const start = async (feed: MemoryRouteFeed, options: Parameters<typeof startSyncServer>[2] = {}) => {
    const server = await startSyncServer(feed, new ManualClock(), options);
    servers.push(server);
    return server;
  };

  test('without after: a snapshot of the live routes, then every change as it is published, id = generation', async () => {
    const feed = new MemoryRouteFeed();
    feed.publish(route('a'), split(0));
    feed.publish(route('b'), split(0));
    feed.remove('b');
    const server = await start(feed);
    const stream = await Stream.open(server);
    assert.equal(stream.status, 200);
    await until(() => stream.of('snapshot').length === 1, 'the snapshot');
    const snapshot = JSON.parse(stream.of('snapshot')[0]?.data ?? '') as { generation: number; routes: { service: string }[] };
    assert.equal(snapshot.generation, 3);
    assert.deepEqual(snapshot.routes.map((r) => r.service), ['a']);
    feed.publish(route('a'), split(40));
    feed.remove('a');
    await until(() => stream.of('change').length === 2, 'two changes');
    const [change, tombstone] = stream.of('change');
    assert.equal(change?.id, '4');
    assert.equal(JSON.parse(change?.data ?? '').split.weight, 40);
    assert.equal(tombstone?.id, '5');
    assert.equal(JSON.parse(tombstone?.data ?? '').removed, true);
    await until(() => stream.messages.some((m) => m.comment === 'heartbeat'), 'a heartbeat');
    stream.close();
  });

  test('with ?after or Last-Event-ID: the changes since then, tombstones included, and no snapshot', async () => {
    const feed = new MemoryRouteFeed();
    for (let i = 0; i < 1200; i++) feed.publish(route(`s${i % 3}`), split(i % 100));
    feed.remove('s0');
    const server = await start(feed);
    const byQuery = await Stream.open(server, '?after=10');
    const byHeader = await Stream.open(server, '?after=999', { 'last-event-id': '1100' });
    await until(() => byQuery.of('change').length === 1191 && byHeader.of('change').length === 101, 'the catch-up (paged)');
    for (const s of [byQuery, byHeader]) {
      assert.equal(s.of('snapshot').length, 0);
      assert.equal(s.of('change').at(-1)?.id, '1201');
      assert.equal(JSON.parse(s.of('change').at(-1)?.data ?? '').removed, true);
      s.close();
    }
    assert.equal(byQuery.of('change')[0]?.id, '11');
    assert.equal(byHeader.of('change')[0]?.id, '1101');
  });

  test('a data plane ahead of the store (a restored or new database) gets a snapshot instead of a resume it could never finish', async () => {
    const feed = new MemoryRouteFeed();
    feed.publish(route('s1'), split(5));
    const server = await start(feed);
    const ahead = await Stream.open(server, '?after=500');
    await until(() => ahead.of('snapshot').length === 1, 'the snapshot');
    assert.equal(JSON.parse(ahead.of('snapshot')[0]?.data ?? '').generation, 1);
    ahead.close();
  });

  test('past the stream cap the answer is 429; a closed stream frees its place', async () => {
    const feed = new MemoryRouteFeed();
    const server = await start(feed, { maxStreams: 1 });
    const first = await Stream.open(server);
    await until(() => first.of('snapshot').length === 1, 'the first stream');
    const refused = await fetch(`${server.url}/api/v1/data-plane/stream`);
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'TOO_MANY_REQUESTS');
    first.close();
    await until(async () => {
      const again = await Stream.open(server);
      again.close();
      return again.status === 200;
    }, 'a place after the first closed');
  });

  test('a client that stops reading is dropped once too much is queued for it (and its place freed)', async () => {
    const feed = new MemoryRouteFeed();
    const server = await start(feed, { maxStreams: 1, maxQueuedBytes: 64 * 1024, slowClientMs: 200 });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause(); // never reads
    socket.write('GET /api/v1/data-plane/stream HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => feed.subscribers === 1, 'the silent client subscribed');
    // ~40 MB of routes: far past what the socket buffers hold.
    for (let i = 0; i < 400; i++) feed.publish(route(`big${i}`, 2000), split(0));
    await until(() => feed.subscribers === 0, 'the silent client dropped', 10_000);
    const next = await Stream.open(server);
    assert.equal(next.status, 200);
    next.close();
    socket.destroy();
  });
});
