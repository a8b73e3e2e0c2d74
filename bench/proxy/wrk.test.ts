import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrkDuration, parseWrkOutput, wrkArgs } from './wrk.js';

// Captured from wrk 4.1.0 (Debian) against nginx and against a slow proxy.
const FAST = `Running 1s test @ http://127.0.0.1:38111/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   357.04us  805.46us   5.70ms   88.47%
    Req/Sec    32.53k     4.33k   38.79k    60.00%
  Latency Distribution
     50%   43.00us
     75%   62.00us
     90%    1.37ms
     99%    3.85ms
  32233 requests in 1.00s, 5.07MB read
Requests/sec:  32220.53
Transfer/sec:      5.07MB
`;

const WITH_ERRORS = `Running 5s test @ http://127.0.0.1:40000/
  1 threads and 200 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    62.92ms  120.02ms   1.99s    95.04%
    Req/Sec     2.91k   657.84     3.67k    80.00%
  Latency Distribution
     50%   62.92ms
     75%   80.21ms
     90%  136.31ms
     99%    1.57s
  14565 requests in 5.01s, 4.30MB read
  Socket errors: connect 0, read 3, write 1, timeout 12
  Non-2xx or 3xx responses: 7
Requests/sec:   2907.12
Transfer/sec:    878.00KB
`;

describe('parseWrkDuration', () => {
  test('converts each unit wrk prints to milliseconds', () => {
    assert.equal(parseWrkDuration('43.00us'), 0.043);
    assert.equal(parseWrkDuration('3.85ms'), 3.85);
    assert.equal(parseWrkDuration('1.57s'), 1570);
    assert.equal(parseWrkDuration('2.00m'), 120_000);
    assert.equal(parseWrkDuration(' 7ms '), 7);
  });

  test('rejects what it does not understand, naming the text', () => {
    assert.throws(() => parseWrkDuration('12.0xs'), /"12.0xs" is not understood/);
    assert.throws(() => parseWrkDuration(''), /not understood/);
  });
});

describe('parseWrkOutput', () => {
  test('reads requests, rps and the 50th/99th percentiles of a clean run', () => {
    assert.deepEqual(parseWrkOutput(FAST), { requests: 32233, rps: 32220.53, p50Ms: 0.043, p99Ms: 3.85, non2xx: 0, socketErrors: 0 });
  });

  test('adds up socket errors and reads non-2xx responses', () => {
    const result = parseWrkOutput(WITH_ERRORS);
    assert.equal(result.socketErrors, 16);
    assert.equal(result.non2xx, 7);
    assert.equal(result.p99Ms, 1570);
    assert.equal(result.p50Ms, 62.92);
    assert.equal(result.requests, 14565);
  });

  test('fails naming the missing lines when run without --latency', () => {
    const noLatency = FAST.replace(/ {2}Latency Distribution[\s\S]*?99%[^\n]*\n/, '');
    assert.throws(() => parseWrkOutput(noLatency), /lacks 50%, 99%/);
    assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused'), /lacks requests, Requests\/sec, 50%, 99%/);
  });
});

test('wrkArgs asks for latency percentiles, the thread and connection counts and the duration', () => {
  const args = wrkArgs({ url: 'http://127.0.0.1:1/', connections: 50, durationSec: 5, threads: 1, pin: [] });
  assert.deepEqual(args, ['wrk', '-t1', '-c50', '-d5s', '--latency', '--timeout', '5s', 'http://127.0.0.1:1/']);
});
