/**
 * The production model's forecast for the next 30 minutes, and the one it would have made 30 minutes ago
 * set against what happened: both asked of the production endpoint through the twin's own forecaster, in
 * one request. Cached per minute of data and endpoint config, so a dashboard polling every few seconds
 * asks the endpoint once a minute at most.
 */
import { PREDICTION_LENGTH, toDeepArLine } from '../../src/core/deepar-channels';
import type { DeepArForecast } from '../../src/core/evaluation';
import { formatMinute, MINUTE_MS, storedMinuteRange } from '../../src/core/feature-record';
import { buildSeries } from '../../src/core/series';
import type { EndpointForecaster, InferenceConfiguration } from '../../src/ports/endpoint-forecaster';
import type { FeatureStore } from '../../src/ports/feature-store';

/** The quantiles the Live chart draws: the 10-90% band, the 30-70% band and the median. */
export const BAND_QUANTILES = ['0.1', '0.3', '0.5', '0.7', '0.9'] as const;

const CONFIGURATION: InferenceConfiguration = { num_samples: 100, output_types: ['mean', 'quantiles'], quantiles: [...BAND_QUANTILES] };

export interface ForecastWindow {
  /** The forecast's first minute, ISO 8601. */
  from: string;
  minutes: string[];
  mean: number[];
  /** Keyed "0.1" ... "0.9", one value per minute. */
  quantiles: Record<string, number[]>;
}

export interface ProductionForecast {
  endpoint: string;
  /** The config the endpoint served the forecast with (which model), when it did. */
  endpointConfig?: string;
  status: 'ok' | 'no-endpoint' | 'no-data' | 'endpoint-error';
  /** Why there is no forecast. */
  detail?: string;
  /** The latest minute of data the forecast starts after. */
  dataUntil?: string;
  next?: ForecastWindow;
  /** The forecast of the last 30 known minutes from the history before them, with what happened (null: missing). */
  past?: ForecastWindow & { actual: Array<number | null> };
}

export interface ForecastReadModelDeps {
  featureStore: Pick<FeatureStore, 'getRecords'> & { latestMinute(): Date | undefined };
  forecaster: EndpointForecaster;
  /** The production endpoint's name and its current config (undefined: no such endpoint). */
  endpointName: string;
  endpointConfigOf(name: string): Promise<string | undefined>;
  /**
   * Minutes of the series each forecast conditions on: the training window (`training/window-days`), as the
   * gate and monitoring forecast theirs (a check an hour later forecasts the same window from the same series,
   * give or take its first minutes).
   */
  seriesMinutes(): Promise<number>;
}

const minutesFrom = (start: number, count: number): string[] => Array.from({ length: count }, (_, i) => formatMinute(start + i * MINUTE_MS));

function windowOf(start: number, forecast: DeepArForecast): ForecastWindow {
  const quantiles: Record<string, number[]> = {};
  for (const q of BAND_QUANTILES) if (forecast.quantiles?.[q]) quantiles[q] = forecast.quantiles[q];
  return { from: formatMinute(start), minutes: minutesFrom(start, PREDICTION_LENGTH), mean: forecast.mean ?? [], quantiles };
}

export class ForecastReadModel {
  private cached?: { key: string; value: Promise<ProductionForecast> };

  constructor(private readonly deps: ForecastReadModelDeps) {}

  /** The current forecast: computed once per (latest data minute, endpoint config, series length). */
  async production(): Promise<ProductionForecast> {
    const latest = this.deps.featureStore.latestMinute();
    const endpointConfig = await this.deps.endpointConfigOf(this.deps.endpointName);
    const seriesMinutes = await this.deps.seriesMinutes();
    const key = `${latest?.toISOString() ?? '-'} ${endpointConfig ?? '-'} ${seriesMinutes}`;
    if (this.cached?.key !== key) {
      const value = this.compute(latest, endpointConfig, seriesMinutes);
      this.cached = { key, value };
      // A failure is not kept: the next poll asks again.
      value.catch(() => this.cached?.value === value && (this.cached = undefined));
    }
    return this.cached.value;
  }

  private async compute(latest: Date | undefined, endpointConfig: string | undefined, seriesMinutes: number): Promise<ProductionForecast> {
    const endpoint = this.deps.endpointName;
    if (!endpointConfig) return { endpoint, status: 'no-endpoint', detail: `no endpoint ${endpoint} exists yet: production has no model` };
    if (!latest) return { endpoint, endpointConfig, status: 'no-data', detail: 'the feature store is empty' };
    const nextStart = latest.getTime() + MINUTE_MS;
    const pastStart = nextStart - PREDICTION_LENGTH * MINUTE_MS;
    const from = nextStart - seriesMinutes * MINUTE_MS;
    const records = await this.deps.featureStore.getRecords({ from: new Date(from), to: new Date(nextStart) });
    const values = records.length ? buildSeries(records, { from: new Date(from), to: new Date(nextStart), minValidPoints: 0 }).values : [];
    const dataUntil = formatMinute(latest);
    // The series starts at its first stored minute, as a training's does; the past window ends 30 minutes before its end.
    const seriesStart = Math.max(0, Math.round(((storedMinuteRange(records).first ?? nextStart) - from) / MINUTE_MS));
    if (!values.slice(seriesStart).some(Number.isFinite)) return { endpoint, endpointConfig, status: 'no-data', dataUntil, detail: `no fee was recorded in the ${seriesMinutes} minutes up to ${dataUntil}` };
    const pastOffset = seriesMinutes - PREDICTION_LENGTH;
    const withPast = seriesStart < pastOffset && values.slice(seriesStart, pastOffset).some(Number.isFinite);
    const start = from + seriesStart * MINUTE_MS;
    const instances = [toDeepArLine(start, values.slice(seriesStart)), ...(withPast ? [toDeepArLine(start, values.slice(seriesStart, pastOffset))] : [])];
    let forecasts: DeepArForecast[] | undefined;
    try {
      forecasts = await this.deps.forecaster.forecast(endpoint, instances, CONFIGURATION);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { endpoint, endpointConfig, status: 'endpoint-error', dataUntil, detail };
    }
    if (!forecasts) return { endpoint, endpointConfig, status: 'no-endpoint', dataUntil, detail: `the endpoint ${endpoint} is not in service` };
    const actual = values.slice(pastOffset).map((v) => (Number.isFinite(v) ? v : null));
    return {
      endpoint,
      endpointConfig,
      status: 'ok',
      dataUntil,
      next: windowOf(nextStart, forecasts[0]),
      ...(withPast && forecasts[1] ? { past: { ...windowOf(pastStart, forecasts[1]), actual } } : {}),
    };
  }
}
