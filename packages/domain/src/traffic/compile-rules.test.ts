import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '../errors.js';
import { compileRules, regexProblem } from './compile-rules.js';
import type { Condition, RequestView, RouteRule, StringMatch } from './routing.js';

interface FakeRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  query?: Record<string, string>;
  sourceIp?: string;
  stickyKey?: string;
}

/** A RequestView over plain maps that records which attributes were asked for. */
function request(fake: FakeRequest = {}, asked: string[] = []): RequestView {
  return {
    method: fake.method ?? 'GET',
    path: fake.path ?? '/',
    header: (name) => (asked.push(`header:${name}`), fake.headers?.[name]),
    cookie: (name) => (asked.push(`cookie:${name}`), fake.cookies?.[name]),
    query: (name) => (asked.push(`query:${name}`), fake.query?.[name]),
    sourceIp: fake.sourceIp ?? '127.0.0.1',
    stickyKey: fake.stickyKey ?? 'k1',
  };
}

const rule = (name: string, conditions: Condition[], version = 'v2'): RouteRule => ({ name, conditions, action: { kind: 'version', version } });

/** Whether a one-rule list with `condition` matches the request. */
function matches(condition: Condition, fake: FakeRequest): boolean {
  return compileRules([rule('r', [condition])]).match(request(fake)) !== undefined;
}

function rejects(rules: unknown, field: RegExp): void {
  assert.throws(
    () => compileRules(rules as RouteRule[]),
    (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.INVALID_REQUEST && field.test(e.message),
  );
}

describe('compileRules matching', () => {
  test('header conditions: exact, prefix, regex and in, by lower-cased name', () => {
    const h = (match: StringMatch): Condition => ({ kind: 'header', name: 'X-Region', match });
    assert.equal(matches(h({ exact: 'eu' }), { headers: { 'x-region': 'eu' } }), true);
    assert.equal(matches(h({ exact: 'eu' }), { headers: { 'x-region': 'EU' } }), false, 'values are case-sensitive');
    assert.equal(matches(h({ exact: 'eu' }), { headers: { 'x-region': 'eu-west' } }), false);
    assert.equal(matches(h({ prefix: 'eu-' }), { headers: { 'x-region': 'eu-west' } }), true);
    assert.equal(matches(h({ prefix: 'eu-' }), { headers: { 'x-region': 'us-east' } }), false);
    assert.equal(matches(h({ in: ['eu', 'uk'] }), { headers: { 'x-region': 'uk' } }), true);
    assert.equal(matches(h({ in: ['eu', 'uk'] }), { headers: { 'x-region': 'u' } }), false);
    assert.equal(matches(h({ exact: '' }), { headers: { 'x-region': '' } }), true, 'an empty value is present');
    assert.equal(matches(h({ exact: '' }), {}), false, 'a missing header never matches');
    assert.equal(matches(h({ regex: '.*' }), {}), false, 'not even .*');
  });

  test('regex conditions match the whole value (anchored)', () => {
    const ua = (regex: string): Condition => ({ kind: 'header', name: 'user-agent', match: { regex } });
    assert.equal(matches(ua('Mobile'), { headers: { 'user-agent': 'Mobile' } }), true);
    assert.equal(matches(ua('Mobile'), { headers: { 'user-agent': 'Mozilla (Mobile) Safari' } }), false);
    assert.equal(matches(ua('.*Mobile.*'), { headers: { 'user-agent': 'Mozilla (Mobile) Safari' } }), true);
    assert.equal(matches(ua('a|b'), { headers: { 'user-agent': 'xb' } }), false, 'alternation stays inside the anchors');
    assert.equal(matches(ua('a|b'), { headers: { 'user-agent': 'b' } }), true);
  });

  test('cookie and query conditions read their own attribute by exact name', () => {
    assert.equal(matches({ kind: 'cookie', name: 'beta', match: { exact: '1' } }, { cookies: { beta: '1' } }), true);
    assert.equal(matches({ kind: 'cookie', name: 'beta', match: { exact: '1' } }, { cookies: { Beta: '1' }, headers: { beta: '1' } }), false);
    assert.equal(matches({ kind: 'query', name: 'preview', match: { exact: '1' } }, { query: { preview: '1' } }), true);
    assert.equal(matches({ kind: 'query', name: 'preview', match: { exact: '1' } }, { query: { preview: '0' } }), false);
  });

  test('pathPrefix and method conditions', () => {
    assert.equal(matches({ kind: 'pathPrefix', prefix: '/api/' }, { path: '/api/cart' }), true);
    assert.equal(matches({ kind: 'pathPrefix', prefix: '/api/' }, { path: '/api' }), false);
    assert.equal(matches({ kind: 'pathPrefix', prefix: '/api' }, { path: '/apiary' }), true, 'a plain string prefix');
    assert.equal(matches({ kind: 'method', methods: ['GET', 'head'] }, { method: 'HEAD' }), true);
    assert.equal(matches({ kind: 'method', methods: ['GET', 'HEAD'] }, { method: 'POST' }), false);
  });

  test('sourceCidr conditions over IPv4, IPv6 and IPv4-mapped clients', () => {
    const cidr: Condition = { kind: 'sourceCidr', cidrs: ['10.0.0.0/8', '2001:db8::/32'] };
    assert.equal(matches(cidr, { sourceIp: '10.1.2.3' }), true);
    assert.equal(matches(cidr, { sourceIp: '::ffff:10.1.2.3' }), true);
    assert.equal(matches(cidr, { sourceIp: '2001:db8::7' }), true);
    assert.equal(matches(cidr, { sourceIp: '192.168.0.1' }), false);
    assert.equal(matches(cidr, { sourceIp: '::1' }), false);
    assert.equal(matches(cidr, { sourceIp: 'garbage' }), false, 'an unreadable address matches nothing');
  });

  test('conditions of a rule are ANDed; anyOf ORs its groups; an empty anyOf never holds', () => {
    const both = [rule('r', [{ kind: 'method', methods: ['GET'] }, { kind: 'pathPrefix', prefix: '/api' }])];
    assert.ok(compileRules(both).match(request({ method: 'GET', path: '/api/x' })));
    assert.equal(compileRules(both).match(request({ method: 'GET', path: '/web' })), undefined);
    const anyOf: Condition = {
      kind: 'anyOf',
      groups: [
        [{ kind: 'header', name: 'x-region', match: { exact: 'eu' } }, { kind: 'header', name: 'x-channel', match: { exact: 'beta' } }],
        [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }],
      ],
    };
    assert.equal(matches(anyOf, { headers: { 'x-region': 'eu', 'x-channel': 'beta' } }), true);
    assert.equal(matches(anyOf, { headers: { 'x-region': 'eu' } }), false);
    assert.equal(matches(anyOf, { headers: { 'x-user-id': 'u1' } }), true);
    assert.equal(matches({ kind: 'anyOf', groups: [] }, {}), false);
    assert.equal(matches({ kind: 'anyOf', groups: [[]] }, {}), true, 'an empty group is true');
    assert.ok(compileRules([rule('all', [])]).match(request()), 'a rule without conditions matches everything');
  });

  test('the first matching rule wins, in list order; later rules are not evaluated', () => {
    const rules = [
      rule('testers', [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }], 'v3'),
      rule('eu', [{ kind: 'header', name: 'x-region', match: { exact: 'eu' } }], 'v2'),
      rule('beta', [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }], 'v4'),
    ];
    const compiled = compileRules(rules);
    assert.equal(compiled.size, 3);
    const asked: string[] = [];
    const hit = compiled.match(request({ headers: { 'x-user-id': 'u1', 'x-region': 'eu' } }, asked));
    assert.deepEqual([hit?.rule.name, hit?.index], ['testers', 0]);
    assert.deepEqual(asked, ['header:x-user-id'], 'stops at the first match');
    assert.equal(compiled.match(request({ headers: { 'x-region': 'eu' }, cookies: { beta: '1' } }))?.rule.name, 'eu');
    assert.equal(compiled.match(request({ cookies: { beta: '1' } }))?.index, 2);
    assert.equal(compiled.match(request()), undefined);
    assert.equal(compileRules([]).match(request()), undefined);
  });

  test('match returns the same object for every request of a rule', () => {
    const compiled = compileRules([rule('r', [{ kind: 'pathPrefix', prefix: '/' }])]);
    assert.equal(compiled.match(request()), compiled.match(request({ path: '/x' })));
  });
});

describe('compileRules validation', () => {
  test('regexProblem rejects long and invalid patterns, and compileRules with the field', () => {
    assert.equal(regexProblem('Mobile|Android'), undefined);
    assert.match(regexProblem('a'.repeat(257)) ?? '', /longer than 256/);
    assert.equal(regexProblem('a'.repeat(256)), undefined);
    assert.match(regexProblem('a)|(b') ?? '', /not a valid regular expression/);
    rejects([rule('r', [{ kind: 'header', name: 'ua', match: { regex: '(' } }])], /rules\[0\]\.conditions\[0\]\.match\.regex/);
    rejects([rule('r', [{ kind: 'header', name: 'ua', match: { regex: 'x'.repeat(300) } }])], /at most 256/);
  });

  test('compileRules rejects malformed rules naming the field', () => {
    rejects('nope', /^rules: rules is "nope"/);
    rejects([{ name: '', conditions: [], action: { kind: 'version', version: 'v2' } }], /rules\[0\]\.name/);
    rejects([{ name: 'r', conditions: [], action: { kind: 'split', canary: 'v2', weight: 0.001 } }], /rules\[0\]\.action\.weight/);
    rejects([{ name: 'r', conditions: [], action: { kind: 'teleport' } }], /rules\[0\]\.action\.kind/);
    rejects([rule('r', [{ kind: 'header', name: 'x', match: { exact: 'a', prefix: 'b' } } as never])], /exactly one of exact, prefix, regex or in/);
    rejects([rule('r', [{ kind: 'header', name: 'x', match: { in: [] } }])], /match\.in/);
    rejects([rule('r', [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8', '10.0.0.0/99'] }])], /conditions\[0\]\.cidrs\[1\] is "10\.0\.0\.0\/99"/);
    rejects([rule('r', [{ kind: 'method', methods: [] }])], /methods/);
    rejects([rule('r', [{ kind: 'segment', segment: 'x' } as never])], /conditions\[0\]\.kind is "segment"/);
    let deep: Condition = { kind: 'pathPrefix', prefix: '/' };
    for (let i = 0; i < 10; i++) deep = { kind: 'anyOf', groups: [[deep]] };
    rejects([rule('r', [deep])], /nested at most 8 deep/);
  });
});
