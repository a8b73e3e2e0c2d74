import {
  DEFAULT_LOAD_MAX_IN_FLIGHT,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  DEFAULT_VERIFICATION_INTERVAL_MS,
  DEFAULT_VERIFICATION_WITHIN_MS,
  ErrorCode,
  SluiceError,
} from '@sluice/domain';
import type { BackgroundAnalysis, ChecklistItem, LoadRequest, Operation, Step, Verification } from '@sluice/domain';
import { defined, ms, toAnalysisRef, toMetricCheck } from './analysis-to-domain.js';
import type { RawCanary, RawCanaryStep } from './schemas.js';
import { DEFAULT_EXPECT_STATUS } from './verification-schemas.js';

type RawStep = RawCanaryStep;
type RawItem = NonNullable<RawStep['checklist']>['items'][number];
type RawOperation = NonNullable<RawItem['operation']>;
type RawVerification = NonNullable<RawItem['verification']>;
type RawLoad = NonNullable<RawStep['load']>;

/** The analysis, approval, checklist and load steps; undefined for any other step. */
export function toVerificationStep(raw: RawStep): Step | undefined {
  if (raw.analysis !== undefined) {
    const { duration } = raw.analysis;
    return { kind: 'analysis', ...toAnalysisRef(raw.analysis), ...(duration === undefined ? {} : { durationMs: ms(duration) }) };
  }
  if (raw.approval !== undefined) {
    const { message, approvers, allowAuthor } = raw.approval;
    return { kind: 'approval', ...defined({ message, approvers: approvers && [...approvers], allowAuthor }) };
  }
  if (raw.checklist !== undefined) return { kind: 'checklist', items: raw.checklist.items.map(toChecklistItem) };
  if (raw.load !== undefined) return toLoadStep(raw.load);
  return undefined;
}

/** `canary.analysis` as the domain's background analysis: startingStep (1-based, default 1) becomes fromStep (0-based). */
export function toBackgroundAnalysis(raw: NonNullable<RawCanary['analysis']>): BackgroundAnalysis {
  return { ...toAnalysisRef(raw), fromStep: (raw.startingStep ?? 1) - 1 };
}

function toChecklistItem(raw: RawItem): ChecklistItem {
  return {
    name: raw.name,
    ...(raw.operation === undefined ? {} : { operation: toOperation(raw.operation) }),
    ...(raw.verification === undefined ? {} : { verification: toVerification(raw.verification) }),
    ...(raw.rollbackVerification === undefined ? {} : { rollbackVerification: toVerification(raw.rollbackVerification) }),
  };
}

function toOperation(raw: RawOperation): Operation {
  const timeoutMs = (text: string | undefined) => (text === undefined ? DEFAULT_OPERATION_TIMEOUT_MS : ms(text));
  if (raw.command !== undefined) return { kind: 'command', command: raw.command, timeoutMs: timeoutMs(raw.timeout) };
  if (raw.instruction !== undefined) return { kind: 'instruction', text: raw.instruction };
  const http = raw.http;
  if (http === undefined) throw new SluiceError(ErrorCode.INTERNAL, 'an operation passed the schema without a kind');
  return {
    kind: 'http',
    method: (http.method ?? 'GET').toUpperCase(),
    url: http.url,
    headers: { ...http.headers },
    ...(http.body === undefined ? {} : { body: http.body }),
    expectStatus: [...(http.expectStatus ?? DEFAULT_EXPECT_STATUS)],
    timeoutMs: timeoutMs(http.timeout),
  };
}

function toVerification(raw: RawVerification): Verification {
  return {
    ...toMetricCheck(raw),
    intervalMs: raw.interval === undefined ? DEFAULT_VERIFICATION_INTERVAL_MS : ms(raw.interval),
    withinMs: raw.within === undefined ? DEFAULT_VERIFICATION_WITHIN_MS : ms(raw.within),
  };
}

function toLoadStep(raw: RawLoad): Step {
  const requests: LoadRequest[] = (raw.requests ?? [{ path: '/' }]).map((request) => ({
    method: (request.method ?? 'GET').toUpperCase(),
    path: request.path,
    headers: { ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
    weight: request.weight ?? 1,
  }));
  return {
    kind: 'load',
    rps: raw.rps,
    durationMs: ms(raw.duration),
    requests,
    ...(raw.stopWhen === undefined ? {} : { stopWhen: raw.stopWhen }),
    timeoutMs: raw.timeout === undefined ? DEFAULT_LOAD_TIMEOUT_MS : ms(raw.timeout),
    maxInFlight: raw.maxInFlight ?? DEFAULT_LOAD_MAX_IN_FLIGHT,
  };
}
