import { compileFlags } from '../flags/compiled/compile.js';
import type { FlagContext, FlagState } from '../flags/model.js';
import type { RuleFieldFailure } from './compile-rules.js';
import type { RequestView } from './routing.js';

/**
 * Flag conditions on the data plane: the inlined flag state is compiled once per split, and each
 * request is evaluated against a context read from the request itself (userId = the stickiness key,
 * remoteAddress = the client address, properties = the headers by lower-case name).
 */

type Test = (request: RequestView) => boolean;

/** The request whose context is being evaluated. Shared: matching is synchronous, so no two requests use it at once. */
let current: RequestView | undefined;

/** `properties` of the context: any field name reads the header of that (lower-cased) name, only when a constraint asks. */
const headerProperties: Readonly<Record<string, string | undefined>> = new Proxy<Record<string, string | undefined>>(
  {},
  {
    get: (_target, name) => (typeof name === 'string' && current !== undefined ? current.header(name.toLowerCase()) : undefined),
  },
);

/**
 * The one context object, refilled for each evaluation (so evaluating allocates no context).
 * `currentTime` is empty, never a header: the domain has no clock, and a client must not pick the
 * time a DATE constraint sees (such a constraint sees no time, as in an SDK given no clock).
 */
const shared: { userId: string; remoteAddress: string; environment: string; currentTime: string; properties: Readonly<Record<string, string | undefined>> } = {
  userId: '',
  remoteAddress: '',
  environment: '',
  currentTime: '',
  properties: headerProperties,
};

/**
 * No random stickiness on the data plane: a rule must send one user to one version on every request,
 * so `random` (and gradualRolloutRandom) resolve the same way for everyone.
 */
const DETERMINISTIC = Object.freeze({ random: () => 0.5 });

/** Fills the shared context from `request`; valid until the next call. */
export function flagContextOf(request: RequestView, environment: string): FlagContext {
  current = request;
  shared.userId = request.stickyKey;
  shared.remoteAddress = request.sourceIp;
  shared.environment = environment;
  return shared;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmpty(value: unknown, field: string, fail: RuleFieldFailure, expected: string): string {
  if (typeof value !== 'string' || value === '') fail(field, value, expected);
  return value as string;
}

/** Compiles `{ kind: 'flag', flag, environment, variant?, state }` into a request test. */
export function compileFlagCondition(condition: Record<string, unknown>, field: string, fail: RuleFieldFailure): Test {
  const flag = nonEmpty(condition['flag'], `${field}.flag`, fail, 'a flag name');
  const environment = nonEmpty(condition['environment'], `${field}.environment`, fail, 'an environment name');
  const variant = condition['variant'];
  if (variant !== undefined) nonEmpty(variant, `${field}.variant`, fail, 'a variant name or nothing');
  const state = condition['state'];
  if (!isObject(state) || !Array.isArray(state['features'])) fail(`${field}.state`, state, 'a flag state with a features list');
  const flags = compileFlags(state as unknown as FlagState, DETERMINISTIC);
  if (variant === undefined) {
    return (r) => {
      const on = flags.isEnabled(flag, flagContextOf(r, environment), false);
      current = undefined;
      return on;
    };
  }
  return (r) => {
    const result = flags.evaluate(flag, flagContextOf(r, environment));
    current = undefined;
    return result.enabled && result.variant.name === variant;
  };
}
