// The zero-downtime scenario against a running `sluice server`: the Service `zd` (v1, v2 as local
// processes), then, under load, in sequence: (a) a canary of v2 ramps 1 → 5 → 20 → 50 → 100 %, (b) the
// promotion completes, (c) a rolling update replaces every v2 instance, (d) a blue-green switch to v3,
// (e) a rollback: a canary of v1 at 50 % aborted, then `sluice undo` back to v2. Each phase acts through
// the CLI, as a user would, and ends when the API shows its end condition; then traffic keeps flowing
// on the new state for `dwellMs` ("settled" requests).
import { getJson, sluice, waitFor, writeSpec } from '../../testing/sluice-process.js';
import type { LoadMix } from './load-mix.js';
import { blueGreenRolloutYaml, canaryRolloutYaml, rampSteps, SERVICE, serviceYaml } from './zd-specs.js';
import type { ServiceOptions, VersionSpec } from './zd-specs.js';

export const PHASES = ['canaryRamp', 'promotion', 'rollingUpdate', 'blueGreen', 'rollback', 'undo'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface ScenarioSettings {
  readonly api: string;
  /** Where the spec files are written. */
  readonly specDir: string;
  readonly replicas: number;
  /** The canary ramp's pauses between weights. */
  readonly pauseMs: number;
  /** How long each phase keeps the load on after its end condition. */
  readonly dwellMs: number;
  /** Load before the first phase. */
  readonly baselineMs: number;
  /** The app exits at SIGTERM without draining (SHUTDOWN=abrupt). */
  readonly abrupt?: boolean;
  readonly log: (line: string) => void;
}

/** What the build supports and what the scenario therefore did; and how long each phase's action took. */
export interface ScenarioNotes {
  /** The Service's proxy address. */
  address: string;
  /** "strategy.blueGreen", or the stand-in used when the build rejects it. */
  blueGreen: string;
  rollingUpdate: string;
  /** Seconds from a phase's first action to its end condition. */
  readonly actionSeconds: Partial<Record<PhaseName, number>>;
}

interface Traffic {
  readonly stable?: string;
  readonly canary?: string;
  readonly weight?: number;
  readonly address?: string;
}
interface InstanceView {
  readonly id: string;
  readonly state: string;
}
interface ServiceView {
  readonly status: { readonly stable: string };
  readonly traffic?: Traffic;
  readonly workloads: readonly { readonly version: string; readonly instances: readonly InstanceView[] }[];
}
interface RolloutView {
  readonly status: { readonly phase: string; readonly stepIndex: number };
}

const WAIT_MS = 90_000;
const ROLLING_UPDATE = '{ maxSurge: 1, maxUnavailable: 0 }';
const BLUE_GREEN_STAND_IN = 'stand-in: a canary with one `setWeight: 100` step (this build rejects strategy.blueGreen)';

export class Scenario {
  readonly notes: ScenarioNotes = { address: '', blueGreen: '', rollingUpdate: '', actionSeconds: {} };
  readonly #s: ScenarioSettings;
  #versions: VersionSpec[] = [{ name: 'v1', gen: 1 }, { name: 'v2', gen: 1 }];
  #stable = 'v1';
  #rollingUpdate: string | undefined;
  #files = 0;

  constructor(settings: ScenarioSettings) {
    this.#s = settings;
  }

  /** Before the load: probes the build, applies the Service, waits until every instance is ready and the proxy listens. */
  async prepare(): Promise<string> {
    const probe = this.#serviceYaml({ rollingUpdate: ROLLING_UPDATE });
    const rolling = await this.#dryRun(probe);
    this.#rollingUpdate = rolling === undefined ? ROLLING_UPDATE : undefined;
    this.notes.rollingUpdate = rolling === undefined ? `run.rollingUpdate ${ROLLING_UPDATE}` : `the process runtime's replace on a changed run spec (run.rollingUpdate rejected: ${rolling})`;
    await this.#apply(this.#serviceYaml());
    for (const v of this.#versions) await this.#readyGeneration(v.name, []);
    this.notes.address = await waitFor('the proxy of zd to listen', async () => (await this.#service()).traffic?.address, WAIT_MS);
    const blueGreen = await this.#dryRun(blueGreenRolloutYaml('zd-probe', 'v2'));
    this.notes.blueGreen = blueGreen === undefined ? 'strategy.blueGreen' : `${BLUE_GREEN_STAND_IN}: ${blueGreen}`;
    return this.notes.address;
  }

  /** Runs every phase under `load`, each tagged by load.phase() and settled by load.settle() at its end condition. */
  async run(load: LoadMix): Promise<void> {
    await sleep(this.#s.baselineMs);
    const actions: Record<PhaseName, () => Promise<void>> = {
      canaryRamp: () => this.#canaryRamp(),
      promotion: () => this.#promotion(),
      rollingUpdate: () => this.#rollingUpdateOfStable(),
      blueGreen: () => this.#blueGreenSwitch(),
      rollback: () => this.#rollback(),
      undo: () => this.#undo(),
    };
    for (const name of PHASES) {
      load.phase(name);
      const started = performance.now();
      this.#s.log(`[zd] ${name}: starting at t=${(load.elapsedMs() / 1000).toFixed(1)}s (epoch ms ${Date.now()})`);
      await actions[name]();
      load.settle();
      this.notes.actionSeconds[name] = (performance.now() - started) / 1000;
      this.#s.log(`[zd] ${name}: end condition after ${this.notes.actionSeconds[name]!.toFixed(1)}s; ${load.inFlight()} requests in flight`);
      await sleep(this.#s.dwellMs);
    }
  }

  async #canaryRamp(): Promise<void> {
    await this.#apply(canaryRolloutYaml('zd-v2', 'v2', rampSteps(this.#s.pauseMs)));
    const last = rampSteps(this.#s.pauseMs).length - 1;
    await this.#until('zd-v2 paused at 100 % after the ramp', async () => {
      const [r, t] = [await this.#rollout('zd-v2'), (await this.#service()).traffic];
      return r.status.phase === 'Paused' && r.status.stepIndex === last && t?.canary === 'v2' && t.weight === 100;
    });
  }

  async #promotion(): Promise<void> {
    await this.#cli(['promote', 'zd-v2']);
    await this.#untilSucceeded('zd-v2');
    this.#stable = 'v2';
    await this.#untilServing('v2');
  }

  /** A new GEN for the stable version's run spec: every instance is replaced. */
  async #rollingUpdateOfStable(): Promise<void> {
    const before = await this.#instanceIds(this.#stable);
    this.#versions = this.#versions.map((v) => (v.name === this.#stable ? { ...v, gen: v.gen + 1 } : v));
    await this.#apply(this.#serviceYaml());
    await this.#readyGeneration(this.#stable, before);
  }

  /** Deploys v3 beside the others, then switches all traffic to it at once. */
  async #blueGreenSwitch(): Promise<void> {
    this.#versions = [...this.#versions, { name: 'v3', gen: 1 }];
    await this.#apply(this.#serviceYaml());
    await this.#readyGeneration('v3', []);
    const blueGreen = this.notes.blueGreen === 'strategy.blueGreen';
    await this.#apply(blueGreen ? blueGreenRolloutYaml('zd-v3', 'v3') : canaryRolloutYaml('zd-v3', 'v3', ['setWeight: 100']));
    await this.#untilSucceeded('zd-v3', true);
    this.#stable = 'v3';
    await this.#untilServing('v3');
  }

  /** A canary of v1 to 50 %, held a moment, then `sluice abort`: everyone back on v3. */
  async #rollback(): Promise<void> {
    await this.#apply(canaryRolloutYaml('zd-v1', 'v1', ['setWeight: 50', 'pause: {}']));
    await this.#until('zd-v1 paused at 50 %', async () => {
      const [r, t] = [await this.#rollout('zd-v1'), (await this.#service()).traffic];
      return r.status.phase === 'Paused' && t?.canary === 'v1' && t.weight === 50;
    });
    await sleep(Math.max(2_000, this.#s.dwellMs / 2));
    await this.#cli(['abort', 'zd-v1', '--reason', 'zero-downtime test: rollback under load']);
    await this.#until('zd-v1 Aborted', async () => (await this.#rollout('zd-v1')).status.phase === 'Aborted');
    await this.#untilServing('v3');
  }

  /** `sluice undo zd`: back to the revision before v3's promotion, v2. */
  async #undo(): Promise<void> {
    await this.#cli(['undo', SERVICE]);
    this.#stable = 'v2';
    await this.#untilServing('v2');
  }

  #serviceYaml(extra: Partial<ServiceOptions> = {}): string {
    const rollingUpdate = this.#rollingUpdate === undefined ? {} : { rollingUpdate: this.#rollingUpdate };
    const abrupt = this.#s.abrupt === true ? { abrupt: true } : {};
    return serviceYaml({ versions: this.#versions, stable: this.#stable, replicas: this.#s.replicas, ...rollingUpdate, ...abrupt, ...extra });
  }

  async #apply(yaml: string): Promise<void> {
    const file = await writeSpec(this.#s.specDir, `zd-${++this.#files}.yaml`, yaml);
    await this.#cli(['apply', '-f', file]);
  }

  /** A dry-run apply: undefined when accepted, else the server's message. */
  async #dryRun(yaml: string): Promise<string | undefined> {
    const file = await writeSpec(this.#s.specDir, `zd-probe-${++this.#files}.yaml`, yaml);
    const result = await sluice(this.#s.api, ['apply', '--dry-run', '-f', file]);
    return result.code === 0 ? undefined : (result.stderr || result.stdout).trim().split('\n').slice(0, 3).join(' ');
  }

  async #cli(args: readonly string[]): Promise<void> {
    const result = await sluice(this.#s.api, args, undefined, { SLUICE_ACTOR: 'zero-downtime' });
    if (result.code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
  }

  #service(): Promise<ServiceView> {
    return getJson<ServiceView>(`${this.#s.api}/api/v1/services/${SERVICE}`);
  }

  #rollout(name: string): Promise<RolloutView> {
    return getJson<RolloutView>(`${this.#s.api}/api/v1/rollouts/${name}`);
  }

  #until(what: string, probe: () => Promise<boolean>): Promise<true> {
    return waitFor(what, async () => ((await probe()) ? true : undefined), WAIT_MS);
  }

  /** Waits for Succeeded; `promoteIfPaused` ends a pause the strategy may hold before its switch. */
  async #untilSucceeded(name: string, promoteIfPaused = false): Promise<void> {
    let promoted = false;
    await this.#until(`${name} Succeeded`, async () => {
      const phase = (await this.#rollout(name)).status.phase;
      if (phase === 'Aborted' || phase === 'Failed') throw new Error(`${name} ended ${phase}`);
      if (phase === 'Paused' && promoteIfPaused && !promoted) {
        promoted = true;
        await this.#cli(['promote', name, '--full']);
      }
      return phase === 'Succeeded';
    });
  }

  /** The data plane serves `stable` to everyone: no canary weight. */
  #untilServing(stable: string): Promise<true> {
    return this.#until(`the data plane to serve ${stable} only`, async () => {
      const s = await this.#service();
      const t = s.traffic;
      return s.status.stable === stable && t?.stable === stable && (t.canary === undefined || t.weight === 0);
    });
  }

  async #instanceIds(version: string): Promise<string[]> {
    return (await this.#service()).workloads.find((w) => w.version === version)?.instances.map((i) => i.id) ?? [];
  }

  /** Every replica of `version` ready, none of them one of `replaced`, and no other instance left (old ones have exited). */
  async #readyGeneration(version: string, replaced: readonly string[]): Promise<void> {
    await this.#until(`${this.#s.replicas} new ready instances of ${version}, the old ones gone`, async () => {
      const workload = (await this.#service()).workloads.find((w) => w.version === version);
      const instances = workload?.instances ?? [];
      const fresh = instances.every((i) => i.state === 'ready' && !replaced.includes(i.id));
      return instances.length === this.#s.replicas && fresh;
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
