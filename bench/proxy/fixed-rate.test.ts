import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixedRateReport, heyArgs, parseHeyOutput } from './fixed-rate.js';

// Captured from hey 0.1.4 (Debian) against nginx; the second adds a 502 and a connection error.
const OK = `
Summary:
  Total:	5.0070 secs
  Slowest:	0.0213 secs
  Fastest:	0.0002 secs
  Average:	0.0016 secs
  Requests/sec:	1997.1166

Latency distribution:
  10% in 0.0006 secs
  50% in 0.0015 secs
  90% in 0.0025 secs
  99% in 0.0043 secs

Status code distribution:
  [200]	10000 responses
`;
const BAD = `${OK.replace('[200]\t10000 responses', '[200]\t9990 responses\n  [502]\t7 responses')}
Error distribution:
  [3]	Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused
`;

describe('hey output', () => {
  test('rps, p50 and p99 in milliseconds', () => {
    const result = parseHeyOutput(OK);
    assert.equal(result.rps, 1997.1166);
    assert.equal(result.p50Ms, 1.5);
    assert.equal(result.p99Ms, 4.3);
    assert.equal(result.errors, 0);
  });

  test('non-200 responses and listed errors count as errors', () => {
    assert.equal(parseHeyOutput(BAD).errors, 10);
  });

  test('output without the latency lines is refused, quoting it', () => {
    assert.throws(() => parseHeyOutput('Error: something'), /hey output lacks .*Error: something/s);
  });

  test('arguments: connections, per-connection rate, duration', () => {
    assert.deepEqual(heyArgs({ url: 'http://x/', connections: 50, perConnectionRps: 40, durationSec: 5, pin: [] }), ['hey', '-c', '50', '-q', '40', '-z', '5s', '-t', '5', 'http://x/']);
  });

  test('the report subtracts direct from Sluice and from nginx', () => {
    const summaries = new Map([
      ['direct', { rps: 2000, p50Ms: 1, p99Ms: 4, errors: 0 }],
      ['sluice', { rps: 2000, p50Ms: 1.2, p99Ms: 4.5, errors: 0 }],
      ['nginx', { rps: 2000, p50Ms: 1.1, p99Ms: 4.2, errors: 0 }],
    ]);
    const { json, text } = fixedRateReport(summaries, 3);
    assert.equal(json['addedP99MsFixedRate'], 0.5);
    assert.ok(Math.abs((json['nginxAddedP99MsFixedRate'] ?? 0) - 0.2) < 1e-9);
    assert.equal(json['sluiceFixedP99Ms'], 4.5);
    assert.match(text, /Sluice 0\.50 ms, nginx 0\.20 ms/);
  });
});
