/**
 * The OpenFeature server provider (`@openfeature/server-sdk`): local evaluation through a
 * SluiceClient, with configuration-changed events from the live stream and `track` for experiments.
 *
 *   await OpenFeature.setProviderAndWait(new SluiceServerProvider({ url, environment, appName, token }));
 */
import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import type { SluiceClient } from '../client.js';
import type { SluiceClientOptions } from '../options.js';
import { ProviderClient, resolveFlag, toFlagContext } from './shared.js';

export class SluiceServerProvider implements Provider {
  readonly metadata = { name: 'sluice' } as const;
  readonly runsOn = 'server' as const;
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

  onClose(): Promise<void> {
    return this.#binding.close();
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'boolean');
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'string');
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'number');
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return resolveFlag(this.client, flagKey, defaultValue, context, 'object');
  }

  /** OpenFeature's track → the client's track (key: targetingKey/userId, else sessionId); `details.value` is the event's value. */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.client.track(trackingEventName, details?.value, toFlagContext(context));
  }
}

export { toFlagContext } from './shared.js';
