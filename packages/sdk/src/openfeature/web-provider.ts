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
import type { SluiceClient } from '../client.js';
import type { SluiceClientOptions } from '../options.js';
import { ProviderClient, resolveFlag, toFlagContext } from './shared.js';

export class SluiceWebProvider implements Provider {
  readonly metadata = { name: 'sluice' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: SluiceClient;
  readonly #binding: ProviderClient;

  /** Pass a client to share it (the provider then flushes it on close, but does not close it), or options to own one. */
  constructor(clientOrOptions: SluiceClient | SluiceClientOptions) {
    this.#binding = new ProviderClient(clientOrOptions);
    this.client = this.#binding.client;
  }

  initialize(): Promise<void> {
    return this.#binding.initialize({
      configurationChanged: (flagsChanged) => this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged }),
      error: (message) => this.events.emit(ProviderEvents.Error, { message }),
      ready: () => this.events.emit(ProviderEvents.Ready),
    });
  }

  /**
   * Evaluation is local and reads the context on every call, so a new static context needs no
   * round trip: nothing to reconcile (returning void keeps the provider out of RECONCILING).
   */
  onContextChange(_oldContext: EvaluationContext, _newContext: EvaluationContext): void {}

  onClose(): Promise<void> {
    return this.#binding.close();
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
