/**
 * Evaluation of a forecast of the held-out points: the candidate's mean wQuantileLoss and RMSE beside
 * the seasonal-naive baseline's (one-day season) and, when there is one, the production model's, on the
 * very same points. The report is what the approval page shows.
 */
import { ValidationError } from './errors';
import { DEFAULT_QUANTILES, meanWeightedQuantileLoss, rmse } from './metrics';

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

export interface EvaluationReport {
  jobName: string;
  holdout: { start: string; actual: Array<number | null> };
  candidate: ScoredForecast & { forecast: DeepArForecast };
  seasonalNaive: ScoredForecast & { forecast: DeepArForecast };
  production: StageScore | null;
  /** The model now in staging, scored the same way: the evidence for the staging approval. */
  staging: StageScore | null;
  threshold: number;
  passesThreshold: boolean;
  noWorseThanProduction: boolean;
}

export function buildReport(input: {
  jobName: string;
  holdout: { start: string; values: number[] };
  candidate: DeepArForecast;
  seasonalNaive: DeepArForecast;
  production?: { endpoint: string; forecast: DeepArForecast };
  staging?: { endpoint: string; forecast: DeepArForecast };
  threshold: number;
}): EvaluationReport {
  const actual = input.holdout.values;
  const candidate = scoreForecast(actual, input.candidate, 'batch transform output');
  const stage = (s: { endpoint: string; forecast: DeepArForecast } | undefined, what: string): StageScore | null =>
    s ? { endpoint: s.endpoint, forecast: s.forecast, ...scoreForecast(actual, s.forecast, what) } : null;
  const production = stage(input.production, 'production forecast');
  return {
    jobName: input.jobName,
    holdout: { start: input.holdout.start, actual: actual.map((v) => (Number.isFinite(v) ? v : null)) },
    candidate: { ...candidate, forecast: input.candidate },
    seasonalNaive: { ...scoreForecast(actual, input.seasonalNaive, 'seasonal naive forecast'), forecast: input.seasonalNaive },
    production,
    staging: stage(input.staging, 'staging forecast'),
    threshold: input.threshold,
    passesThreshold: candidate.meanWQuantileLoss <= input.threshold,
    noWorseThanProduction: !production || candidate.meanWQuantileLoss <= production.meanWQuantileLoss,
  };
}
