/**
 * Evaluate a candidate: scores the batch transform's forecast of the held-out points (mean
 * wQuantileLoss, RMSE) beside seasonal naive with a one-day season and the models now serving on the
 * very same points, and writes the report the approval page shows. The state machine applies the gate.
 */
import { ValidationError } from '../core/errors';
import { buildReport, type DeepArForecast } from '../core/evaluation';
import { DEFAULT_QUANTILES } from '../core/metrics';
import { seasonalNaiveForecast } from '../deepar/baselines';
import type { EndpointForecaster } from '../ports/endpoint-forecaster';
import type { ObjectStore } from '../ports/object-store';

const ONE_DAY_OF_MINUTES = 1440;

export interface EvaluateCandidateDeps {
  objectStore: ObjectStore;
  forecaster: EndpointForecaster;
}

export interface EvaluateCandidateInput {
  jobName: string;
  holdoutUri: string;
  trainUri: string;
  forecastUri: string;
  reportUri: string;
  threshold: number;
  productionEndpoint: string | null;
  stagingEndpoint: string | null;
}

const toValues = (target: Array<number | string | null>) => target.map((v) => (typeof v === 'number' ? v : NaN));

async function readJson<T>(store: ObjectStore, uri: string, what: string): Promise<T> {
  const text = (await store.get(uri)).toString('utf8').trim().split('\n')[0];
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ValidationError(`the ${what} at ${uri} is not JSON`);
  }
}

function seasonalNaive(history: number[], actual: number[]): DeepArForecast {
  const naive = seasonalNaiveForecast([...history, ...actual], history.length, actual.length, ONE_DAY_OF_MINUTES, DEFAULT_QUANTILES);
  return { mean: naive.point, quantiles: Object.fromEntries([...naive.quantiles].map(([tau, q]) => [String(tau), q])) };
}

export async function evaluateCandidate(deps: EvaluateCandidateDeps, input: EvaluateCandidateInput) {
  const [holdout, train, candidate] = await Promise.all([
    readJson<{ start: string; values: Array<number | null> }>(deps.objectStore, input.holdoutUri, 'held-out series'),
    readJson<{ start: string; target: Array<number | string | null> }>(deps.objectStore, input.trainUri, 'train channel'),
    readJson<DeepArForecast>(deps.objectStore, input.forecastUri, 'batch transform output'),
  ]);
  const actual = toValues(holdout.values);
  // The models now serving, on the very same points: champion against challenger.
  const servingForecast = async (endpoint: string | null) => {
    if (!endpoint) return undefined;
    const forecasts = await deps.forecaster.forecast(endpoint, [train as never], {
      num_samples: 100,
      output_types: ['mean', 'quantiles'],
      quantiles: DEFAULT_QUANTILES.map(String),
    });
    return forecasts ? { endpoint, forecast: forecasts[0] } : undefined;
  };
  const [production, staging] = await Promise.all([servingForecast(input.productionEndpoint), servingForecast(input.stagingEndpoint)]);
  const report = buildReport({
    jobName: input.jobName,
    holdout: { start: holdout.start, values: actual },
    candidate,
    seasonalNaive: seasonalNaive(toValues(train.target), actual),
    production,
    staging,
    threshold: input.threshold,
  });
  await deps.objectStore.put(input.reportUri, JSON.stringify(report, null, 2), 'application/json');
  return {
    meanWQuantileLoss: report.candidate.meanWQuantileLoss,
    rmse: report.candidate.rmse,
    seasonalNaiveLoss: report.seasonalNaive.meanWQuantileLoss,
    productionLoss: report.production?.meanWQuantileLoss ?? null,
    stagingLoss: report.staging?.meanWQuantileLoss ?? null,
    threshold: report.threshold,
    passesThreshold: report.passesThreshold,
    reportUri: input.reportUri,
  };
}
