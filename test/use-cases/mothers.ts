/** Test-data mothers for the use case tests: seeded parameters, fee histories, checks, forecasts. */
import type { DeepArForecast } from '../../src/core/evaluation';
import { DEFAULT_QUANTILES } from '../../src/core/metrics';
import type { Stage } from '../../src/core/monitoring-policy';
import { parameterName, type ParameterKey } from '../../src/core/run-config';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import type { MonitoringCheck } from '../../src/ports/monitoring-store';
import { T0, aRecord } from '../builders/feature-records';
import { InMemoryFeatureStore, InMemoryParameterStore, type Answer } from './fakes';

export const PARAMETER_PATH = '/btc-fee-deepar/test';
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** The defaults (threshold 0.5, update rate 0.5, K = 3, cool-down 6 h…), with the values given. */
export async function aParameterStore(values: Partial<Record<ParameterKey, string>> = {}): Promise<InMemoryParameterStore> {
  const store = new InMemoryParameterStore();
  await seedDefaultParameters(store, PARAMETER_PATH);
  for (const [key, value] of Object.entries(values)) await store.put(parameterName(PARAMETER_PATH, key as ParameterKey), value, { overwrite: true });
  return store;
}

/** One record per minute index (from the builders' T0), with the fee a function of the minute. */
export async function aFeatureStoreWith(minutes: number[], level: (minute: number) => number = () => 100): Promise<InMemoryFeatureStore> {
  const store = new InMemoryFeatureStore();
  await store.putRecords(minutes.map((i) => aRecord(i, { avg_fee_1min: level(i) })));
  return store;
}

/** The ISO time `minutes` after the builders' T0. */
export const minutesAfterT0 = (minutes: number) => new Date(T0 + minutes * MINUTE);

const CHECKS_T0 = Date.parse('2025-05-01T00:00:00.000Z');
export const hour = (h: number) => new Date(CHECKS_T0 + h * HOUR).toISOString();

/** A measured check at hour `h` against a threshold of 0.5: a loss over it is a breach. */
export const aCheck = (h: number, stage: Stage, loss: number): MonitoringCheck => ({ at: hour(h), stage, outcome: 'measured', loss, threshold: 0.5, endpoint: `endpoint-${stage}`, windows: 2, rmse: 10 });
export const aStaleCheck = (h: number, stage: Stage): MonitoringCheck => ({ at: hour(h), stage, outcome: 'stale-data', threshold: 0.5, detail: 'no feature record' });
/** Hourly checks of both stages from hour 1: staging holds, production's losses as given. */
export const productionLosses = (...losses: number[]): MonitoringCheck[] => losses.flatMap((loss, i) => [aCheck(i + 1, 'staging', 0.2), aCheck(i + 1, 'production', loss)]);

/** The same path for the mean and every quantile. */
export const flatForecast = (path: number[]): DeepArForecast => ({ mean: path, quantiles: Object.fromEntries(DEFAULT_QUANTILES.map((tau) => [String(tau), path])) });

/** An endpoint that forecasts the same fee for every minute and every quantile. */
export const constant =
  (value: number): Answer =>
  (instances) =>
    instances.map(() => flatForecast(new Array(30).fill(value)));
