import { ErrorCode, SluiceError } from '@sluice/domain';
import type { RunSpec } from '@sluice/domain';
import type { RunRefusal, Runtime, WorkloadKey, WorkloadSpec, WorkloadStatus } from '../runtime.js';
import type { KubeClient, KubeObject, KubeRef, KubeWatchEvent } from './kube-client.js';
import { containerPort, kubernetesRunRefusal, MANAGED_SELECTOR, versionDeployment, versionService, workloadName } from './deployment-manifest.js';
import type { WorkloadManifestOptions } from './deployment-manifest.js';
import { ObjectWatch } from './object-watch.js';
import { desiredReplicas, rolloutStatus } from './rollout-status.js';
import { workloadStatus } from './workload-status.js';

export interface KubernetesRuntimeOptions {
  /** The API client (KubeClient; loadKubeConnection reads a kubeconfig). */
  readonly api: Pick<KubeClient, 'get' | 'apply' | 'remove' | 'list' | 'watch'>;
  readonly namespace: string;
  /** The Deployment every version is copied from; default the service's name. */
  readonly sourceDeployment?: (service: string) => string;
  /** Image of a version; default the run spec's `image`, else the source's image (only env changes). */
  readonly image?: (spec: WorkloadSpec) => string | undefined;
  /** Container whose image/env change; default the first. */
  readonly container?: string;
  /** Port of the per-version Services; default the container's first port, else 80. */
  readonly port?: number;
  /** Pod label with the version (Istio subsets); default "version". */
  readonly versionLabel?: string;
  /** Called when the watch fails (it retries); default ignore. */
  readonly onWatchError?: (error: unknown) => void;
}

interface Workload {
  spec: WorkloadSpec;
  port: number;
  source: KubeObject;
  /** Replicas set by setCanaryScale, overriding run.replicas until the next ensure with another spec. */
  scaled?: number;
  deployment: KubeObject | undefined;
}

const key = (k: WorkloadKey): string => `${k.service}\u0000${k.version}`;

/**
 * Runs each version of a service as a Deployment `${service}-${version}` copied from the service's
 * source Deployment (new image/env), with a Service of the same name. Writes are server-side applies
 * (field manager "sluice"); state comes from one watch on the managed Deployments, never from polling.
 * close() stops watching and leaves the workloads running: they outlive the control plane.
 */
export class KubernetesRuntime implements Runtime {
  readonly kind = 'kubernetes';
  readonly #api: KubernetesRuntimeOptions['api'];
  readonly #options: KubernetesRuntimeOptions;
  readonly #manifest: WorkloadManifestOptions;
  readonly #workloads = new Map<string, Workload>();
  readonly #listeners = new Set<(status: WorkloadStatus) => void>();
  readonly #watch: ObjectWatch;
  #closed = false;

  constructor(options: KubernetesRuntimeOptions) {
    this.#api = options.api;
    this.#options = options;
    this.#manifest = {
      namespace: options.namespace,
      image: options.image ?? ((spec) => spec.run.image),
      versionLabel: options.versionLabel ?? 'version',
      ...(options.container === undefined ? {} : { container: options.container }),
      ...(options.port === undefined ? {} : { port: options.port }),
    };
    this.#watch = new ObjectWatch(this.#api, this.#collection('deployments'), MANAGED_SELECTOR, {
      onSync: (objects) => this.#sync(objects),
      onEvent: (event) => this.#event(event),
      onError: (error) => options.onWatchError?.(error),
    });
  }

  /** How many times the watch listed (1 + one per 410 Gone); for tests and diagnostics. */
  get relists(): number {
    return this.#watch.relists;
  }

  cannotRun(run: RunSpec): RunRefusal | undefined {
    return this.#options.image === undefined ? kubernetesRunRefusal(run) : undefined;
  }

  async ensure(spec: WorkloadSpec, signal?: AbortSignal): Promise<void> {
    this.#open();
    await this.#watch.start();
    const existing = this.#workloads.get(key(spec));
    const source = existing?.source ?? (await this.#source(spec.service, signal));
    const port = existing?.port ?? containerPort(source, this.#manifest);
    const sameSpec = existing !== undefined && JSON.stringify(existing.spec.run) === JSON.stringify(spec.run);
    const workload: Workload = { spec, port, source, deployment: existing?.deployment, ...(sameSpec && existing.scaled !== undefined ? { scaled: existing.scaled } : {}) };
    this.#workloads.set(key(spec), workload);
    await this.#apply(workload, signal);
  }

  /**
   * Scales the version's Deployment to `weight` percent of the source Deployment's replicas (rounded up,
   * at least 1 above 0 %), as Argo Rollouts' setCanaryScale does; `replicas` sets a count instead.
   */
  async setCanaryScale(k: WorkloadKey, scale: { readonly weight: number } | { readonly replicas: number }, signal?: AbortSignal): Promise<number> {
    this.#open();
    const workload = this.#mustKnow(k);
    const replicas = 'replicas' in scale ? scale.replicas : Math.ceil((desiredReplicas(workload.source) * scale.weight) / 100);
    if (!Number.isInteger(replicas) || replicas < 0) throw new SluiceError(ErrorCode.INVALID_REQUEST, `setCanaryScale ${k.service}/${k.version}: ${replicas} replicas; expected a whole number ≥ 0`);
    workload.scaled = replicas;
    await this.#apply(workload, signal);
    return replicas;
  }

  async waitReady(k: WorkloadKey, min: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const workload = this.#mustKnow(k);
    const check = (): boolean => {
      const deployment = workload.deployment;
      if (deployment === undefined) return false;
      const rollout = rolloutStatus(deployment);
      if (rollout.failed !== undefined) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `${k.service}/${k.version}: ${rollout.message}: ${rollout.failed}`);
      return rollout.readyUpdated >= min;
    };
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown): void => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(signal?.reason);
      const timer = setTimeout(() => finish(new SluiceError(ErrorCode.ADAPTER_FAILED, `${k.service}/${k.version}: fewer than ${min} ready replicas after ${timeoutMs} ms`)), timeoutMs);
      const unsubscribe = this.#subscribe(() => {
        try {
          if (check()) finish();
        } catch (error) {
          finish(error);
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  status(k: WorkloadKey): WorkloadStatus | undefined {
    const workload = this.#workloads.get(key(k));
    return workload === undefined ? undefined : this.#statusOf(workload);
  }

  list(): readonly WorkloadStatus[] {
    return [...this.#workloads.values()].map((w) => this.#statusOf(w));
  }

  /** Deletes the version's Deployment and Service (Kubernetes drains the pods: terminationGracePeriodSeconds). */
  async retire(k: WorkloadKey, signal?: AbortSignal): Promise<void> {
    const workload = this.#workloads.get(key(k));
    const name = workloadName(k.service, k.version);
    await this.#api.remove({ ...this.#collection('deployments'), name }, signal);
    await this.#api.remove({ ...this.#collection('services'), name }, signal);
    if (workload === undefined) return;
    this.#workloads.delete(key(k));
    workload.deployment = undefined;
    this.#emit(workload);
  }

  onChange(listener: (status: WorkloadStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the watch; the Deployments keep running (a control plane restart must not take the service down). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#watch.stop();
  }

  #collection(plural: 'deployments' | 'services'): { apiVersion: string; plural: string; namespace: string } {
    return { apiVersion: plural === 'deployments' ? 'apps/v1' : 'v1', plural, namespace: this.#options.namespace };
  }

  async #source(service: string, signal?: AbortSignal): Promise<KubeObject> {
    const name = (this.#options.sourceDeployment ?? ((s: string) => s))(service);
    const source = await this.#api.get({ ...this.#collection('deployments'), name }, signal);
    if (source === undefined) {
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `no Deployment ${name} in namespace ${this.#options.namespace} to copy the versions of service "${service}" from; expected the service's stable Deployment`);
    }
    return source;
  }

  async #apply(workload: Workload, signal?: AbortSignal): Promise<void> {
    const { spec } = workload;
    const ref: KubeRef = { ...this.#collection('deployments'), name: workloadName(spec.service, spec.version) };
    await this.#api.apply({ ...this.#collection('services'), name: ref.name }, versionService(spec, workload.port, this.#manifest), signal);
    const applied = await this.#api.apply(ref, versionDeployment(workload.source, spec, workload.scaled ?? spec.run.replicas, this.#manifest), signal);
    this.#update(applied);
  }

  #mustKnow(k: WorkloadKey): Workload {
    const workload = this.#workloads.get(key(k));
    if (workload === undefined) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `the Kubernetes runtime runs no workload ${k.service}/${k.version}; expected ensure() first`);
    return workload;
  }

  #open(): void {
    if (this.#closed) throw new SluiceError(ErrorCode.ADAPTER_FAILED, 'the Kubernetes runtime is closed');
  }

  #statusOf(workload: Workload): WorkloadStatus {
    return workloadStatus(workload.spec, workload.deployment, workload.port, this.#options.namespace);
  }

  /** A newer object than the one held (by resourceVersion) replaces it and is announced. */
  #update(object: KubeObject): void {
    const workload = [...this.#workloads.values()].find((w) => workloadName(w.spec.service, w.spec.version) === object.metadata.name);
    if (workload === undefined) return;
    if (Number(object.metadata.resourceVersion ?? 0) < Number(workload.deployment?.metadata.resourceVersion ?? 0)) return;
    workload.deployment = object;
    this.#emit(workload);
  }

  /** A (re)list: objects in it are current; a held Deployment missing from it was deleted meanwhile. */
  #sync(objects: readonly KubeObject[]): void {
    const names = new Set(objects.map((o) => o.metadata.name));
    for (const workload of this.#workloads.values()) {
      if (workload.deployment !== undefined && !names.has(workload.deployment.metadata.name)) {
        workload.deployment = undefined;
        this.#emit(workload);
      }
    }
    for (const object of objects) this.#update(object);
  }

  #event(event: KubeWatchEvent): void {
    if (event.type !== 'DELETED') {
      this.#update(event.object);
      return;
    }
    const workload = [...this.#workloads.values()].find((w) => workloadName(w.spec.service, w.spec.version) === event.object.metadata.name);
    if (workload === undefined || workload.deployment === undefined) return;
    workload.deployment = undefined;
    this.#emit(workload);
  }

  #subscribe(listener: () => void): () => void {
    const wrapped = (): void => listener();
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  #emit(workload: Workload): void {
    const status = this.#statusOf(workload);
    for (const listener of [...this.#listeners]) listener(status);
  }
}
