import { describe } from 'node:test';
import { registerAnalysisTemplateTests } from './analysis-templates.contract.js';
import { registerEventTests } from './events.contract.js';
import { registerExperimentTests } from './experiments.contract.js';
import { registerFlagTests } from './flags.contract.js';
import { registerMetricSampleTests } from './metric-samples.contract.js';
import { registerRolloutTests, registerServiceTests } from './records.contract.js';
import { registerRevisionTests } from './revisions.contract.js';
import { registerSegmentTests } from './segments.contract.js';
import { registerTargetTests } from './targets.contract.js';
import type { OpenTestStore } from './testing/store-fixtures.js';
import { registerTransactionTests } from './transactions.contract.js';
import { registerWebhookTests } from './webhooks.contract.js';
import { registerCoordinationTests } from './coordination.contract.js';
import { registerTokenTests } from './tokens.contract.js';

export type { OpenTestStore } from './testing/store-fixtures.js';

/**
 * The behaviour every Store implementation must have. `open` must return an empty store each
 * time; `cleanup` closes it (close() must tolerate being called before) and frees what it used.
 */
export function runStoreContract(name: string, open: OpenTestStore): void {
  describe(`Store contract: ${name}`, () => {
    registerServiceTests(open);
    registerRolloutTests(open);
    registerSegmentTests(open);
    registerAnalysisTemplateTests(open);
    registerTransactionTests(open);
    registerEventTests(open);
    registerRevisionTests(open);
    registerExperimentTests(open);
    registerTargetTests(open);
    registerFlagTests(open);
    registerMetricSampleTests(open);
    registerWebhookTests(open);
    registerCoordinationTests(open);
    registerTokenTests(open);
  });
}
