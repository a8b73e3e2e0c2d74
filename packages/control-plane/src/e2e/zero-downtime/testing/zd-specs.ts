// The specs of the zero-downtime scenario: one Service `zd` whose versions run upstream-app.mjs as
// local processes, and the Rollouts of each phase.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICE = 'zd';
const APP = join(dirname(fileURLToPath(import.meta.url)), '..', 'upstream-app.mjs');

export interface VersionSpec {
  readonly name: string;
  /** The app's GEN env var: changing it changes the run spec, so every instance is replaced. */
  readonly gen: number;
}

export interface ServiceOptions {
  readonly versions: readonly VersionSpec[];
  readonly stable: string;
  readonly replicas: number;
  /** A `run.rollingUpdate` block (YAML flow map) for every version, when the build accepts one. */
  readonly rollingUpdate?: string;
  /** SHUTDOWN=abrupt: the app exits at SIGTERM without draining. */
  readonly abrupt?: boolean;
}

export function serviceYaml(options: ServiceOptions): string {
  const command = JSON.stringify(`node ${APP}`);
  const rolling = options.rollingUpdate === undefined ? '' : `, rollingUpdate: ${options.rollingUpdate}`;
  const abrupt = options.abrupt === true ? ', SHUTDOWN: abrupt' : '';
  const versions = options.versions.map(
    (v) =>
      `    ${v.name}: { run: { command: ${command}, env: { VERSION: ${v.name}, GEN: "${v.gen}"${abrupt} }, replicas: ${options.replicas}, ` +
      `readiness: { path: /healthz, interval: 100ms }, gracePeriod: 20s${rolling} } }`,
  );
  return `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: ${SERVICE} }
spec:
  listen: 127.0.0.1:0
  stickiness: { header: x-user-id, cookie: sluice-zd }
  versions:
${versions.join('\n')}
  stable: ${options.stable}
`;
}

/** A canary Rollout with the given steps (YAML flow values such as "setWeight: 5", "pause: { duration: 2s }"). */
export function canaryRolloutYaml(name: string, target: string, steps: readonly string[]): string {
  return `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: ${SERVICE}
  target: ${target}
  strategy:
    canary:
      steps:
${steps.map((s) => `        - ${s}`).join('\n')}
`;
}

/**
 * A blue-green Rollout (probed with a dry-run apply before use): the defaults (switch at once when v3 is
 * ready), but the old stable version kept warm for 10 minutes, so the scenario's `sluice undo` finds it running.
 */
export function blueGreenRolloutYaml(name: string, target: string): string {
  return `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: ${SERVICE}
  target: ${target}
  strategy:
    blueGreen: { scaleDownDelay: 10m }
`;
}

/** The canary ramp of phase (a): 1 → 5 → 20 → 50 → 100 %, short pauses, then a pause for `promote`. */
export function rampSteps(pauseMs: number): string[] {
  const pause = `pause: { duration: ${pauseMs}ms }`;
  return ['setWeight: 1', pause, 'setWeight: 5', pause, 'setWeight: 20', pause, 'setWeight: 50', pause, 'setWeight: 100', 'pause: {}'];
}
