// Runs every case of the Unleash client specification through the interpreting evaluator
// (isEnabled / getVariant). The loading and the per-case tests live in testing/unleash-spec-cases.ts,
// shared with the compiled evaluator's run (compiled/unleash-spec.test.ts).
import { getVariant, isEnabled } from './evaluate.js';
import { registerUnleashSpec } from './testing/unleash-spec-cases.js';

registerUnleashSpec('evaluateFlag', (state, options) => ({
  isEnabled: (name, context) => isEnabled(state, name, context, options),
  getVariant: (name, context) => getVariant(state, name, context, options),
}));
