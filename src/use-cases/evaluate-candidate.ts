/**
 * Evaluate a candidate on many windows: scores the batch transform's forecast of each held-out window
 * (one output line per window, in the windows' order) beside seasonal naive with a one-day season and the
 * models now serving, forecast from the very same instances, and writes the report the approval page
 * shows. It returns the gate's verdict; the state machine's Choice states act on it (docs/gate.md).
 */
import { seriesPrefixes, type DeepArLine, type EvaluationWindow } from '../core/deepar-channels';
import { ValidationError } from '../core/errors';
import { ENDPOINT_BATCH, batchInstances, buildReport, type DeepArForecast } from '../core/evaluation';
import { DEFAULT_QUANTILES } from '../core/metrics';
import { seasonalNaiveForecast } from '../deepar/baselines';
import type { EndpointForecaster } from '../ports/endpoint-forecaster';
import type { ObjectStore } from '../ports/object-store';
import { forecastInRequests } from './endpoint-requests';

const ONE_DAY_OF_MINUTES = 1440;

export { ENDPOINT_BATCH };

export interface EvaluateCandidateDeps {
  objectStore: ObjectStore;
  forecaster: EndpointForecaster;
}

export interface EvaluateCandidateInput {
  jobName: string;
  /** The held-out windows extract-series wrote: `{ windows: [{ start, values }] }`. */
  holdoutUri: string;
  /** The train channel: the series up to the first window's origin. */
  trainUri: string;
  /** The batch transform's output, one JSON line per window. */
  forecastUri: string;
  reportUri: string;
  threshold: number;
  /** Parameter evaluation/min-improvement: the relative improvement over production the gate asks for. */
  minImprovement: number;
  productionEndpoint: string | null;
  stagingEndpoint: string | null;
}

const toValues = (target: ReadonlyArray<number | string | null>) => target.map((v) => (typeof v === 'number' ? v : NaN));

async function readJsonLines<T>(store: ObjectStore, uri: string, what: string): Promise<T[]> {
  const lines = (await store.get(uri)).toString('utf8').split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new ValidationError(`line ${i + 1} of the ${what} at ${uri} is not JSON`, { line: i + 1 });
    }
  });
}

async function readJson<T>(store: ObjectStore, uri: string, what: string): Promise<T> {
  const [first] = await readJsonLines<T>(store, uri, what);
  if (first === undefined) throw new ValidationError(`the ${what} at ${uri} is empty`);
  return first;
}

/** Seasonal naive's forecast of the `horizon` points after `origin`: it reads only the points before it. */
function seasonalNaive(series: readonly number[], origin: number, horizon: number): DeepArForecast {
  const naive = seasonalNaiveForecast(series, origin, horizon, ONE_DAY_OF_MINUTES, DEFAULT_QUANTILES);
  return { mean: naive.point, quantiles: Object.fromEntries([...naive.quantiles].map(([tau, q]) => [String(tau), q])) };
}

export async function evaluateCandidate(deps: EvaluateCandidateDeps, input: EvaluateCandidateInput) {
  const [holdout, train, candidate] = await Promise.all([
    readJson<{ windows?: Array<{ start: string; values: Array<number | null> }> }>(deps.objectStore, input.holdoutUri, 'held-out windows'),
    readJson<{ start: string; target: Array<number | string | null> }>(deps.objectStore, input.trainUri, 'train channel'),
    readJsonLines<DeepArForecast>(deps.objectStore, input.forecastUri, 'batch transform output'),
  ]);
  if (!Array.isArray(holdout.windows)) throw new ValidationError(`the held-out windows at ${input.holdoutUri} have no "windows" list`);
  if (!Array.isArray(train.target)) throw new ValidationError(`the train channel at ${input.trainUri} has no "target" list`);
  const windows: EvaluationWindow[] = holdout.windows.map((w) => ({ start: w.start, values: toValues(w.values) }));
  // The series the windows cut: the train series, then each window. Window k's history is its prefix up to
  // window k's origin: the very instance the transform read.
  const series = [...toValues(train.target), ...windows.flatMap((w) => w.values)];
  const origins: number[] = [];
  for (let k = 0, origin = train.target.length; k < windows.length; origin += windows[k].values.length, k++) origins.push(origin);
  // One batching for both endpoints, sized from one serialisation of the series (not one per instance).
  const endpointBatches = (): DeepArLine[][] => {
    const targets = series.map((v) => (Number.isFinite(v) ? v : ('NaN' as const)));
    const instances: DeepArLine[] = origins.map((o) => ({ start: train.start, target: targets.slice(0, o) }));
    const prefixes = seriesPrefixes(train.start, series);
    return batchInstances(instances, ENDPOINT_BATCH, (_, k) => prefixes.byteLength(origins[k]));
  };
  const batches = input.productionEndpoint || input.stagingEndpoint ? endpointBatches() : [];
  // The models now serving, on the very same windows: champion against challenger.
  const servingForecasts = async (endpoint: string | null) => {
    if (!endpoint) return undefined;
    const forecasts = await forecastInRequests(deps.forecaster, endpoint, batches);
    return forecasts === undefined ? undefined : { endpoint, forecasts: forecasts as DeepArForecast[] };
  };
  const [production, staging] = await Promise.all([servingForecasts(input.productionEndpoint), servingForecasts(input.stagingEndpoint)]);
  const report = buildReport({
    jobName: input.jobName,
    windows,
    candidate,
    seasonalNaive: windows.map((w, k) => seasonalNaive(series, origins[k], w.values.length)),
    production,
    staging,
    threshold: input.threshold,
    minImprovement: input.minImprovement,
  });
  await deps.objectStore.put(input.reportUri, JSON.stringify(report, null, 2), 'application/json');
  return {
    meanWQuantileLoss: report.candidate.meanWQuantileLoss,
    rmse: report.candidate.rmse,
    seasonalNaiveLoss: report.seasonalNaive.meanWQuantileLoss,
    productionLoss: report.production?.meanWQuantileLoss ?? null,
    stagingLoss: report.staging?.meanWQuantileLoss ?? null,
    windows: report.windows.length,
    threshold: report.threshold,
    passesThreshold: report.passesThreshold,
    beatsProduction: report.beatsProduction,
    gateReason: report.verdict.reason,
    reportUri: input.reportUri,
  };
}
