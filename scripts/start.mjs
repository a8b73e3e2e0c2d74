// `npm start`: install what is missing, build, and run the control plane with the demo.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build, ensureInstalled, root } from './ensure-installed.mjs';

ensureInstalled();
build();

const listen = process.env.SLUICE_LISTEN ?? '127.0.0.1:7070';
const server = spawn(
  process.execPath,
  [join(root, 'packages/cli/bin/sluice.js'), 'server', '--data-dir', process.env.SLUICE_DATA_DIR ?? '.sluice', '--listen', listen, '--apply', 'demo/shop.yaml'],
  { cwd: root, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

async function waitForApi() {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`http://${listen}/api/v1/services/shop`);
      const body = await res.json();
      if ((body.traffic && body.workloads?.every((w) => w.readyEndpoints.length > 0))) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

if (await waitForApi()) {
  console.log(`
  Sluice is running: control plane http://${listen}, demo service "shop" on http://127.0.0.1:8080
  (v1 and v2 of demo/app.js run as local processes; rollout "shop-v2" moves traffic to v2).
  Release center (web UI): http://${listen}/ui/ — the rollout live: steps, split, charts, decisions, approve/abort.

  Try, in another terminal:
    curl -si http://127.0.0.1:8080/ | grep -i x-sluice-version      # which version served you
    npx sluice status shop-v2 --watch                                # steps, weight, events, live
    npx sluice promote shop-v2                                       # end the pause that waits for you
    npx sluice abort shop-v2                                         # everything back to v1
    npx sluice history shop                                          # every decision, who and why
    curl -s http://${listen}/metrics | grep sluice_proxy_requests    # per-version counters

  Ctrl-C stops Sluice and the demo processes. State is kept in .sluice/ (delete it to replay the demo).
`);
}
