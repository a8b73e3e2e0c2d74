import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { SHARED_LISTEN_YAML } from './testing/proxy-example.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Service document; `extra` starts at line 11. */
function service(extra: string, name = 'shop', listen = '127.0.0.1:8080'): string {
  const head = `apiVersion: sluice.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  listen: ${listen}\n`;
  return `${head}  versions:\n    v1:\n      upstreams: ["http://127.0.0.1:9101"]\n  stable: v1\n${extra}`;
}

const specOf = (text: string): ServiceSpec => {
  const [first] = parseResources(text, { file: 'shop.yaml' });
  assert.equal(first?.kind, 'Service');
  return first.spec as ServiceSpec;
};

describe('Service hosts and proxy settings', () => {
  test('parseResources maps hosts and every proxy setting onto the domain, lower-casing hosts', () => {
    const [shop, www] = parseResources(SHARED_LISTEN_YAML, { file: 'shop.yaml' });
    assert.deepEqual(shop?.spec, {
      listen: '127.0.0.1:8080',
      hosts: ['shop.example.com', '*.shop.example.com'],
      stickiness: { cookie: 'sluice-shop' },
      versions: { v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9101'] } },
      stable: 'v1',
      proxy: {
        limits: { maxHeaderBytes: 16_384, maxBodyBytes: 10_485_760, connectTimeoutMs: 5000, headersTimeoutMs: 30_000, idleTimeoutMs: 60_000, requestTimeoutMs: 300_000 },
        outlier: { consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectedPercent: 50 },
        healthCheck: { path: '/healthz', intervalMs: 5000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 3 },
      },
    });
    assert.equal(www?.spec && 'hosts' in www.spec, false);
    assert.equal(www?.spec && 'proxy' in www.spec, false);
  });

  test('parseResources sets only the proxy fields written, and reads sizes as bytes or with units', () => {
    const spec = specOf(service('  proxy:\n    limits: { maxBodySize: 1500, maxHeaderSize: 2KB, requestTimeout: 0 }\n    healthCheck: {}\n'));
    assert.deepEqual(spec.proxy, { limits: { maxBodyBytes: 1500, maxHeaderBytes: 2000, requestTimeoutMs: 0 }, healthCheck: {} });
    const text = specOf(service('  proxy: { limits: { maxBodySize: "1.5KiB", requestTimeout: 0s }, outlierDetection: { consecutiveFailures: 0 } }\n'));
    assert.deepEqual(text.proxy, { limits: { maxBodyBytes: 1536, requestTimeoutMs: 0 }, outlier: { consecutiveFailures: 0 } });
    const equal = specOf(service('  proxy: { outlierDetection: { baseEjectionTime: 5m, maxEjectionTime: 5m } }\n'));
    assert.deepEqual(equal.proxy, { outlier: { baseEjectionMs: 300_000, maxEjectionMs: 300_000 } });
  });

  test('parseResources reports bad host names and duplicates at each entry', () => {
    const problems = problemsOf(service('  hosts: [Shop.example.com, shop.EXAMPLE.com, "shop.example.com:8080", "*"]\n'));
    assert.equal(problems.length, 3);
    assertProblem(problems[0]!, {
      line: 11,
      col: 29,
      path: 'spec.hosts[1]',
      message: /^duplicate host "shop\.EXAMPLE\.com": already listed as hosts\[0\]$/,
      found: '"shop.EXAMPLE.com"',
      expected: 'each host name once per service',
    });
    assertProblem(problems[1]!, { line: 11, col: 47, path: 'spec.hosts[2]', message: /^invalid host name$/, found: '"shop.example.com:8080"', expected: /without port/ });
    assertProblem(problems[2]!, { line: 11, col: 72, path: 'spec.hosts[3]', message: /^invalid host name$/, found: '"*"' });
  });

  test('parseResources bounds the number of hosts', () => {
    const none = onlyProblem(problemsOf(service('  hosts: []\n')));
    assertProblem(none, { line: 11, col: 10, path: 'spec.hosts', message: /wrong number of hosts/, found: 'a list of 0 items', expected: /1 to 100 host names.*leave hosts out/ });
    const many = Array.from({ length: 101 }, (_, i) => `h${i}.example.com`).join(', ');
    assertProblem(onlyProblem(problemsOf(service(`  hosts: [${many}]\n`))), { line: 11, col: 10, path: 'spec.hosts', message: /wrong number of hosts/, found: 'a list of 101 items' });
  });

  test('parseResources reports each bad proxy setting at its value, with its range', () => {
    const proxy = [
      '  proxy:',
      '    limits:',
      '      maxHeaderSize: 512', // line 13
      '      maxBodySize: 16 KiB',
      '      requestTimeout: -1s',
      '      idleTimeout: 25h',
      '    outlierDetection:',
      '      maxEjectedPercent: 101', // line 18
      '    healthCheck:',
      '      path: healthz', // line 20
      '      interval: 2s',
      '      timeout: 2s',
      '      unhealthyThreshold: 0', // line 23
      '',
    ].join('\n');
    const problems = problemsOf(service(proxy));
    const p = (path: string) => `spec.proxy.${path}`;
    assert.deepEqual(
      problems.map((x) => [x.line, x.col, x.path]),
      [
        [13, 22, p('limits.maxHeaderSize')],
        [14, 20, p('limits.maxBodySize')],
        [15, 23, p('limits.requestTimeout')],
        [16, 20, p('limits.idleTimeout')],
        [18, 26, p('outlierDetection.maxEjectedPercent')],
        [20, 13, p('healthCheck.path')],
        [22, 16, p('healthCheck.timeout')],
        [23, 27, p('healthCheck.unhealthyThreshold')],
      ],
    );
    const [header, body, request, idle, percent, path, timeout, threshold] = problems;
    assertProblem(header!, { line: 13, col: 22, path: p('limits.maxHeaderSize'), message: /^maxHeaderSize out of range$/, found: '512', expected: /from 1KiB to 1MiB/ });
    assertProblem(body!, { line: 14, col: 20, path: p('limits.maxBodySize'), message: /^invalid size$/, found: '"16 KiB"', expected: /like 16KiB, 10MiB.*from 1 byte to 10GiB/ });
    assertProblem(request!, { line: 15, col: 23, path: p('limits.requestTimeout'), message: /^invalid duration$/, found: '"-1s"', expected: /or 0 to turn the limit off/ });
    assertProblem(idle!, { line: 16, col: 20, path: p('limits.idleTimeout'), message: /^invalid duration$/, found: '"25h"', expected: /more than 0, at most 24h/ });
    assertProblem(percent!, { line: 18, col: 26, path: p('outlierDetection.maxEjectedPercent'), message: /^maxEjectedPercent out of range$/, found: '101', expected: /from 0 to 100/ });
    assertProblem(path!, { line: 20, col: 13, path: p('healthCheck.path'), message: /^invalid health check path$/, found: '"healthz"', expected: 'a URL path starting with "/"' });
    assertProblem(timeout!, { line: 22, col: 16, path: p('healthCheck.timeout'), message: /^timeout \(2s\) must be shorter than interval \(2s\)$/, found: '"2s"' });
    assertProblem(threshold!, { line: 23, col: 27, path: p('healthCheck.unhealthyThreshold'), message: /^unhealthyThreshold out of range$/, found: '0', expected: /from 1 to 100/ });
  });

  test('parseResources checks timings against the defaults of the setting left out', () => {
    const timeout = onlyProblem(problemsOf(service('  proxy: { healthCheck: { timeout: 10s } }\n')));
    assertProblem(timeout, { line: 11, col: 36, path: 'spec.proxy.healthCheck.timeout', message: /^timeout \(10s\) must be shorter than interval \(5s, the default\)$/ });
    const ejection = onlyProblem(problemsOf(service('  proxy: { outlierDetection: { maxEjectionTime: 10s } }\n')));
    assertProblem(ejection, {
      line: 11,
      col: 49,
      path: 'spec.proxy.outlierDetection.maxEjectionTime',
      message: /^baseEjectionTime \(30s, the default\) must be at most maxEjectionTime \(10s\)$/,
      found: '"10s"',
    });
  });

  test('parseResources reports sizes and counts beyond their bounds, and unknown proxy fields', () => {
    const problems = problemsOf(service('  proxy:\n    limits: { maxBodySize: 11GiB, maxHeaderSize: 0 }\n    outlierDetection: { consecutiveFailures: 1.5, bogus: 1 }\n'));
    assert.equal(problems.length, 4);
    assertProblem(problems[0]!, { line: 12, col: 28, path: 'spec.proxy.limits.maxBodySize', message: /^maxBodySize out of range$/, found: '"11GiB"' });
    assertProblem(problems[1]!, { line: 12, col: 50, path: 'spec.proxy.limits.maxHeaderSize', message: /^maxHeaderSize out of range$/, found: '0' });
    assertProblem(problems[2]!, { line: 13, col: 46, path: 'spec.proxy.outlierDetection.consecutiveFailures', message: /^wrong type for "consecutiveFailures"$/, found: '1.5', expected: /integer from 0 to 1000/ });
    assertProblem(problems[3]!, {
      line: 13,
      col: 51,
      path: 'spec.proxy.outlierDetection.bogus',
      message: /^unknown field "bogus"$/,
      expected: 'one of: consecutiveFailures, baseEjectionTime, maxEjectionTime, maxEjectedPercent',
    });
  });
});

describe('Services sharing a listen address in one file', () => {
  const two = (a: string, b: string, listen = '127.0.0.1:8080') => `${service(a, 'shop', listen)}---\n${service(b, 'web', listen)}`;

  test('parseResources accepts services kept apart by hosts, and one without hosts beside them', () => {
    assert.equal(parseResources(SHARED_LISTEN_YAML, { file: 'a.yaml' }).length, 2);
    assert.equal(parseResources(two('  hosts: ["*.example.com"]\n', '  hosts: [shop.example.com, "*.shop.example.com"]\n'), { file: 'a.yaml' }).length, 2);
    assert.equal(parseResources(two('', '  hosts: [a.example.com]\n'), { file: 'a.yaml' }).length, 2);
    assert.equal(parseResources(two('', '', '127.0.0.1:0'), { file: 'a.yaml' }).length, 2);
  });

  test('parseResources reports a host claimed twice at the second claim, naming both services', () => {
    // The second document starts at line 13: its hosts are on line 23.
    const problem = onlyProblem(problemsOf(two('  hosts: [a.example.com, B.example.com]\n', '  hosts: [c.example.com, b.example.com]\n')));
    assertProblem(problem, {
      line: 23,
      col: 26,
      path: 'spec.hosts[1]',
      message: /^host "b\.example\.com" on 127\.0\.0\.1:8080 is already claimed by Service "shop" at line 11; Service "web" cannot claim it too$/,
      found: '"b.example.com"',
      expected: 'a host name no other Service on 127.0.0.1:8080 claims',
    });
  });

  test('parseResources treats the same wildcard twice as a conflict', () => {
    const problem = onlyProblem(problemsOf(two('  hosts: ["*.example.com"]\n', '  hosts: ["*.example.com"]\n')));
    assertProblem(problem, { line: 23, col: 11, path: 'spec.hosts[0]', message: /host "\*\.example\.com" .* Service "shop" at line 11; Service "web"/ });
  });

  test('parseResources reports a second service without hosts at its listen address', () => {
    const text = `${two('  hosts: [a.example.com]\n', '')}---\n${service('', 'api')}`;
    const problem = onlyProblem(problemsOf(text));
    assertProblem(problem, {
      line: 29,
      col: 11,
      path: 'spec.listen',
      message: /^listen address is already used by Service "web" at line 18, and neither "api" nor "web" names hosts$/,
      found: '"127.0.0.1:8080"',
      expected: /at most one of them without hosts/,
    });
  });
});
