import type { FlagContext } from './model.js';

/**
 * Unleash's `resolveContextValue`: a field on the context itself wins, then `properties[field]`.
 * Numbers and booleans are turned into strings; anything else that is not a string is absent.
 */
export function contextValue(context: FlagContext, field: string): string | undefined {
  const own = field === 'properties' ? undefined : context[field];
  const raw = own !== undefined && own !== null ? own : context.properties?.[field];
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}
