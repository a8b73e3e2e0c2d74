import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetExceeded } from './exposure-budget.js';

const exposure = { requests: 999, failedRequests: 19, distinctKeys: 499, trafficMinutes: 4.99, throughMs: 0 };

test('a budget is spent when any cap is reached, and says which', () => {
  assert.equal(budgetExceeded({ maxRequests: 1000, maxFailedRequests: 20, maxTrafficMinutes: 5, maxDistinctKeys: 500 }, exposure), undefined);
  assert.equal(budgetExceeded({ maxRequests: 1000 }, { ...exposure, requests: 1000 }), '1000 requests served (budget 1000)');
  assert.equal(budgetExceeded({ maxFailedRequests: 20 }, { ...exposure, failedRequests: 20 }), '20 failed requests served (budget 20)');
  assert.equal(budgetExceeded({ maxTrafficMinutes: 5 }, { ...exposure, trafficMinutes: 5.2 }), '5.200 traffic-minutes (budget 5)');
  assert.equal(budgetExceeded({ maxDistinctKeys: 500 }, { ...exposure, distinctKeys: 500 }), 'about 500 distinct users served (budget 500)');
  assert.equal(budgetExceeded({}, { ...exposure, requests: 1e9 }), undefined, 'no cap, never spent');
});
