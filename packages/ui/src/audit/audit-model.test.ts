import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditFilterFromQuery, auditFilterToQuery, matchesAudit, NO_AUDIT_FILTER } from './audit-model';

test('the source filter: kept in the URL, matched against the recorded client address', () => {
  const filter = auditFilterFromQuery(new URLSearchParams('source=2001:DB8::1&actor=alice'));
  assert.deepEqual(filter, { ...NO_AUDIT_FILTER, actor: 'alice', source: '2001:DB8::1' });
  assert.deepEqual(auditFilterToQuery(filter), { service: undefined, actor: 'alice', source: '2001:DB8::1', type: undefined, subject: undefined });
  const e = (source?: string) => ({ seq: 1, type: 'ResourceChanged', at: 0, actor: 'alice', ...(source === undefined ? {} : { source }) });
  assert.equal(matchesAudit(e('2001:db8::1'), filter), true);
  assert.equal(matchesAudit(e('203.0.113.7'), filter), false);
  assert.equal(matchesAudit(e(), filter), false, 'the controller\'s events have no source');
  assert.equal(matchesAudit(e(), NO_AUDIT_FILTER), true);
});
