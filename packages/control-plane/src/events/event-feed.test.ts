import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventType, type ReleaseEvent } from '@sluice/domain';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { EventFeed } from './event-feed.js';

test('one feed reads the store once per interval whatever the number of subscribers, and only while one is open', async () => {
  const store = new MemoryStore();
  let reads = 0;
  const list: Store['events']['list'] = (filter) => {
    reads++;
    return store.events.list(filter);
  };
  const counted = { events: { append: (e: Parameters<Store['events']['append']>[0]) => store.events.append(e), list } } as unknown as Store;
  const feed = new EventFeed(counted, { pollMs: 20 });
  const got: ReleaseEvent[][] = [[], [], [], [], []];
  const stops = await Promise.all(got.map((into) => feed.subscribe({ deliver: (events) => into.push(...events), close: () => undefined })));
  assert.equal(reads, 1, 'one read of where the log stands, for all five');
  const [appended] = await store.events.append([{ at: 0, actor: 'a', service: 's', subject: { kind: 'Service', name: 's' }, type: EventType.ServiceCreated, reason: 'r' }]);
  await sleep(110);
  for (const events of got) assert.deepEqual(events, [appended]);
  assert.ok(reads >= 3 && reads <= 8, `about one read per 20 ms for five subscribers, got ${reads}`);
  for (const stop of stops) stop();
  const after = reads;
  await sleep(60);
  assert.equal(reads, after, 'no reads once no stream is open');
  feed.close();
});
