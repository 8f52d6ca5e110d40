/**
 * Measure accuracy: how well one stage's model forecast the fees that actually happened. The check is
 * always recorded and returned; one that could not measure says why (`stale-data`, `no-endpoint`,
 * `endpoint-error`) and is not a failure: an unanswered endpoint must not become a retraining storm.
 */
import { checkForecasts, checkWindowsFitSeries, cutWindows, measuredRange, poolScores, stalledIngestion, type WindowSpec } from '../core/accuracy-windows';
import { ENDPOINT_BATCH, batchInstances } from '../core/evaluation';
import { storedMinuteRange } from '../core/feature-record';
import { skillOf, type Stage } from '../core/monitoring-policy';
import { parameterName, readRunConfig, windowMinutes } from '../core/run-config';
import { buildSeries } from '../core/series';
import type { EndpointForecaster } from '../ports/endpoint-forecaster';
import type { FeatureStore } from '../ports/feature-store';
import type { MetricsPublisher } from '../ports/metrics-publisher';
import type { MonitoringCheck, MonitoringStore } from '../ports/monitoring-store';
import type { ParameterStore } from '../ports/parameter-store';
import type { ServingModels } from '../ports/serving-models';
import { forecastInRequests } from './endpoint-requests';

export interface MeasureAccuracyDeps {
  featureStore: FeatureStore;
  parameterStore: ParameterStore;
  forecaster: EndpointForecaster;
  metrics: MetricsPublisher;
  monitoringStore: MonitoringStore;
  /** The model each endpoint serves and the loss it was approved at (the model registry). */
  servingModels: ServingModels;
  parameterPath: string;
  /** Each stage's own endpoint: a stage is never measured through another's. */
  endpoints: Record<Stage, string>;
}

export interface MeasureAccuracyInput {
  stage: Stage;
  asOf: Date;
  /** Windows scored; `monitoring/windows` when absent. */
  windows?: number;
  /** Minutes of the series read up to `asOf`; the training window (`training/window-days`) when absent, as the gate reads it. */
  seriesMinutes?: number;
}

export async function measureAccuracy(deps: MeasureAccuracyDeps, input: MeasureAccuracyInput): Promise<MonitoringCheck> {
  const endpoint = deps.endpoints[input.stage];
  const config = await readRunConfig(deps.parameterStore, deps.parameterPath);
  const { threshold } = config;
  const spec: WindowSpec = {
    windows: input.windows ?? config.monitoringWindows,
    seriesMinutes: input.seriesMinutes ?? windowMinutes(config.windowDays),
  };
  checkWindowsFitSeries(spec, {
    windows: input.windows === undefined ? `parameter ${parameterName(deps.parameterPath, 'monitoringWindows')}` : "the event's windows",
    seriesMinutes: input.seriesMinutes === undefined ? `parameter ${parameterName(deps.parameterPath, 'windowDays')}` : "the event's seriesMinutes",
    field: input.seriesMinutes !== undefined ? 'seriesMinutes' : input.windows !== undefined ? 'windows' : 'monitoringWindows',
  });
  const base = { at: input.asOf.toISOString(), stage: input.stage, threshold, endpoint, windows: spec.windows };
  const record = async (check: MonitoringCheck): Promise<MonitoringCheck> => {
    await deps.monitoringStore.appendCheck(check);
    return check;
  };
  const stale = (detail: string) => record({ ...base, outcome: 'stale-data', detail });

  const range = measuredRange(input.asOf, spec);
  const records = await deps.featureStore.getRecords({ from: new Date(range.from), to: new Date(range.to) });
  const stored = storedMinuteRange(records);
  const stalled = stalledIngestion(stored.last === undefined ? undefined : new Date(stored.last), input.asOf, range);
  if (stalled) return stale(stalled);

  let values: number[];
  try {
    values = buildSeries(records, { from: new Date(range.from), to: new Date(range.to) }).values;
  } catch (error) {
    return stale(describeError(error));
  }
  const windows = cutWindows(values, range.from, spec, stored.first);
  if ('stale' in windows) return stale(windows.stale);

  let forecasts: unknown;
  try {
    // Each instance carries the whole training window (a week of real fees is ~0.17 MB of JSON: 12 windows
    // ~2 MB, one request); a long window with many windows takes several.
    forecasts = await forecastInRequests(deps.forecaster, endpoint, batchInstances(windows.instances, ENDPOINT_BATCH));
  } catch (error) {
    return record({ ...base, outcome: 'endpoint-error', detail: describeError(error) });
  }
  if (forecasts === undefined) return record({ ...base, outcome: 'no-endpoint', detail: `no endpoint ${endpoint} is in service` });
  // An answer that is not one forecast of 30 points per window is the endpoint's failure, not ours to throw.
  try {
    checkForecasts(windows.actuals, forecasts);
  } catch (error) {
    return record({ ...base, outcome: 'endpoint-error', detail: describeError(error) });
  }

  const { loss, rmse } = poolScores(windows.actuals, forecasts);
  if (!Number.isFinite(loss)) return stale('the observed fees of the windows sum to zero: the weighted loss is undefined');
  // Seasonal naive on the very same windows: skill says whether the model still beats it.
  const naiveLoss = poolScores(windows.actuals, windows.naive).loss;
  const skill = skillOf(loss, naiveLoss);
  const { approvedLoss, unread } = await approvedLossOf(deps.servingModels, endpoint);
  const judged = {
    criterion: config.monitoringCriterion,
    ...(Number.isFinite(naiveLoss) ? { naiveLoss } : {}),
    ...(skill !== undefined ? { skill } : {}),
    ...(approvedLoss !== undefined ? { approvedLoss } : {}),
    ...(config.monitoringCriterion === 'skill' ? { maxSkill: config.maxSkill, approvedLossFactor: config.approvedLossFactor } : {}),
  };
  // Why the approved loss is missing, kept on the check: a lasting AccessDenied must not silently turn the rule off.
  const detail = unread ? `the approved loss could not be read, skill alone judged: ${unread}` : undefined;
  const check = await record({ ...base, outcome: 'measured', loss, rmse, ...judged, ...(detail ? { detail } : {}) });
  await deps.metrics.publishAccuracy({ at: base.at, stage: input.stage, meanWQuantileLoss: loss, threshold, rmse });
  return check;
}

/**
 * The loss the endpoint's model was approved at, or undefined when the registry does not say (a model not
 * registered, an old package) or cannot be read now: skill alone judges the check then, never a failed check.
 */
async function approvedLossOf(servingModels: ServingModels, endpoint: string): Promise<{ approvedLoss?: number; unread?: string }> {
  try {
    return { approvedLoss: (await servingModels.servingModel(endpoint))?.approvedLoss };
  } catch (error) {
    return { unread: describeError(error) };
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;
}
