/**
 * What the server and web OpenFeature providers share: mapping an OpenFeature evaluation context
 * to Sluice's (Unleash) context, and a Sluice evaluation to OpenFeature resolution details.
 */
import { ErrorCode, StandardResolutionReasons, type EvaluationContext, type JsonValue, type ResolutionDetails } from '@openfeature/core';
import type { FlagContext } from '@sluice/domain';
import { SluiceClient } from '../client.js';
import type { ClientEvaluation, SluiceClientOptions } from '../options.js';

/** Context fields Unleash knows by name; every other primitive becomes a property. */
const STANDARD_FIELDS = new Set(['userId', 'sessionId', 'remoteAddress', 'environment', 'appName', 'currentTime']);

type Primitive = string | number | boolean;

function primitive(value: unknown): Primitive | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

/**
 * OpenFeature context → Sluice context: `targetingKey` is the userId unless `userId` is given;
 * Unleash's standard fields stay top-level (as strings); other primitives (and Dates, as ISO
 * strings) become `properties`, as do the primitive entries of a `properties` object. Nested
 * objects and arrays are dropped: no constraint can read them.
 */
export function toFlagContext(context: EvaluationContext | undefined): FlagContext {
  const out: Record<string, string> = {};
  const properties: Record<string, Primitive> = {};
  for (const [key, raw] of Object.entries(context ?? {})) {
    if (key === 'targetingKey') continue;
    if (key === 'properties' && raw && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Date)) {
      for (const [name, value] of Object.entries(raw)) {
        const p = primitive(value);
        if (p !== undefined) properties[name] = p;
      }
      continue;
    }
    const value = primitive(raw);
    if (value === undefined) continue;
    if (STANDARD_FIELDS.has(key)) out[key] = String(value);
    else properties[key] = value;
  }
  const targetingKey = context?.targetingKey;
  if (out['userId'] === undefined && typeof targetingKey === 'string' && targetingKey !== '') out['userId'] = targetingKey;
  return Object.keys(properties).length > 0 ? { ...out, properties } : out;
}

export type FlagType = 'boolean' | 'string' | 'number' | 'object';

function matchesType(value: unknown, type: FlagType): boolean {
  if (type === 'object') return typeof value === 'object' && value !== null;
  return typeof value === type;
}

function errorDetails<T>(defaultValue: T, errorCode: ErrorCode, errorMessage: string | undefined, variant?: string): ResolutionDetails<T> {
  const details: ResolutionDetails<T> = { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode };
  if (errorMessage !== undefined) details.errorMessage = errorMessage;
  if (variant !== undefined) details.variant = variant;
  return details;
}

const ERROR_CODES: Readonly<Record<NonNullable<ClientEvaluation['errorCode']>, ErrorCode>> = {
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  PARSE_ERROR: ErrorCode.PARSE_ERROR,
  TYPE_MISMATCH: ErrorCode.TYPE_MISMATCH,
  GENERAL: ErrorCode.GENERAL,
  PROVIDER_NOT_READY: ErrorCode.PROVIDER_NOT_READY,
};

/**
 * A Sluice evaluation as OpenFeature details. Boolean flags resolve to Unleash's isEnabled;
 * string, number and object flags to the variant's typed payload. A flag that is off resolves
 * to the default value (reason DISABLED or DEFAULT); an on flag whose value
 * is of another type is TYPE_MISMATCH.
 */
export function toResolution<T>(result: ClientEvaluation, defaultValue: T, type: FlagType): ResolutionDetails<T> {
  // Unleash names the absence of a variant `disabled`; OpenFeature leaves `variant` out instead.
  const variant = result.variant.enabled ? result.variant.name : undefined;
  if (result.errorCode) return errorDetails(defaultValue, ERROR_CODES[result.errorCode], result.errorMessage, variant);
  const success = (value: T): ResolutionDetails<T> => {
    const details: ResolutionDetails<T> = { value, reason: result.reason, flagMetadata: { featureEnabled: result.variant.featureEnabled } };
    if (variant !== undefined) details.variant = variant;
    return details;
  };
  if (type === 'boolean') return success(result.enabled as T);
  if (!result.enabled) return success(defaultValue);
  if (!matchesType(result.value, type)) {
    const actual = result.variant.payload ? `a ${result.variant.payload.type} payload` : 'no payload (a boolean flag)';
    return errorDetails(defaultValue, ErrorCode.TYPE_MISMATCH, `flag has ${actual}, not a ${type}`, variant);
  }
  return success(result.value as T);
}

/** Evaluates through the client (counted in its metrics) and maps the result. Never throws. */
export function resolveFlag<T>(client: SluiceClient, flagKey: string, defaultValue: T, context: EvaluationContext, type: FlagType): ResolutionDetails<T> {
  return toResolution(client.evaluate(flagKey, toFlagContext(context)), defaultValue, type);
}

export type { JsonValue };

/** What a provider forwards from the client to OpenFeature. */
export interface ProviderSignals {
  configurationChanged(flagsChanged: string[]): void;
  error(message: string): void;
  ready(): void;
}

/**
 * Forwards client events once the provider is initialized: `changed` → configuration changed,
 * stream errors → provider error, `recovered` (and a late `ready` after a failed initialize) →
 * ready. Telemetry problems (INVALID_EVENT, REJECTED) are not provider errors. Returns the unsubscriber.
 */
export function bridgeClientEvents(client: SluiceClient, signals: ProviderSignals, initialized: () => boolean): () => void {
  const offs = [
    client.on('changed', (names) => {
      if (initialized()) signals.configurationChanged([...names]);
    }),
    client.on('error', (error) => {
      if (initialized() && error.code !== 'INVALID_EVENT' && error.code !== 'REJECTED') signals.error(`${error.code}: ${error.message}`);
    }),
    client.on('recovered', () => {
      if (initialized()) signals.ready();
    }),
    client.on('ready', () => {
      if (initialized()) signals.ready();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/**
 * What both providers do with their client: own it (built from options) or share it, bridge its
 * events once initialized, start it, and on close either close it (owned) or flush it (shared).
 */
export class ProviderClient {
  readonly client: SluiceClient;
  readonly #owned: boolean;
  #initialized = false;
  #unbridge: (() => void) | undefined;

  constructor(clientOrOptions: SluiceClient | SluiceClientOptions) {
    this.#owned = !(clientOrOptions instanceof SluiceClient);
    this.client = clientOrOptions instanceof SluiceClient ? clientOrOptions : new SluiceClient(clientOrOptions);
  }

  async initialize(signals: ProviderSignals): Promise<void> {
    this.#unbridge ??= bridgeClientEvents(this.client, signals, () => this.#initialized);
    try {
      await this.client.start();
    } finally {
      this.#initialized = true;
    }
  }

  async close(): Promise<void> {
    this.#unbridge?.();
    this.#unbridge = undefined;
    if (this.#owned) await this.client.close();
    else await this.client.flush();
  }
}
