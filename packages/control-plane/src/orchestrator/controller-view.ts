import type { ReconcileOutcome } from './reconcile-rollout.js';

/** What the API asks of the controller, whichever replica leads (the composition root's ControllerSlot). */
export interface ControllerView {
  /** Asks for a pass as soon as possible. */
  kick(): void;
  /** Why a rollout is waiting, as of the last pass; undefined on a replica that does not lead. */
  outcome(rollout: string): ReconcileOutcome | undefined;
  /** The error that keeps a service from converging, if any. */
  serviceProblem(service: string): string | undefined;
}
