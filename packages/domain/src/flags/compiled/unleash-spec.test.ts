// Runs every case of the Unleash client specification through the compiled evaluator: each file's
// state is compiled once, then every case is evaluated against it.
import { registerUnleashSpec } from '../testing/unleash-spec-cases.js';
import { compileFlags } from './compile.js';

registerUnleashSpec('compileFlags', (state, options) => {
  const compiled = compileFlags(state, options);
  return {
    isEnabled: (name, context) => compiled.isEnabled(name, context),
    getVariant: (name, context) => compiled.variant(name, context),
  };
});
