import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { nginxCidr } from './nginx-conditions.js';
import { renderServiceConfig } from './nginx-render.js';
import { greaterThanRegex, quoted, regexLiteral } from './nginx-text.js';

const ROUTE: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: { v1: ['http://127.0.0.1:5001'], v2: ['http://127.0.0.1:5002'] } };
const SPLIT: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 12.34, salt: 'r$1"' };

function render(route: RouteSpec = ROUTE, split: TrafficSplit = SPLIT): string {
  return renderServiceConfig({ route, listen: '127.0.0.1:8080', split, generation: 7, accessLog: '/tmp/a.log' });
}

function refusedWith(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof SluiceError && error.code === 'UNSUPPORTED_CAPABILITY' && pattern.test(error.message);
}

describe('nginx include rendering', () => {
  test('greaterThanRegex matches exactly the integers above the limit', () => {
    for (const limit of [0, 9, 10, 65_536, 99, 1000, 1_048_576]) {
      const regex = new RegExp(greaterThanRegex(limit));
      for (const n of [0, 1, 8, 9, 10, 11, 99, 100, 999, 1000, 1001, 65_535, 65_536, 65_537, 99_999, 1_048_576, 1_048_577, 10_000_000]) {
        assert.equal(regex.test(String(n)), n > limit, `${n} > ${limit}`);
      }
    }
  });

  test('regexLiteral and quoted survive nginx quoting', () => {
    const text = 'a.b*c/(d)$\\"';
    assert.ok(new RegExp(`^${regexLiteral(text)}$`).test(text));
    assert.equal(quoted('a"b\\c'), '"a\\"b\\\\c"');
  });

  test('IPv4-mapped ranges become IPv4 ranges; IPv6 ranges are written out', () => {
    assert.equal(nginxCidr('s', '::ffff:192.168.0.0/120'), '192.168.0.0/24');
    assert.equal(nginxCidr('s', '10.1.2.3/8'), '10.0.0.0/8');
    assert.equal(nginxCidr('s', '2001:db8::/32'), '2001:db8:0:0:0:0:0:0/32');
  });

  test('a weighted split is a split_clients over the salt and the key, canary first; the salt cannot inject variables', () => {
    const text = render();
    assert.match(text, /split_clients "r%241%22:\$sluice_shop_[0-9a-f]+_key" \$sluice_shop_[0-9a-f]+_split \{\n {4}12\.34% v2;\n {4}\* v1;\n\}/);
    assert.match(text, /add_header X-Sluice-Generation 7 always;/);
    assert.match(text, /return 200 "7\\n";/);
    assert.doesNotMatch(render(ROUTE, { ...SPLIT, weight: 0 }), /split_clients/);
  });

  test('what nginx cannot express is refused with UNSUPPORTED_CAPABILITY naming it', () => {
    const flag = { ...SPLIT, rules: [{ name: 'f', conditions: [{ kind: 'flag', flag: 'x', environment: 'e', state: { features: [] } }], action: { kind: 'version', version: 'v2' } }] } as TrafficSplit;
    assert.throws(() => render(ROUTE, flag), refusedWith(/cannot evaluate feature flags/));
    const underscore = { ...SPLIT, rules: [{ name: 'h', conditions: [{ kind: 'header', name: 'x_user', match: { exact: '1' } }], action: { kind: 'version', version: 'v2' } }] } as TrafficSplit;
    assert.throws(() => render(ROUTE, underscore), refusedWith(/header name "x_user"/));
    assert.throws(() => render({ ...ROUTE, backends: { v1: ['https://127.0.0.1:5001'] } }), refusedWith(/plain http/));
    assert.throws(() => render(ROUTE, { ...SPLIT, canary: 'v$2' }), refusedWith(/version "v\$2"/));
    assert.throws(() => render({ ...ROUTE, service: '../etc' }), refusedWith(/service name/));
  });

  test('a version without endpoints answers 503 instead of proxying', () => {
    const text = render({ ...ROUTE, backends: { v1: ['http://127.0.0.1:5001'], v2: [] } });
    assert.match(text, /"v:v2" "";/);
    assert.match(text, /"v:v1" sluice_shop_[0-9a-f]+_v1_[0-9a-f]+;/);
    assert.match(text, /return 503;/);
  });
});

describe('pcreProblem', () => {
  test('flags JavaScript-only regex syntax, not escaped look-alikes', async () => {
    const { pcreProblem } = await import('./nginx-conditions.js');
    assert.match(pcreProblem('\\u0041') ?? '', /\\u escape/);
    assert.match(pcreProblem('a[^]b') ?? '', /empty class/);
    assert.equal(pcreProblem('\\\\u'), undefined, 'an escaped backslash before u');
    assert.equal(pcreProblem('.*Mobile.*'), undefined);
  });
});

describe('nginxRefusal', () => {
  test('returns the refusal without throwing, and nothing for a split nginx serves', async () => {
    const { nginxRefusal } = await import('./nginx-render.js');
    assert.equal(nginxRefusal(ROUTE, SPLIT), undefined);
    const flag = { ...SPLIT, rules: [{ name: 'f', conditions: [{ kind: 'flag', flag: 'x', environment: 'e', state: { features: [] } }], action: { kind: 'version', version: 'v2' } }] } as TrafficSplit;
    assert.equal(nginxRefusal(ROUTE, flag)?.code, 'UNSUPPORTED_CAPABILITY');
  });
});
