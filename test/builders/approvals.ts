/** Test-data mothers for approval requests and the evaluation report their page shows. */
import type { ApprovalRequest } from '../../src/core/approval';
import type { EvaluationReport } from '../../src/core/evaluation';
import type { RequestApprovalInput } from '../../src/use-cases/request-approval';

export const T0 = new Date('2025-05-01T12:00:00.000Z');
export const A_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAS3cr3tT0k3n+never/show/me==';
export const AN_EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:approval:run-1';
export const A_PACKAGE = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/btc-fee/7';

export function aRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    idHash: 'a'.repeat(64),
    taskToken: A_TOKEN,
    executionArn: AN_EXECUTION,
    stage: 'staging',
    modelPackageArn: A_PACKAGE,
    reportUri: 's3://artifacts/training/job-1/evaluation.json',
    evidence: { meanWQuantileLoss: 0.0812, threshold: 0.12, seasonalNaiveLoss: 0.143, stageLoss: null, rmse: 3.41 },
    createdAt: T0.toISOString(),
    expiresAt: new Date(T0.getTime() + 7 * 24 * 3600_000).toISOString(),
    status: 'pending',
    ...overrides,
  };
}

/** What a waiting task sends RequestApproval: the stored request's own fields, and its wait's timeout. */
export function anApprovalInput(overrides: Partial<RequestApprovalInput> = {}): RequestApprovalInput {
  const { taskToken, executionArn, stage, modelPackageArn, reportUri, evidence } = aRequest();
  return { taskToken, executionArn, stage, modelPackageArn, reportUri, evidence, timeoutSeconds: 3600, ...overrides };
}

const N = 30;
const series = (f: (i: number) => number) => Array.from({ length: N }, (_, i) => f(i));

/** A report of 30 held-out points, two of them unobserved (null). */
export function aReport(overrides: Partial<EvaluationReport> = {}): EvaluationReport {
  const actual: Array<number | null> = series((i) => 20 + Math.sin(i / 4) * 3);
  actual[5] = null;
  actual[17] = null;
  const quantiles = Object.fromEntries(
    [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((tau) => [String(tau), series((i) => 20 + Math.sin(i / 4) * 3 + (tau - 0.5) * 8)]),
  );
  const forecast = { mean: quantiles['0.5'], quantiles };
  const naive = { mean: series(() => 21), quantiles: Object.fromEntries(Object.keys(quantiles).map((k) => [k, series(() => 21)])) };
  return {
    jobName: 'job-1',
    holdout: { start: '2025-05-01 11:30:00', actual },
    candidate: { meanWQuantileLoss: 0.0812, wQuantileLoss: {}, rmse: 3.41, forecast },
    seasonalNaive: { meanWQuantileLoss: 0.143, wQuantileLoss: {}, rmse: 4.2, forecast: naive },
    production: null,
    staging: null,
    threshold: 0.12,
    windows: [],
    unscoredWindows: [],
    passesThreshold: true,
    comparison: null,
    beatsProduction: true,
    verdict: { register: true, reason: 'mean wQuantileLoss 0.0812 over 48 windows is under the threshold 0.12; no production model to compare with' },
    ...overrides,
  };
}
