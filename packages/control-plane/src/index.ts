export { startControlPlane, defaultStepExecutors, type ControlPlaneOptions, type RunningControlPlane } from './control-plane.js';
export type { Store, ServiceStore, RolloutStore, EventLog, StoreTransaction } from './store/store.js';
export type { MetricSample, MetricSampleQuery, MetricSampleStore } from './store/store.js';
export { openStore, type OpenStoreOptions } from './store/open-store.js';
export type { TrafficRouter, RouterCapability } from './traffic/traffic-router.js';
export type { Runtime, WorkloadSpec, WorkloadStatus, WorkloadKey } from './runtime/runtime.js';
export type { StepExecutor, StepContext, StepProgress } from './orchestrator/step-executor.js';
export { parseFlagTokens, type FlagTokenEntry } from './flags/flag-tokens.js';
export { loadSqlParser, parseMigrationSql } from './migrations/parse-sql.js';
