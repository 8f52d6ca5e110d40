/**
 * MeasureAccuracy: how well one stage's model forecasts the fees that actually happened. Reads the last
 * `windows × 30` known minutes before `asOf` and the `historyMinutes` before each window, asks the
 * stage's own endpoint (one call for every window) for the 30 minutes of each window from the data before
 * it, and pools the windows' mean wQuantileLoss and RMSE. The check is always recorded and returned;
 * a check that could not measure says why (`stale-data`, `no-endpoint`, `endpoint-error`) and is not a
 * failure of the task: monitoring must not turn an unanswered endpoint into a retraining storm.
 */
import { z } from 'zod';
import { PREDICTION_LENGTH, toDeepArLine, type DeepArLine } from '../src/core/deepar-channels';
import { ValidationError } from '../src/core/errors';
import { scoreForecast, type DeepArForecast } from '../src/core/evaluation';
import { MINUTE_MS, formatMinute, parseMinute } from '../src/core/feature-record';
import { DEFAULT_QUANTILES, meanWeightedQuantileLoss, rmse } from '../src/core/metrics';
import { isStale, type Stage } from '../src/core/monitoring-policy';
import { readRunConfig } from '../src/core/run-config';
import { buildSeries } from '../src/core/series';
import { DynamoDbMonitoringStore } from '../src/adapters/aws/dynamodb-monitoring-store';
import { EmfMetricsPublisher, METRICS_NAMESPACE } from '../src/adapters/aws/emf-metrics-publisher';
import { SageMakerEndpointForecaster } from '../src/adapters/aws/sagemaker-endpoint-forecaster';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { EndpointForecaster, InferenceConfiguration } from '../src/ports/endpoint-forecaster';
import type { FeatureStore } from '../src/ports/feature-store';
import type { MetricsPublisher } from '../src/ports/metrics-publisher';
import type { MonitoringCheck, MonitoringStore } from '../src/ports/monitoring-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';
import type { DeploymentSettings } from './lib/settings';

/** Each window is one forecast horizon. */
export const WINDOW_MINUTES = PREDICTION_LENGTH;
/** Ingestion is stalled when the latest stored minute is older than this before `asOf`. */
export const MAX_DATA_AGE_MINUTES = 10;

export const INFERENCE_CONFIGURATION: InferenceConfiguration = {
  num_samples: 100,
  output_types: ['mean', 'quantiles'],
  quantiles: DEFAULT_QUANTILES.map(String),
};

/** What the monitoring Lambdas need of the deployment settings (their environment holds only these). */
export type MonitoringSettings = Pick<DeploymentSettings, 'PARAMETER_PATH' | 'STAGING_ENDPOINT_NAME' | 'PRODUCTION_ENDPOINT_NAME'>;

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time');

const MeasureEvent = z.object({
  stage: z.enum(['staging', 'production']),
  /** The time the check is for (the execution's start); the clock's now when absent. */
  asOf: isoTime.optional(),
  /** Windows of 30 minutes measured, the latest ending at the last closed minute before asOf. */
  windows: z.number().int().min(1).max(48).default(2),
  /** Minutes before each window given to the endpoint as its conditioning range. */
  historyMinutes: z.number().int().min(WINDOW_MINUTES).max(7 * 24 * 60).default(360),
});

export interface MeasureAccuracyDeps {
  featureStore: () => FeatureStore;
  parameterStore: () => ParameterStore;
  forecaster: () => EndpointForecaster;
  metrics: () => MetricsPublisher;
  monitoringStore: () => MonitoringStore;
  settings: () => MonitoringSettings;
  now: () => Date;
}

/** Reads every run-time parameter and parses them: a bad value fails here, naming the parameter. */
export { readRunConfig };

export function endpointOf(stage: Stage, settings: MonitoringSettings): string {
  return stage === 'production' ? settings.PRODUCTION_ENDPOINT_NAME : settings.STAGING_ENDPOINT_NAME;
}

export function createHandler(deps: MeasureAccuracyDeps) {
  return taskHandler(async (event: unknown): Promise<MonitoringCheck> => {
    const input = parseEvent(MeasureEvent, event);
    const asOf = input.asOf === undefined ? deps.now() : new Date(input.asOf);
    const settings = deps.settings();
    const endpoint = endpointOf(input.stage, settings);
    const { threshold } = await readRunConfig(deps.parameterStore(), settings.PARAMETER_PATH);
    const base = { at: asOf.toISOString(), stage: input.stage, threshold, endpoint, windows: input.windows };

    const record = async (check: MonitoringCheck): Promise<MonitoringCheck> => {
      await deps.monitoringStore().appendCheck(check);
      return check;
    };
    const stale = (detail: string) => record({ ...base, outcome: 'stale-data', detail });

    // The measured windows end at the last closed minute before asOf; each is conditioned on the minutes before it.
    const to = Math.floor(asOf.getTime() / MINUTE_MS) * MINUTE_MS;
    const measuredMinutes = input.windows * WINDOW_MINUTES;
    const from = to - (measuredMinutes + input.historyMinutes) * MINUTE_MS;
    const records = await deps.featureStore().getRecords({ from: new Date(from), to: new Date(to) });

    const minutes = records.map((r) => parseMinute(r.tx_minute)).filter((m): m is number => m !== undefined);
    const latest = minutes.length ? new Date(Math.max(...minutes)) : undefined;
    if (isStale(latest, asOf, MAX_DATA_AGE_MINUTES)) {
      return stale(
        latest
          ? `the latest stored minute is ${formatMinute(latest)}, ${Math.floor((asOf.getTime() - latest.getTime()) / MINUTE_MS)} minutes before ${base.at}: is ingestion stalled?`
          : `no feature record between ${formatMinute(from)} and ${formatMinute(to)}: is ingestion stalled?`,
      );
    }

    let values: number[];
    try {
      values = buildSeries(records, { from: new Date(from), to: new Date(to) }).values;
    } catch (error) {
      return stale(`${(error as Error).name}: ${(error as Error).message}`);
    }

    const instances: DeepArLine[] = [];
    const actuals: number[][] = [];
    for (let w = 0; w < input.windows; w++) {
      const offset = input.historyMinutes + w * WINDOW_MINUTES;
      const windowStart = from + offset * MINUTE_MS;
      const actual = values.slice(offset, offset + WINDOW_MINUTES);
      const context = values.slice(offset - input.historyMinutes, offset);
      const observed = actual.filter(Number.isFinite).length;
      if (observed < Math.ceil(WINDOW_MINUTES / 2)) {
        return stale(`only ${observed} of the ${WINDOW_MINUTES} minutes from ${formatMinute(windowStart)} were observed: too few to score a forecast against`);
      }
      if (!context.some(Number.isFinite)) {
        return stale(`none of the ${input.historyMinutes} minutes before ${formatMinute(windowStart)} was observed: nothing to forecast from`);
      }
      instances.push(toDeepArLine(windowStart - input.historyMinutes * MINUTE_MS, context));
      actuals.push(actual);
    }

    let forecasts: DeepArForecast[] | undefined;
    try {
      forecasts = await deps.forecaster().forecast(endpoint, instances, INFERENCE_CONFIGURATION);
    } catch (error) {
      return record({ ...base, outcome: 'endpoint-error', detail: describeError(error) });
    }
    if (forecasts === undefined) return record({ ...base, outcome: 'no-endpoint', detail: `no endpoint ${endpoint} is in service` });

    // An answer that is not one forecast of 30 points per window is the endpoint's failure, not ours to throw.
    try {
      if (!Array.isArray(forecasts) || forecasts.length !== instances.length) {
        throw new ValidationError(`the endpoint answered ${Array.isArray(forecasts) ? forecasts.length : 'no'} forecasts for ${instances.length} instances`);
      }
      forecasts.forEach((forecast, w) => scoreForecast(actuals[w], forecast, `forecast of window ${w + 1}`));
    } catch (error) {
      return record({ ...base, outcome: 'endpoint-error', detail: describeError(error) });
    }

    const scored = forecasts.map((forecast, w) => ({
      actual: actuals[w],
      point: forecast.mean,
      quantiles: new Map(DEFAULT_QUANTILES.map((tau) => [tau, forecast.quantiles[String(tau)]])),
    }));
    const loss = meanWeightedQuantileLoss(scored).mean;
    const pointError = rmse(scored);
    if (!Number.isFinite(loss)) return stale('the observed fees of the windows sum to zero: the weighted loss is undefined');

    const check = await record({ ...base, outcome: 'measured', loss, rmse: pointError });
    await deps.metrics().publishAccuracy({ at: base.at, stage: input.stage, meanWQuantileLoss: loss, threshold, rmse: pointError });
    return check;
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  parameterStore: once(() => new SsmParameterStore()),
  forecaster: once(() => new SageMakerEndpointForecaster()),
  metrics: once(() => new EmfMetricsPublisher({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE })),
  monitoringStore: once(() => new DynamoDbMonitoringStore({ tableName: requireEnv('MONITORING_TABLE') })),
  // The monitoring Lambdas' environment holds only these settings, not the training ones readSettings requires.
  settings: once(() => ({
    PARAMETER_PATH: requireEnv('PARAMETER_PATH'),
    STAGING_ENDPOINT_NAME: requireEnv('STAGING_ENDPOINT_NAME'),
    PRODUCTION_ENDPOINT_NAME: requireEnv('PRODUCTION_ENDPOINT_NAME'),
  })),
  now: () => new Date(),
});
