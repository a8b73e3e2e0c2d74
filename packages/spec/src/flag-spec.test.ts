import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateFlag, flagStateFor, type Flag, type FlagSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { onlyProblem, problemsOf } from './testing/problems.js';

const header = (name: string) => `apiVersion: sluice.dev/v1\nkind: Flag\nmetadata: { name: ${name} }\nspec:\n`;

const CHECKOUT = `${header('new-checkout')}  kind: release
  type: string
  description: The one-page checkout
  variants:
    - { name: blue, value: "#00f", weight: 50 }
    - { name: green, value: "#0f0" }
  environments:
    development: { enabled: true }
    production:
      enabled: true
      overrides:
        - { values: [alice], variant: green }
        - { values: [mallory], enabled: false }
      rules:
        - name: beta-de
          constraints:
            - { contextName: country, operator: STR_STARTS_WITH, values: [de, at], caseInsensitive: true }
            - { contextName: appVersion, operator: SEMVER_GTE, value: 2.1.0 }
          rollout: 50
      default: { rollout: 0.5, stickiness: userId }
`;

function parseFlag(text: string): FlagSpec {
  const [resource] = parseResources(text, { file: 'flags.yaml' });
  assert.equal(resource?.kind, 'Flag');
  return (resource as { spec: FlagSpec }).spec;
}

describe('Flag resources', () => {
  test('a full flag becomes the domain spec with defaults filled in', () => {
    const spec = parseFlag(CHECKOUT);
    assert.equal(spec.type, 'string');
    assert.deepEqual(spec.variants.map((v) => [v.name, v.weight]), [['blue', 50], ['green', 50]]);
    const prod = spec.environments['production'];
    assert.deepEqual(prod?.overrides[0], { contextName: 'userId', values: ['alice'], enabled: true, variant: 'green' });
    assert.equal(prod?.rules[0]?.rollout, 50);
    assert.deepEqual(prod?.default, { rollout: 0.5, stickiness: 'userId' });
    assert.deepEqual(spec.environments['development']?.default, { rollout: 100, stickiness: 'default' });
  });

  test('the compiled flag evaluates as written: overrides, off overrides, rules, environments', () => {
    const flag: Flag = { name: 'new-checkout', spec: parseFlag(CHECKOUT), version: 1, createdAt: 0, updatedAt: 0 };
    const prod = flagStateFor([flag], [], 'production');
    const staging = flagStateFor([flag], [], 'staging');
    assert.equal(evaluateFlag(prod, 'new-checkout', { userId: 'alice' }).value, '#0f0');
    assert.equal(evaluateFlag(prod, 'new-checkout', { userId: 'mallory', properties: { country: 'DE', appVersion: '3.0.0' } }).enabled, false);
    assert.equal(evaluateFlag(staging, 'new-checkout', { userId: 'alice' }).enabled, false);
    let inRule = 0;
    for (let i = 0; i < 2000; i++) if (evaluateFlag(prod, 'new-checkout', { userId: `u${i}`, properties: { country: 'De', appVersion: '2.1.0' } }).enabled) inRule++;
    assert.ok(inRule > 850 && inRule < 1150, `about half of the matching users: ${inRule}`);
    let outside = 0;
    for (let i = 0; i < 2000; i++) if (evaluateFlag(prod, 'new-checkout', { userId: `u${i}`, properties: { country: 'FR' } }).enabled) outside++;
    assert.ok(outside < 40, `the 0.5 % default rollout: ${outside} of 2000`);
  });

  test('variant weights that do not sum to 100 are refused at the variants list', () => {
    const text = `${header('x')}  type: string\n  variants:\n    - { name: a, value: a, weight: 60 }\n    - { name: b, value: b, weight: 30 }\n`;
    const p = onlyProblem(problemsOf(text));
    assert.equal(p.line, 7);
    assert.match(p.message, /sum to 90/);
  });

  test('a value of the wrong type, an unknown variant and a bad semver are each reported where they are', () => {
    const text = `${header('x')}  type: number\n  variants:\n    - { name: a, value: "1", weight: 100 }\n  environments:\n    production:\n      enabled: true\n      default: { variant: zz }\n      rules:\n        - constraints: [ { contextName: v, operator: SEMVER_GT, value: banana } ]\n`;
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [p.line, p.message.replace(/".*"/, '"…"')]), [
      [7, 'variant "…" has a value that is not a number'],
      [11, 'unknown variant "…"'],
      [13, 'invalid value for SEMVER_GT'],
    ]);
  });

  test('unknown operators and boolean flags with variants are refused', () => {
    const bad = problemsOf(`${header('x')}  environments:\n    production:\n      enabled: true\n      rules: [ { constraints: [ { contextName: a, operator: LIKE, values: [x] } ] } ]\n`);
    assert.match(onlyProblem(bad).message, /LIKE|operator/);
    const boolVariants = problemsOf(`${header('x')}  variants: [ { name: a, value: true } ]\n`);
    assert.match(onlyProblem(boolVariants).message, /boolean flag has no variants/);
  });

  test('a flag that requires itself is refused', () => {
    const p = onlyProblem(problemsOf(`${header('x')}  prerequisites: [ { flag: x } ]\n`));
    assert.match(p.message, /cannot require itself/);
  });
});
