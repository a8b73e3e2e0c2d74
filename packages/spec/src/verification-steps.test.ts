import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOAD_MAX_IN_FLIGHT, DEFAULT_LOAD_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, DEFAULT_VERIFICATION_INTERVAL_MS, DEFAULT_VERIFICATION_WITHIN_MS, LOAD_LIMITS } from '@sluice/domain';
import type { RolloutSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { ANALYSIS_YAML } from './testing/analysis-example.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Rollout; `canary` lines go before `steps:`, each step is one line starting `        - `. */
function rollout(steps: string, canary = ''): string {
  const head = 'apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n';
  return `${head}  strategy:\n    canary:\n${canary}      steps:\n${steps}`;
}
const step = (text: string) => rollout(`        - ${text}\n`);
const STEPS = 'spec.strategy.canary.steps';

/** The one problem of `text`, checked to be at the `nth` occurrence of `needle`. */
function problemAt(text: string, needle: string, want: { path: string; message: RegExp; found?: string; expected?: string | RegExp }, nth = 0) {
  assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, needle, nth), ...want });
}

const parseRollout = (text: string): RolloutSpec => {
  const [parsed] = parseResources(text, { file: 'r.yaml' });
  assert.ok(parsed?.kind === 'Rollout');
  return parsed.spec;
};

const CHECK = 'provider: { builtin: {} }, query: error-rate, judge: { threshold: { successCondition: "result < 0.01" } }';

describe('verification steps on valid input', () => {
  test('parseResources turns the example rollout into the exact domain object', () => {
    const resources = parseResources(ANALYSIS_YAML, { file: 'a.yaml' });
    const check = { provider: { kind: 'builtin' }, timeoutMs: 10_000, retries: 2 } as const;
    const expected: RolloutSpec = {
      service: 'shop',
      target: 'v2',
      strategy: {
        kind: 'canary',
        steps: [
          { kind: 'setWeight', weight: 5 },
          { kind: 'analysis', templates: ['success-rate', 'latency'], args: { maxErrorRate: '0.02', team: 'checkout' }, durationMs: 300_000 },
          { kind: 'analysis', templates: ['latency'], args: {} },
          { kind: 'approval' },
          { kind: 'approval', message: 'Check the dashboard first', approvers: ['alice', 'bob'] },
          {
            kind: 'checklist',
            items: [
              {
                name: 'warm-cache',
                operation: { kind: 'command', command: './warm.sh --all', timeoutMs: 60_000 },
                verification: { ...check, query: 'error-rate', judge: { kind: 'threshold', successCondition: 'result < 0.01' }, intervalMs: 5_000, withinMs: 60_000 },
                rollbackVerification: { ...check, query: 'requests', judge: { kind: 'threshold', failureCondition: 'result == 0' }, intervalMs: 10_000, withinMs: 120_000 },
              },
              {
                name: 'purge',
                operation: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:8080/purge', headers: { 'x-token': 'abc' }, body: '{}', expectStatus: [202], timeoutMs: 5_000 },
              },
              { name: 'dashboard', operation: { kind: 'instruction', text: 'Check the dashboard' } },
            ],
          },
          { kind: 'load', rps: 50, durationMs: 30_000, requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }], timeoutMs: 5_000, maxInFlight: 256 },
          {
            kind: 'load',
            rps: 20.5,
            durationMs: 60_000,
            requests: [
              { method: 'POST', path: '/checkout?x=1', headers: { 'content-type': 'application/json' }, body: '{}', weight: 3 },
              { method: 'GET', path: '/healthz', headers: {}, weight: 1 },
            ],
            stopWhen: 'errorRate > 0.05 || p99Ms > 500',
            timeoutMs: 2_000,
            maxInFlight: 64,
          },
          { kind: 'setWeight', weight: 100 },
        ],
      },
      analysis: { background: { templates: ['success-rate'], args: { team: 'payments' }, fromStep: 1 } },
    };
    const found = resources.find((r) => r.kind === 'Rollout');
    assert.deepEqual(found && { kind: found.kind, name: found.name, spec: found.spec }, { kind: 'Rollout', name: 'shop-v2', spec: expected });
  });

  test('parseResources applies the verification, operation and load defaults, and turns numeric args into text', () => {
    const spec = parseRollout(
      rollout(
        '        - analysis: { templates: [t], args: { rate: 0.02, n: 3, s: x } }\n' +
          `        - checklist: { items: [ { name: a, operation: { command: ./a.sh }, verification: { ${CHECK} } }, { name: b, operation: { http: { url: "https://x.io/h" } } } ] }\n` +
          '        - load: { rps: 1, duration: 1s }\n',
        '      analysis: { templates: [t] }\n',
      ),
    );
    const [analysis, checklist, load] = spec.strategy.steps;
    assert.deepEqual(analysis, { kind: 'analysis', templates: ['t'], args: { rate: '0.02', n: '3', s: 'x' } });
    assert.deepEqual(checklist, {
      kind: 'checklist',
      items: [
        {
          name: 'a',
          operation: { kind: 'command', command: './a.sh', timeoutMs: DEFAULT_OPERATION_TIMEOUT_MS },
          verification: {
            provider: { kind: 'builtin' },
            query: 'error-rate',
            judge: { kind: 'threshold', successCondition: 'result < 0.01' },
            timeoutMs: 10_000,
            retries: 2,
            intervalMs: DEFAULT_VERIFICATION_INTERVAL_MS,
            withinMs: DEFAULT_VERIFICATION_WITHIN_MS,
          },
        },
        {
          name: 'b',
          operation: { kind: 'http', method: 'GET', url: 'https://x.io/h', headers: {}, expectStatus: [200, 201, 202, 203, 204], timeoutMs: DEFAULT_OPERATION_TIMEOUT_MS },
        },
      ],
    });
    assert.deepEqual(load, {
      kind: 'load',
      rps: 1,
      durationMs: 1_000,
      requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
      timeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
      maxInFlight: DEFAULT_LOAD_MAX_IN_FLIGHT,
    });
    assert.deepEqual(spec.analysis, { background: { templates: ['t'], args: {}, fromStep: 0 } });
  });

  test('a rollout without background analysis has no analysis field', () => {
    assert.equal('analysis' in parseRollout(step('setWeight: 5')), false);
  });
});

describe('analysis steps and background analysis', () => {
  test('templates: 1 to 10 valid names, each once', () => {
    problemAt(step('analysis: { templates: [] }'), '[]', { path: `${STEPS}[0].analysis.templates`, message: /^wrong number of templates$/, found: 'a list of 0 items', expected: 'a list of 1 to 10 AnalysisTemplate names' });
    problemAt(step('analysis: { templates: [Success] }'), 'Success', { path: `${STEPS}[0].analysis.templates[0]`, message: /^invalid template name$/, found: '"Success"' });
    problemAt(step('analysis: { templates: [a, b, a] }'), 'a]', { path: `${STEPS}[0].analysis.templates[2]`, message: /^duplicate template "a": already listed as templates\[0\]$/ });
    problemAt(step('analysis: { args: {} }'), '{ args', { path: `${STEPS}[0].analysis.templates`, message: /^missing required field "templates"$/ });
  });

  test('args: argument names to strings or numbers; built-in names are refused', () => {
    problemAt(step('analysis: { templates: [t], args: { on: true } }'), 'true', { path: `${STEPS}[0].analysis.args.on`, message: /^invalid argument value$/, found: 'true' });
    problemAt(step('analysis: { templates: [t], args: { service: x } }'), 'service: x', { path: `${STEPS}[0].analysis.args.service`, message: /^invalid argument name$/, found: '"service"', expected: /other than the built-in service/ });
    problemAt(step('analysis: { templates: [t], args: [a] }'), '[a]', { path: `${STEPS}[0].analysis.args`, message: /^wrong type for "args"$/, found: 'a list of 1 item' });
  });

  test('an analysis step duration is at least 1s', () => {
    problemAt(step('analysis: { templates: [t], duration: 0s }'), '0s', { path: `${STEPS}[0].analysis.duration`, message: /^invalid duration$/, expected: /at least 1s/ });
  });

  test('background startingStep is 1-based and at most the number of steps', () => {
    const past = rollout('        - setWeight: 5\n        - setWeight: 50\n', '      analysis: { templates: [t], startingStep: 3 }\n');
    problemAt(past, '3 }', { path: 'spec.strategy.canary.analysis.startingStep', message: /^startingStep 3 is past the last step$/, found: '3', expected: 'a step number from 1 to 2 (steps are counted from 1)' });
    const zero = rollout('        - setWeight: 5\n', '      analysis: { templates: [t], startingStep: 0 }\n');
    problemAt(zero, '0 }', { path: 'spec.strategy.canary.analysis.startingStep', message: /^startingStep out of range$/, expected: /1 for the first/ });
    const last = parseRollout(rollout('        - setWeight: 5\n        - setWeight: 50\n', '      analysis: { templates: [t], startingStep: 2 }\n'));
    assert.equal(last.analysis?.background?.fromStep, 1);
    const typo = rollout('        - setWeight: 5\n', '      analysis: { template: [t] }\n');
    assert.deepEqual(
      problemsOf(typo).map((p) => [p.path, p.message]),
      [
        ['spec.strategy.canary.analysis.templates', 'missing required field "templates"'],
        ['spec.strategy.canary.analysis.template', 'unknown field "template"'],
      ],
    );
  });

  test('a step still has exactly one kind', () => {
    problemAt(step('{ approval: {}, load: { rps: 1, duration: 1s } }'), '{ approval', { path: `${STEPS}[0]`, message: /exactly one of setWeight, pause, setHeaderRoute, setSegmentRoute, setMirror, setFlag, analysis, approval, checklist, load, adaptive, pointOfNoReturn, contract$/, found: 'approval and load' });
  });
});

describe('approval steps', () => {
  test('approvers: 1 to 50 non-empty names; message at most 1000 characters', () => {
    problemAt(step('approval: { approvers: [] }'), '[]', { path: `${STEPS}[0].approval.approvers`, message: /^wrong number of approvers$/, found: 'a list of 0 items' });
    problemAt(step('approval: { approvers: [alice, " "] }'), '" "', { path: `${STEPS}[0].approval.approvers[1]`, message: /^invalid approver$/, found: '" "' });
    problemAt(step(`approval: { message: ${'x'.repeat(1001)} }`), 'xxx', { path: `${STEPS}[0].approval.message`, message: /^invalid message$/, expected: 'a message for the approver, 1 to 1000 characters' });
    problemAt(step('approval: { approver: alice }'), 'approver:', { path: `${STEPS}[0].approval.approver`, message: /^unknown field "approver"$/, expected: 'one of: message, approvers, allowAuthor' });
  });

  test('allowAuthor: a boolean, carried to the domain step (absent when left out)', () => {
    const [first] = parseRollout(step('approval: { approvers: [alice, bob], allowAuthor: false }')).strategy.steps;
    assert.deepEqual(first, { kind: 'approval', approvers: ['alice', 'bob'], allowAuthor: false });
    const [open] = parseRollout(step('approval: {}')).strategy.steps;
    assert.deepEqual(open, { kind: 'approval' });
    problemAt(step('approval: { allowAuthor: nope }'), 'nope', { path: `${STEPS}[0].approval.allowAuthor`, message: /^wrong type for "allowAuthor"$/, found: '"nope"', expected: /rollout's author may not approve/ });
  });
});

describe('checklist steps', () => {
  const items = (...list: string[]) => step(`checklist: { items: [ ${list.join(', ')} ] }`);
  const ITEMS = `${STEPS}[0].checklist.items`;

  test('an item needs an operation or a verification; rollbackVerification needs an operation', () => {
    problemAt(items('{ name: a }'), '{ name: a }', { path: `${ITEMS}[0]`, message: /^a checklist item needs an operation, a verification or both$/, found: 'neither' });
    problemAt(items(`{ name: a, verification: { ${CHECK} }, rollbackVerification: { ${CHECK} } }`), '{ provider', { path: `${ITEMS}[0].rollbackVerification`, message: /^rollbackVerification runs only for an item whose operation ran/ }, 1);
  });

  test('an operation has exactly one kind, and timeout only beside command', () => {
    problemAt(items('{ name: a, operation: { command: a, instruction: b } }'), '{ command', { path: `${ITEMS}[0].operation`, message: /^an operation must have exactly one of command, http, instruction$/, found: 'command and instruction' });
    problemAt(items('{ name: a, operation: { instruction: look, timeout: 5s } }'), '5s', { path: `${ITEMS}[0].operation.timeout`, message: /^timeout applies only to a command operation$/, expected: /inside http/ });
  });

  test('http operations: absolute URL, status codes from 100 to 599', () => {
    problemAt(items('{ name: a, operation: { http: { url: /purge } } }'), '/purge', { path: `${ITEMS}[0].operation.http.url`, message: /^invalid URL$/, expected: /absolute http\(s\) URL/ });
    problemAt(items('{ name: a, operation: { http: { url: "http://x", expectStatus: [200, 700] } } }'), '700', { path: `${ITEMS}[0].operation.http.expectStatus[1]`, message: /^invalid status code$/, expected: 'an HTTP status code from 100 to 599' });
  });

  test('item names are unique in a checklist', () => {
    problemAt(items('{ name: a, operation: { command: x } }', '{ name: a, operation: { command: y } }'), 'a, operation: { command: y', { path: `${ITEMS}[1].name`, message: /^duplicate item "a": already used by items\[0\]$/ });
  });

  test('verifications: query for threshold judges, conditions parsed, only built-in placeholders', () => {
    const noQuery = CHECK.replace(' query: error-rate,', '');
    problemAt(items(`{ name: a, verification: { ${noQuery} } }`), '{ provider', { path: `${ITEMS}[0].verification.query`, message: /^a threshold judge needs a query$/ });
    const badCondition = CHECK.replace('"result < 0.01"', '"result <"');
    problemAt(items(`{ name: a, verification: { ${badCondition} } }`), '"result <"', { path: `${ITEMS}[0].verification.judge.threshold.successCondition`, message: /^invalid condition at column 9$/, found: 'the end' });
    const arg = CHECK.replace('query: error-rate', 'query: "x{{args.max}}"');
    problemAt(items(`{ name: a, verification: { ${arg} } }`), '"x{{', { path: `${ITEMS}[0].verification.query`, message: /names no declared or built-in argument "max"/, expected: /^a built-in placeholder/ });
    const builtin = CHECK.replace('query: error-rate', 'query: "x{{args.service}}{{canary}}"');
    assert.equal(parseResources(items(`{ name: a, verification: { ${builtin} } }`), { file: 'r.yaml' }).length, 1);
  });

  test('a verification may poll every 100ms or more, for at least 1s', () => {
    const fast = parseRollout(items(`{ name: a, verification: { ${CHECK}, interval: 500ms, within: 20s } }`)).strategy.steps[0];
    assert.deepEqual(fast?.kind === 'checklist' ? [fast.items[0]?.verification?.intervalMs, fast.items[0]?.verification?.withinMs] : [], [500, 20_000]);
    problemAt(items(`{ name: a, verification: { ${CHECK}, interval: 50ms } }`), '50ms', { path: `${ITEMS}[0].verification.interval`, message: /^invalid duration$/, expected: /at least 100ms/ });
    problemAt(items(`{ name: a, verification: { ${CHECK}, within: 500ms } }`), '500ms', { path: `${ITEMS}[0].verification.within`, message: /^invalid duration$/, expected: /at least 1s/ });
  });

  test('a checklist has 1 to 50 items', () => {
    problemAt(step('checklist: { items: [] }'), '[]', { path: ITEMS, message: /^wrong number of items$/, found: 'a list of 0 items', expected: 'a list of 1 to 50 items, done in order' });
  });
});

describe('load steps', () => {
  const LOAD = `${STEPS}[0].load`;

  test('rps above 0 and at most the limit; duration at most the limit', () => {
    problemAt(step('load: { rps: 0, duration: 10s }'), '0,', { path: `${LOAD}.rps`, message: /^rps out of range$/, found: '0', expected: `requests per second, above 0 and at most ${LOAD_LIMITS.maxRps}` });
    problemAt(step('load: { rps: 5000, duration: 10s }'), '5000', { path: `${LOAD}.rps`, message: /^rps out of range$/ });
    problemAt(step('load: { rps: 5, duration: 31m }'), '31m', { path: `${LOAD}.duration`, message: /^invalid duration$/, expected: /at most 30m/ });
    problemAt(step('load: { rps: 5 }'), '{ rps', { path: `${LOAD}.duration`, message: /^missing required field "duration"$/ });
  });

  test('stopWhen parses and uses only the load totals', () => {
    problemAt(step('load: { rps: 5, duration: 10s, stopWhen: "errorRate >> 1" }'), '"errorRate', { path: `${LOAD}.stopWhen`, message: /^invalid condition at column 12$/, found: '">"' });
    problemAt(step('load: { rps: 5, duration: 10s, stopWhen: "latency > 1 || p99Ms > 500" }'), '"latency', {
      path: `${LOAD}.stopWhen`,
      message: /^stopWhen uses unknown variable "latency"$/,
      found: '"latency"',
      expected: 'one of: requests, errors, errorRate, p50Ms, p99Ms, timeouts',
    });
    problemAt(step('load: { rps: 5, duration: 10s, stopWhen: "errors > {{args.max}}" }'), '"errors', { path: `${LOAD}.stopWhen`, message: /^invalid condition at column 10$/, found: '"{"' });
  });

  test('requests: 1 to the limit, each with an origin-form path; maxInFlight at most the limit', () => {
    const many = Array.from({ length: LOAD_LIMITS.maxRequests + 1 }, () => '{ path: / }').join(', ');
    problemAt(step(`load: { rps: 5, duration: 10s, requests: [${many}] }`), '[{', { path: `${LOAD}.requests`, message: /^wrong number of requests$/, found: `a list of ${LOAD_LIMITS.maxRequests + 1} items` });
    problemAt(step('load: { rps: 5, duration: 10s, requests: [ { path: checkout } ] }'), 'checkout', { path: `${LOAD}.requests[0].path`, message: /^invalid path$/, expected: /origin-form path/ });
    problemAt(step('load: { rps: 5, duration: 10s, requests: [ { path: /, weight: 0 } ] }'), '0 }', { path: `${LOAD}.requests[0].weight`, message: /^weight out of range$/ });
    problemAt(step('load: { rps: 5, duration: 10s, maxInFlight: 1001 }'), '1001', { path: `${LOAD}.maxInFlight`, message: /^maxInFlight out of range$/, expected: /from 1 to 1000/ });
  });
});
