import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseResources } from './parse-resources.js';
import { resourceJsonSchema } from './resource-json-schema.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

const webhook = (spec: string) => `apiVersion: sluice.dev/v1\nkind: Webhook\nmetadata: { name: ops }\nspec:\n${spec}`;

describe('Webhook resources', () => {
  test('a full webhook becomes the domain spec, durations in ms', () => {
    const [r] = parseResources(
      webhook(`  url: https://hooks.example.com/sluice?channel=ops
  events: [started, paused, rolledBack]
  services: [shop]
  format: slack
  secretFrom: { env: OPS_HOOK_SECRET }
  timeout: 2s
  maxAttempts: 3
`),
      { file: 'hooks.yaml' },
    );
    assert.equal(r?.kind, 'Webhook');
    assert.deepEqual(r?.spec, {
      url: 'https://hooks.example.com/sluice?channel=ops',
      events: ['started', 'paused', 'rolledBack'],
      services: ['shop'],
      format: 'slack',
      secretFrom: { env: 'OPS_HOOK_SECRET' },
      timeoutMs: 2000,
      maxAttempts: 3,
    });
  });

  test('defaults: json, 5 s, 5 attempts, every service', () => {
    const [r] = parseResources(webhook(`  url: http://127.0.0.1:9000/hook\n  events: [succeeded]\n  secretFrom: { env: S }\n`), { file: 'x.yaml' });
    assert.deepEqual(r?.spec, { url: 'http://127.0.0.1:9000/hook', events: ['succeeded'], format: 'json', secretFrom: { env: 'S' }, timeoutMs: 5000, maxAttempts: 5 });
  });

  test('an unknown event is reported at its position with the events allowed', () => {
    const problem = onlyProblem(problemsOf(webhook(`  url: https://h.example.com/\n  events: [started, deployed]\n  secretFrom: { env: S }\n`)));
    assertProblem(problem, { line: 6, col: 21, path: 'spec.events[1]', message: /unknown webhook event/, expected: /started, stepCompleted, paused, approvalNeeded, guardFired, rolledBack, succeeded/ });
  });

  test('a URL with a user and password, or of another scheme, is invalid', () => {
    for (const url of ['https://user:pw@h.example.com/', 'ftp://h.example.com/', 'https://h.example.com:70000/']) {
      const problem = onlyProblem(problemsOf(webhook(`  url: ${url}\n  events: [started]\n  secretFrom: { env: S }\n`)));
      assertProblem(problem, { line: 5, col: 8, path: 'spec.url', message: /invalid webhook URL/, expected: /absolute http\(s\) URL without user or password/ });
    }
  });

  test('a secret written in the spec is refused: only secretFrom.env', () => {
    const problems = problemsOf(webhook(`  url: https://h.example.com/\n  events: [started]\n  secret: hunter2\n  secretFrom: { env: S }\n`));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'spec.secret');
    assert.equal(problems[0]?.line, 7);
  });

  test('events listed twice, no events, out-of-range attempts and timeouts, a bad variable name and a bad format are each reported', () => {
    const problems = problemsOf(webhook(`  url: https://h.example.com/
  events: [started, started]
  secretFrom: { env: "1BAD" }
  format: teams
  timeout: 2m
  maxAttempts: 0
`));
    assert.deepEqual(problems.map((p) => p.path), ['spec.events', 'spec.secretFrom.env', 'spec.format', 'spec.timeout', 'spec.maxAttempts']);
    assert.match(problems[0]?.message ?? '', /listed twice/);
    assert.deepEqual(problemsOf(webhook(`  url: https://h.example.com/\n  events: []\n  secretFrom: { env: S }\n`)).map((p) => p.path), ['spec.events']);
    assert.deepEqual(problemsOf(webhook(`  url: https://h.example.com/\n  events: [started]\n`)).map((p) => p.message), ['missing required field "secretFrom"']);
  });

  test('the JSON Schema has the Webhook kind', () => {
    const text = JSON.stringify(resourceJsonSchema());
    assert.match(text, /"const":"Webhook"/);
    assert.match(text, /approvalNeeded/);
  });
});
