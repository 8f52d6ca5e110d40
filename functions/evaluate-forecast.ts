/**
 * EvaluateForecast: scores the batch transform's forecast of the held-out points (mean wQuantileLoss,
 * RMSE) beside seasonal naive with a one-day season and the production model on the same points, and
 * writes the report the approval page shows. The Choice state after it applies the gate.
 */
import { z } from 'zod';
import { buildReport, type DeepArForecast } from '../src/core/evaluation';
import { ValidationError } from '../src/core/errors';
import { DEFAULT_QUANTILES } from '../src/core/metrics';
import { seasonalNaiveForecast } from '../src/deepar/baselines';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import { SageMakerEndpointForecaster } from '../src/adapters/aws/sagemaker-endpoint-forecaster';
import type { EndpointForecaster } from '../src/ports/endpoint-forecaster';
import type { ObjectStore } from '../src/ports/object-store';
import { once, parseEvent, taskHandler } from './lib/middleware';

const EvaluateEvent = z.object({
  jobName: z.string().min(1),
  holdoutUri: z.string().startsWith('s3://'),
  trainUri: z.string().startsWith('s3://'),
  forecastUri: z.string().startsWith('s3://'),
  reportUri: z.string().startsWith('s3://'),
  threshold: z.number().positive(),
  productionEndpoint: z.string().min(1).nullable(),
  stagingEndpoint: z.string().min(1).nullable().default(null),
});

const ONE_DAY_OF_MINUTES = 1440;

const toValues = (target: Array<number | string | null>) => target.map((v) => (typeof v === 'number' ? v : NaN));

async function readJson<T>(store: ObjectStore, uri: string, what: string): Promise<T> {
  const text = (await store.get(uri)).toString('utf8').trim().split('\n')[0];
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ValidationError(`the ${what} at ${uri} is not JSON`);
  }
}

export function createHandler(deps: { objectStore: () => ObjectStore; forecaster: () => EndpointForecaster }) {
  return taskHandler(async (event: unknown) => {
    const input = parseEvent(EvaluateEvent, event);
    const store = deps.objectStore();
    const [holdout, train, candidate] = await Promise.all([
      readJson<{ start: string; values: Array<number | null> }>(store, input.holdoutUri, 'held-out series'),
      readJson<{ start: string; target: Array<number | string | null> }>(store, input.trainUri, 'train channel'),
      readJson<DeepArForecast>(store, input.forecastUri, 'batch transform output'),
    ]);
    const actual = toValues(holdout.values);
    const history = toValues(train.target);
    const horizon = actual.length;
    const naive = seasonalNaiveForecast([...history, ...actual], history.length, horizon, ONE_DAY_OF_MINUTES, DEFAULT_QUANTILES);
    const seasonalNaive: DeepArForecast = {
      mean: naive.point,
      quantiles: Object.fromEntries([...naive.quantiles].map(([tau, q]) => [String(tau), q])),
    };
    // The models now serving, on the very same points: champion against challenger.
    const servingForecast = async (endpoint: string | null) => {
      if (!endpoint) return undefined;
      const forecasts = await deps.forecaster().forecast(endpoint, [train as never], {
        num_samples: 100,
        output_types: ['mean', 'quantiles'],
        quantiles: DEFAULT_QUANTILES.map(String),
      });
      return forecasts ? { endpoint, forecast: forecasts[0] } : undefined;
    };
    const [production, staging] = await Promise.all([servingForecast(input.productionEndpoint), servingForecast(input.stagingEndpoint)]);
    const report = buildReport({ jobName: input.jobName, holdout: { start: holdout.start, values: actual }, candidate, seasonalNaive, production, staging, threshold: input.threshold });
    await store.put(input.reportUri, JSON.stringify(report, null, 2), 'application/json');
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
  });
}

export const handler = createHandler({
  objectStore: once(() => new S3ObjectStore()),
  forecaster: once(() => new SageMakerEndpointForecaster()),
});
