/**
 * Evaluation on many windows: the candidate's forecasts of the held-out windows (rolling origins over the
 * most recent hours) scored beside seasonal naive (one-day season) and the models now serving, on the very
 * same windows. Each window gets its mean wQuantileLoss; a model's loss is the mean over the windows. The
 * gate (docs/gate.md) registers a candidate under the threshold that beats production by more than noise
 * (src/core/paired-comparison.ts). The report is what the approval page shows.
 */
import type { EvaluationWindow } from './deepar-channels';
import { ValidationError } from './errors';
import { DEFAULT_QUANTILES, meanWeightedQuantileLoss, rmse } from './metrics';
import { comparePaired, type PairedComparison } from './paired-comparison';

/** A forecast as DeepAR's batch transform and endpoint return it: mean and quantiles keyed "0.1"… */
export interface DeepArForecast {
  mean: number[];
  quantiles: Record<string, number[]>;
}

export interface ScoredForecast {
  meanWQuantileLoss: number;
  wQuantileLoss: Record<string, number>;
  rmse: number;
}

export function scoreForecast(actual: readonly number[], forecast: DeepArForecast, what = 'forecast'): ScoredForecast {
  const quantiles = new Map<number, number[]>();
  for (const tau of DEFAULT_QUANTILES) {
    const q = forecast.quantiles?.[String(tau)];
    if (!Array.isArray(q) || q.length !== actual.length) {
      throw new ValidationError(`the ${what} has no quantile "${tau}" of ${actual.length} points`, { field: `quantiles.${tau}` });
    }
    quantiles.set(tau, q);
  }
  if (!Array.isArray(forecast.mean) || forecast.mean.length !== actual.length) {
    throw new ValidationError(`the ${what} has no mean of ${actual.length} points`, { field: 'mean' });
  }
  if (!actual.some(Number.isFinite)) throw new ValidationError('the held-out points have no observed value to score against');
  const { mean, byQuantile } = meanWeightedQuantileLoss([{ actual, quantiles }]);
  return { meanWQuantileLoss: mean, wQuantileLoss: byQuantile, rmse: rmse([{ actual, point: forecast.mean }]) };
}

export type StageScore = ScoredForecast & { endpoint: string; forecast: DeepArForecast };

/** One window's mean wQuantileLoss for each model (null: no such model). */
export interface WindowScore {
  start: string;
  candidate: number;
  seasonalNaive: number;
  production: number | null;
  staging: number | null;
}

export interface EvaluationReport {
  jobName: string;
  /** The most recent window, which the approval page plots. */
  holdout: { start: string; actual: Array<number | null> };
  /** Scores over all the windows (mean over windows); `forecast` is the most recent window's. */
  candidate: ScoredForecast & { forecast: DeepArForecast };
  seasonalNaive: ScoredForecast & { forecast: DeepArForecast };
  production: StageScore | null;
  /** The model now in staging, scored the same way: the evidence for the staging approval. */
  staging: StageScore | null;
  /** Per window, oldest first; windows with no observed minute are left out (`unscoredWindows`). */
  windows: WindowScore[];
  unscoredWindows: string[];
  threshold: number;
  passesThreshold: boolean;
  /** The paired comparison with production over the windows, null without a production model. */
  comparison: PairedComparison | null;
  /** True when there is no production model or the candidate beats it beyond noise. */
  beatsProduction: boolean;
  /** The gate's verdict and why, as the training machine records it. */
  verdict: { register: boolean; reason: string };
}

export interface ModelForecasts {
  endpoint: string;
  forecasts: DeepArForecast[];
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fixed = (x: number) => Number(x.toPrecision(4)).toString();

/** Scores one model over the windows: per-window losses, and their means (RMSE pooled over all points). */
function scoreWindows(windows: readonly EvaluationWindow[], forecasts: readonly DeepArForecast[], what: string) {
  if (forecasts.length !== windows.length) {
    throw new ValidationError(`the ${what} has ${forecasts.length} forecasts for ${windows.length} evaluation windows`, { field: what });
  }
  const scores = windows.map((w, k) => scoreForecast(w.values, forecasts[k], `${what} of window ${k + 1} (${w.start})`));
  const aggregate: ScoredForecast = {
    meanWQuantileLoss: mean(scores.map((s) => s.meanWQuantileLoss)),
    wQuantileLoss: Object.fromEntries(Object.keys(scores[0].wQuantileLoss).map((tau) => [tau, mean(scores.map((s) => s.wQuantileLoss[tau]))])),
    rmse: rmse(windows.map((w, k) => ({ actual: w.values, point: forecasts[k].mean }))),
  };
  return { perWindow: scores.map((s) => s.meanWQuantileLoss), aggregate, last: forecasts[forecasts.length - 1] };
}

export function buildReport(input: {
  jobName: string;
  windows: readonly EvaluationWindow[];
  candidate: readonly DeepArForecast[];
  seasonalNaive: readonly DeepArForecast[];
  production?: ModelForecasts;
  staging?: ModelForecasts;
  threshold: number;
  minImprovement: number;
}): EvaluationReport {
  if (input.windows.length === 0) throw new ValidationError('there is no evaluation window to score');
  // A window with no observed minute cannot be scored by any model: every model leaves it out alike.
  const scored = input.windows.map((w, k) => ({ w, k })).filter(({ w }) => w.values.some(Number.isFinite));
  if (scored.length === 0) throw new ValidationError('none of the evaluation windows has an observed minute to score against');
  const windows = scored.map(({ w }) => w);
  const pick = <T>(xs: readonly T[], what: string) => {
    if (xs.length !== input.windows.length) {
      throw new ValidationError(`the ${what} has ${xs.length} forecasts for ${input.windows.length} evaluation windows`, { field: what });
    }
    return scored.map(({ k }) => xs[k]);
  };
  const candidate = scoreWindows(windows, pick(input.candidate, 'batch transform output'), 'batch transform output');
  const naive = scoreWindows(windows, pick(input.seasonalNaive, 'seasonal naive forecast'), 'seasonal naive forecast');
  const stage = (s: ModelForecasts | undefined, what: string) => (s ? { endpoint: s.endpoint, ...scoreWindows(windows, pick(s.forecasts, what), what) } : null);
  const production = stage(input.production, 'production forecast');
  const staging = stage(input.staging, 'staging forecast');
  const loss = candidate.aggregate.meanWQuantileLoss;
  const passesThreshold = loss <= input.threshold;
  const comparison = production ? comparePaired(candidate.perWindow, production.perWindow, { minImprovement: input.minImprovement }) : null;
  const beatsProduction = comparison === null || comparison.beatsBaseline;
  const reason = !passesThreshold
    ? `mean wQuantileLoss ${fixed(loss)} over ${windows.length} windows is over the threshold ${input.threshold}`
    : comparison === null
      ? `mean wQuantileLoss ${fixed(loss)} over ${windows.length} windows is under the threshold ${input.threshold}; no production model to compare with`
      : comparison.reason;
  const asStage = (s: NonNullable<typeof production>): StageScore => ({ endpoint: s.endpoint, ...s.aggregate, forecast: s.last });
  const last = windows[windows.length - 1];
  return {
    jobName: input.jobName,
    holdout: { start: last.start, actual: last.values.map((v) => (Number.isFinite(v) ? v : null)) },
    candidate: { ...candidate.aggregate, forecast: candidate.last },
    seasonalNaive: { ...naive.aggregate, forecast: naive.last },
    production: production && asStage(production),
    staging: staging && asStage(staging),
    windows: windows.map((w, i) => ({
      start: w.start,
      candidate: candidate.perWindow[i],
      seasonalNaive: naive.perWindow[i],
      production: production?.perWindow[i] ?? null,
      staging: staging?.perWindow[i] ?? null,
    })),
    unscoredWindows: input.windows.filter((w) => !w.values.some(Number.isFinite)).map((w) => w.start),
    threshold: input.threshold,
    passesThreshold,
    comparison,
    beatsProduction,
    verdict: { register: passesThreshold && beatsProduction, reason },
  };
}

/** Endpoint requests: the twin's 100 instances, and a body under SageMaker's 6 MB payload limit. */
export const ENDPOINT_BATCH = { maxInstances: 100, maxBytes: 5_000_000 } as const;

/**
 * Splits endpoint instances into requests the endpoint takes: at most `maxInstances` per request (the
 * twin's cap, 100) and at most `maxBytes` of JSON body (SageMaker's real-time payload limit is 6 MB;
 * test/fixtures/aws/deepar-evaluation-windows.json). An instance alone over `maxBytes` goes alone. `sizeOf`
 * (an instance's JSON in bytes) saves serialising every instance when the caller knows its size.
 */
export function batchInstances<T>(
  instances: readonly T[],
  { maxInstances, maxBytes }: { maxInstances: number; maxBytes: number },
  sizeOf: (instance: T, index: number) => number = (instance) => Buffer.byteLength(JSON.stringify(instance)),
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const [index, instance] of instances.entries()) {
    const size = sizeOf(instance, index) + 1;
    if (current.length > 0 && (current.length >= maxInstances || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(instance);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
