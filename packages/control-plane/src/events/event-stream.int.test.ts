import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, type NewReleaseEvent, type ReleaseEvent } from '@sluice/domain';
import { T0 } from '../orchestrator/testing/fixtures.js';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';

const event = (i: number): NewReleaseEvent => ({
  at: T0 + i,
  actor: 'alice',
  service: 'shop',
  subject: { kind: 'Rollout', name: 'shop-v2' },
  type: EventType.CommandAccepted,
  to: 'pause',
  reason: `event ${i}`,
});

interface Message {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** An open stream read with fetch: its messages as they arrive. */
class StreamReader {
  readonly messages: Message[] = [];
  readonly status: number;
  readonly contentType: string | null;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  ended = false;

  private constructor(res: Response) {
    this.status = res.status;
    this.contentType = res.headers.get('content-type');
    this.#reader = res.body?.getReader();
  }

  static async open(api: TestApi, query = '', headers: Record<string, string> = {}): Promise<StreamReader> {
    return new StreamReader(await fetch(`${api.url}/api/v1/events/stream${query}`, { headers }));
  }

  /** Reads until `done(messages)` holds; fails after 5 s. */
  async until(done: (messages: readonly Message[]) => boolean, what: string): Promise<readonly Message[]> {
    const deadline = Date.now() + 5_000;
    while (!done(this.messages)) {
      if (this.ended) assert.fail(`stream ended before ${what}: ${JSON.stringify(this.messages)}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(this.messages)}`);
      const chunk = await Promise.race([this.#reader?.read(), new Promise<undefined>((r) => setTimeout(() => r(undefined), left).unref())]);
      if (chunk === undefined) continue;
      if (chunk.done) this.ended = true;
      else this.#parse(this.#decoder.decode(chunk.value, { stream: true }));
    }
    return this.messages;
  }

  events(): ReleaseEvent[] {
    return this.messages.filter((m) => m.event === 'event').map((m) => JSON.parse(m.data ?? '') as ReleaseEvent);
  }

  async cancel(): Promise<void> {
    await this.#reader?.cancel().catch(() => undefined);
  }

  #parse(text: string): void {
    this.#buffer += text;
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const message: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) message['comment'] = line.slice(1).trim();
        else message[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 1).trimStart();
      }
      this.messages.push(message);
      end = this.#buffer.indexOf('\n\n');
    }
  }
}

const connected = (m: readonly Message[]) => m.some((x) => x.comment === 'connected');
const eventCount = (n: number) => (m: readonly Message[]) => m.filter((x) => x.event === 'event').length >= n;

async function withApi(body: (api: TestApi) => Promise<void>, feed: { maxStreams?: number } = {}): Promise<void> {
  const api = await startTestApi({ eventFeed: feed });
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

describe('GET /events/stream', () => {
  test('events stored after connecting arrive in order, with their seq as id and the JSON GET /events answers; no backlog', () =>
    withApi(async (api) => {
      await api.store.events.append([event(0), event(1)]);
      const stream = await StreamReader.open(api);
      assert.equal(stream.status, 200);
      assert.equal(stream.contentType, 'text/event-stream');
      await stream.until(connected, ': connected');
      assert.equal(stream.messages[0]?.comment, 'connected', 'the first message is the connected comment');
      const appended = [...(await api.store.events.append([event(2), event(3)])), ...(await api.store.events.append([event(4)]))];
      await stream.until(eventCount(3), 'three events');
      const messages = stream.messages.filter((m) => m.event === 'event');
      assert.deepEqual(messages.map((m) => m.id), appended.map((e) => String(e.seq)));
      const listed = (await api.call(`/events?after=${(appended[0]?.seq ?? 0) - 1}`)).body.items;
      assert.deepEqual(messages.map((m) => m.data), listed.map((e: ReleaseEvent) => JSON.stringify(e)), 'data is the event exactly as GET /events answers it');
      await stream.cancel();
    }));

  test('Last-Event-ID resumes after it with exactly the missed events, and wins over after', () =>
    withApi(async (api) => {
      const stored = await api.store.events.append([0, 1, 2, 3, 4].map(event));
      const stream = await StreamReader.open(api, '?after=0', { 'last-event-id': String(stored[1]?.seq) });
      await stream.until(eventCount(3), 'the three missed events');
      const live = await api.store.events.append([event(5)]);
      await stream.until(eventCount(4), 'the live event');
      assert.deepEqual(stream.events(), [...stored.slice(2), ...live]);
      assert.equal(stream.messages.filter((m) => m.comment === 'connected').length, 1);
      await stream.cancel();
      const fromAfter = await StreamReader.open(api, `?after=${stored[3]?.seq}`);
      await fromAfter.until(eventCount(2), 'events after `after`');
      assert.deepEqual(fromAfter.events(), [stored[4], ...live]);
      await fromAfter.cancel();
      const badId = await fetch(`${api.url}/api/v1/events/stream`, { headers: { 'last-event-id': 'abc' } });
      assert.equal(badId.status, 400);
      assert.equal(((await badId.json()) as { error: { details: { problems: { path: string }[] } } }).error.details.problems[0]?.path, 'Last-Event-ID');
    }));

  test('past the stream cap the answer is 429 saying the limit; a closed stream frees its place', () =>
    withApi(
      async (api) => {
        const first = await StreamReader.open(api);
        const second = await StreamReader.open(api);
        await Promise.all([first.until(connected, 'first connected'), second.until(connected, 'second connected')]);
        const refused = await fetch(`${api.url}/api/v1/events/stream`);
        assert.equal(refused.status, 429);
        const body = (await refused.json()) as { error: { code: string; message: string; details: { limit: number } } };
        assert.match(body.error.message, /at most 2 at once/);
        assert.equal(body.error.details.limit, 2);
        assert.equal(body.error.code, 'TOO_MANY_REQUESTS');
        assert.equal(refused.headers.get('retry-after'), '5');
        await first.cancel();
        const deadline = Date.now() + 5_000;
        while (api.eventFeed.streams > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const third = await StreamReader.open(api);
        assert.equal(third.status, 200);
        await third.until(connected, 'third connected');
        await Promise.all([second.cancel(), third.cancel()]);
      },
      { maxStreams: 2 },
    ));

  test('closing the feed ends open streams; closing the API does not hang', async () => {
    const api = await startTestApi();
    const streams = await Promise.all([StreamReader.open(api), StreamReader.open(api)]);
    await Promise.all(streams.map((s) => s.until(connected, 'connected')));
    api.eventFeed.close();
    for (const s of streams) {
      await s.until(() => s.ended, 'the end of the stream').catch(() => undefined);
      assert.equal(s.ended, true, 'the stream ended');
    }
    await api.close();
    assert.equal(api.eventFeed.streams, 0);
  });
});
