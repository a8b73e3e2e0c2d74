/**
 * The OpenFeature web provider (`@openfeature/web-sdk`): synchronous resolvers evaluated locally
 * against the static context, kept current by the client's stream (or polling).
 *
 *   await OpenFeature.setContext({ targetingKey: user.id, plan: 'pro' });
 *   await OpenFeature.setProviderAndWait(new SluiceWebProvider({ url, environment, appName, cache: localStorageCache() }));
 */
import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/web-sdk';
import { SluiceClient } from '../client.js';
import type { SluiceClientOptions } from '../options.js';
import { bridgeClientEvents, resolveFlag, toFlagContext } from './shared.js';

export class SluiceWebProvider implements Provider {
  readonly metadata = { name: 'sluice' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: SluiceClient;
  readonly #owned: boolean;
  #initialized = false;
  #unbridge: (() => void) | undefined;

  /** Pass a client to share it (the provider then flushes it on close, but does not close it), or options to own one. */
  constructor(clientOrOptions: SluiceClient | SluiceClientOptions) {
    this.#owned = !(clientOrOptions instanceof SluiceClient);
    this.client = clientOrOptions instanceof SluiceClient ? clientOrOptions : new SluiceClient(clientOrOptions);
  }

  async initialize(): Promise<void> {
    this.#unbridge ??= bridgeClientEvents(
      this.client,
      {
        configurationChanged: (flagsChanged) => this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged }),
        error: (message) => this.events.emit(ProviderEvents.Error, { message }),
        ready: () => this.events.emit(ProviderEvents.Ready),
      },
      () => this.#initialized,
    );
    try {
      await this.client.start();
    } finally {
      this.#initialized = true;
    }
  }

  /**
   * Evaluation is local and reads the context on every call, so a new static context needs no
   * round trip: nothing to reconcile (returning void keeps the provider out of RECONCILING).
   */
  onContextChange(_oldContext: EvaluationContext, _newContext: EvaluationContext): void {}

  async onClose(): Promise<void> {
    this.#unbridge?.();
    this.#unbridge = undefined;
    if (this.#owned) await this.client.close();
    else await this.client.flush();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): ResolutionDetails<boolean> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'boolean');
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): ResolutionDetails<string> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'string');
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): ResolutionDetails<number> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'number');
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'object');
  }

  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.client.track(trackingEventName, details?.value, toFlagContext(context));
  }
}

export { toFlagContext } from './shared.js';
