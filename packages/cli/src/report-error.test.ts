import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { captureIo } from './testing/capture-io.js';
import { exitCodeFor, ExitCode, reportError } from './report-error.js';

test('exitCodeFor gives 2 for bad input and 1 for failed operations', () => {
  for (const code of [ErrorCode.INVALID_SPEC, ErrorCode.INVALID_REQUEST, ErrorCode.UNKNOWN_REFERENCE, ErrorCode.PAYLOAD_TOO_LARGE]) {
    assert.equal(exitCodeFor(new SluiceError(code, 'x')), ExitCode.Usage, code);
  }
  for (const code of [ErrorCode.ROLLOUT_NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.UNREACHABLE, ErrorCode.INTERNAL]) {
    assert.equal(exitCodeFor(new SluiceError(code, 'x')), ExitCode.Failed, code);
  }
  assert.equal(exitCodeFor(new Error('boom')), ExitCode.Failed);
});

test('reportError prints an unexpected error on one line with the debug hint', () => {
  const io = captureIo();
  assert.equal(reportError(io, new TypeError('boom\nsecond line')), ExitCode.Failed);
  assert.equal(io.err(), 'error: boom (run with SLUICE_DEBUG=1 for details)\n');
});

test('reportError prints the stack of an unexpected error with SLUICE_DEBUG=1', () => {
  const io = captureIo({ env: { SLUICE_DEBUG: '1' } });
  reportError(io, new TypeError('boom'));
  assert.match(io.err(), /^TypeError: boom\n\s+at /);
});
