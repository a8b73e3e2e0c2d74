/**
 * A proxy worker: one BuiltinProxy fed by its cluster primary over IPC. Every worker gets the
 * same full route table, and cluster shares the listening sockets, so any worker can serve any
 * connection. Run only under node:cluster (the primary is ClusterProxy).
 */
import { isSluiceError } from '@sluice/domain';
import { BuiltinProxy } from '../builtin-proxy.js';
import type { ProxyObservation } from '../observation.js';
import type { WorkerCommand, WorkerReply } from './protocol.js';

const BATCH_MS = 100;
const MAX_BATCH = 5000;

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

const wantsObservations = process.env.SLUICE_PROXY_OBSERVE === '1';
let batch: ProxyObservation[] = [];
const proxy = new BuiltinProxy(
  wantsObservations
    ? {
        observer: (o) => {
          if (batch.length < MAX_BATCH) batch.push(o); // beyond that, shed load rather than memory
        },
      }
    : {},
);
const flusher = wantsObservations
  ? setInterval(() => {
      if (batch.length === 0) return;
      send({ type: 'observations', batch });
      batch = [];
    }, BATCH_MS)
  : undefined;
flusher?.unref();

async function run(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.type) {
    case 'upsert':
      await proxy.upsert(command.route, command.initial);
      return { type: 'done', id: command.id };
    case 'setSplit':
      proxy.setSplit(command.service, command.split);
      return { type: 'done', id: command.id };
    case 'remove':
      await proxy.remove(command.service);
      return { type: 'done', id: command.id };
    case 'observe':
      return { type: 'done', id: command.id, observed: proxy.observe(command.service) };
    case 'use':
      return { type: 'done', id: command.id, use: proxy.upstreamUse(command.service, command.endpoint) };
    case 'drain':
      await proxy.close({ handover: true });
      if (batch.length > 0) send({ type: 'observations', batch });
      return { type: 'done', id: command.id };
  }
}

// Commands run one at a time, in arrival order: a setSplit right behind an upsert must find the route.
let queue: Promise<void> = Promise.resolve();
process.on('message', (message: WorkerCommand) => {
  queue = queue.then(() => handle(message));
});

function handle(message: WorkerCommand): Promise<void> {
  return run(message).then(
    (reply) => {
      send(reply);
      if (message.type === 'drain') process.disconnect();
    },
    (error: unknown) => {
      const code = isSluiceError(error) ? error.code : 'INTERNAL';
      send({ type: 'failed', id: message.id, code, message: error instanceof Error ? error.message : String(error) });
    },
  );
}
// The primary went away (crashed or exited): stop serving rather than run unmanaged.
process.on('disconnect', () => {
  void proxy.close().finally(() => process.exit(0));
});
send({ type: 'ready' });
