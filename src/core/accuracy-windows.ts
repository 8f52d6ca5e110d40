/**
 * What a monitoring check scores: the last `windows × 30` known minutes before its time, each window
 * forecast from the series a training at that hour would read (the `training/window-days` before the
 * check, from its first observed minute) up to the window's start, as the gate forecasts its held-out
 * windows: so "loss now" and "loss the model was approved at" are the same figure of the same model
 * (DeepAR reads lags from far back and, in the twin, an age feature; test/fixtures/aws/deepar-inference-history.json).
 * The windows' losses pooled; seasonal naive (one-day season) on the very same windows, fitted like the
 * gate's. And why a check cannot score (stale data): ingestion stalled, a window with too few actuals, a
 * window with nothing before it.
 */
import { PREDICTION_LENGTH, toDeepArLine, type DeepArLine } from './deepar-channels';
import { ValidationError } from './errors';
import { scoreForecast, type DeepArForecast } from './evaluation';
import { MINUTE_MS, formatMinute } from './feature-record';
import { DEFAULT_QUANTILES, meanWeightedQuantileLoss, rmse } from './metrics';
import { MAX_DATA_AGE_MINUTES, isStale } from './monitoring-policy';
import { seasonalNaiveForecast } from '../deepar/baselines';

/** Seasonal naive's season: the fee's daily cycle, as the training machine's evaluation uses it. */
export const SEASON_MINUTES = 1440;

/** Each window is one forecast horizon. */
export const WINDOW_MINUTES = PREDICTION_LENGTH;

export interface WindowSpec {
  /** Windows of 30 minutes, the latest ending at the last closed minute before the check's time. */
  windows: number;
  /** Minutes of the series read up to the check's time (the training window); every window's forecast conditions on all of it before the window. */
  seriesMinutes: number;
}

/** The minutes a check reads (epoch ms, half-open): the series' minutes up to the last closed minute. */
export function measuredRange(asOf: Date, spec: WindowSpec): { from: number; to: number } {
  const to = Math.floor(asOf.getTime() / MINUTE_MS) * MINUTE_MS;
  return { from: to - spec.seriesMinutes * MINUTE_MS, to };
}

/**
 * Refuses windows the series cannot hold: at least one minute must precede the first window. `names` says
 * which settings set the two figures (parameters, or the event's fields), so the error names them.
 */
export function checkWindowsFitSeries(spec: WindowSpec, names: { windows: string; seriesMinutes: string; field: string }): void {
  if (spec.seriesMinutes > spec.windows * WINDOW_MINUTES) return;
  throw new ValidationError(
    `${names.windows} asks for ${spec.windows} windows of ${WINDOW_MINUTES} minutes (${spec.windows * WINDOW_MINUTES}), but ${names.seriesMinutes} ` +
      `holds ${spec.seriesMinutes} minutes: no minute would precede the first window to forecast it from; lower the windows or lengthen the series`,
    { field: names.field },
  );
}

/** Why the data is stale because ingestion stalled (the latest stored minute is too old), or undefined. */
export function stalledIngestion(latest: Date | undefined, asOf: Date, range: { from: number; to: number }): string | undefined {
  if (!isStale(latest, asOf, MAX_DATA_AGE_MINUTES)) return undefined;
  return latest
    ? `the latest stored minute is ${formatMinute(latest)}, ${Math.floor((asOf.getTime() - latest.getTime()) / MINUTE_MS)} minutes before ${asOf.toISOString()}: is ingestion stalled?`
    : `no feature record between ${formatMinute(range.from)} and ${formatMinute(range.to)}: is ingestion stalled?`;
}

export type Windows = { instances: DeepArLine[]; actuals: number[][]; naive: DeepArForecast[] } | { stale: string };

/**
 * Cuts the per-minute values read from `from` (`spec.seriesMinutes` of them) into the forecaster's
 * instances and the actuals they are scored against. The series starts at `seriesFrom`, the first stored
 * minute, as a training's window does: a young feature group is not padded with missing days.
 */
export function cutWindows(values: readonly number[], from: number, spec: WindowSpec, seriesFrom = from): Windows {
  const instances: DeepArLine[] = [];
  const actuals: number[][] = [];
  const naive: DeepArForecast[] = [];
  const firstWindow = spec.seriesMinutes - spec.windows * WINDOW_MINUTES;
  const seriesStart = Math.max(0, Math.round((seriesFrom - from) / MINUTE_MS));
  for (let w = 0; w < spec.windows; w++) {
    const offset = firstWindow + w * WINDOW_MINUTES;
    const windowStart = from + offset * MINUTE_MS;
    const actual = values.slice(offset, offset + WINDOW_MINUTES);
    const observed = actual.filter(Number.isFinite).length;
    if (observed < Math.ceil(WINDOW_MINUTES / 2)) {
      return { stale: `only ${observed} of the ${WINDOW_MINUTES} minutes from ${formatMinute(windowStart)} were observed: too few to score a forecast against` };
    }
    if (!values.slice(seriesStart, offset).some(Number.isFinite)) {
      return { stale: `none of the ${offset} minutes before ${formatMinute(windowStart)} was observed: nothing to forecast from` };
    }
    instances.push(toDeepArLine(from + seriesStart * MINUTE_MS, values.slice(seriesStart, offset)));
    actuals.push(actual);
    naive.push(seasonalNaive(values, offset, seriesStart));
  }
  return { instances, actuals, naive };
}

/** Seasonal naive's forecast of the window at `offset`, its spread fitted on the series before it (as the gate fits it). */
function seasonalNaive(values: readonly number[], offset: number, fitFrom: number): DeepArForecast {
  const forecast = seasonalNaiveForecast(values, offset, WINDOW_MINUTES, SEASON_MINUTES, DEFAULT_QUANTILES, fitFrom);
  return { mean: forecast.point, quantiles: Object.fromEntries([...forecast.quantiles].map(([tau, q]) => [String(tau), q])) };
}

/** Throws a ValidationError unless the answer holds one complete forecast per window. */
export function checkForecasts(actuals: readonly number[][], forecasts: unknown): asserts forecasts is DeepArForecast[] {
  if (!Array.isArray(forecasts) || forecasts.length !== actuals.length) {
    throw new ValidationError(`the endpoint answered ${Array.isArray(forecasts) ? forecasts.length : 'no'} forecasts for ${actuals.length} instances`);
  }
  forecasts.forEach((forecast, w) => scoreForecast(actuals[w], forecast, `forecast of window ${w + 1}`));
}

/** The windows' mean wQuantileLoss and RMSE pooled over every scored minute (not an average of windows). */
export function poolScores(actuals: readonly number[][], forecasts: readonly DeepArForecast[]): { loss: number; rmse: number } {
  const scored = forecasts.map((forecast, w) => ({
    actual: actuals[w],
    point: forecast.mean,
    quantiles: new Map(DEFAULT_QUANTILES.map((tau) => [tau, forecast.quantiles[String(tau)]])),
  }));
  return { loss: meanWeightedQuantileLoss(scored).mean, rmse: rmse(scored) };
}
