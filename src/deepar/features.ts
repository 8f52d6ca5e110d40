/**
 * Feature engineering after GluonTS: lags of the target for the frequency, time features scaled to
 * [-0.5, 0.5], an age feature log10(2 + index), and optional dynamic features.
 */
import { type Frequency, stepMinutes, timeAt } from './frequency';

/** GluonTS's `get_lags_for_frequency`: 1…7 plus lags around the frequency's natural periods, capped at lagUb. */
export function lagsForFrequency(f: Frequency, lagUb = 1200): number[] {
  const lags: number[] = [];
  const around = (middle: number, delta: number): void => {
    for (let l = middle - delta; l <= middle + delta; l++) lags.push(l);
  };
  const n = f.multiple;
  if (f.unit === 'M') {
    for (let k = 1; k <= 3; k++) around(Math.floor((12 * k) / n), 1);
  } else {
    const step = stepMinutes(f) as number;
    const per = (minutes: number): number => Math.floor(minutes / step);
    if (f.unit === 'min') for (let k = 1; k <= 3; k++) around(per(60 * k), 2);
    if (f.unit === 'min' || f.unit === 'H') for (let k = 1; k <= 7; k++) around(per(1440 * k), 1);
    if (f.unit !== 'W') {
      for (let k = 1; k <= 4; k++) around(per(10080 * k), 1);
      around(per(30 * 1440), 1);
    }
    for (let k = 1; k <= 3; k++) around(per(52 * 10080 * k), 1);
    lags.push(per(4 * 10080), per(8 * 10080), per(12 * 10080));
  }
  const set = new Set<number>([1, 2, 3, 4, 5, 6, 7]);
  for (const l of lags) if (l > 7 && l <= lagUb) set.add(l);
  return [...set].sort((a, b) => a - b);
}

export const TIME_FEATURES = {
  minute_of_hour: (d: Date) => d.getUTCMinutes() / 59 - 0.5,
  hour_of_day: (d: Date) => d.getUTCHours() / 23 - 0.5,
  day_of_week: (d: Date) => ((d.getUTCDay() + 6) % 7) / 6 - 0.5, // Monday = 0, as pandas
  day_of_month: (d: Date) => (d.getUTCDate() - 1) / 30 - 0.5,
  day_of_year: (d: Date) => (dayOfYear(d) - 1) / 365 - 0.5,
  week_of_year: (d: Date) => (isoWeek(d) - 1) / 52 - 0.5,
  month_of_year: (d: Date) => d.getUTCMonth() / 11 - 0.5,
} as const;
export type TimeFeatureName = keyof typeof TIME_FEATURES;

/** GluonTS's `time_features_from_frequency_str`. */
export function timeFeaturesForFrequency(f: Frequency): TimeFeatureName[] {
  switch (f.unit) {
    case 'min':
      return ['minute_of_hour', 'hour_of_day', 'day_of_week', 'day_of_month', 'day_of_year'];
    case 'H':
      return ['hour_of_day', 'day_of_week', 'day_of_month', 'day_of_year'];
    case 'D':
      return ['day_of_week', 'day_of_month', 'day_of_year'];
    case 'W':
      return ['day_of_month', 'week_of_year'];
    case 'M':
      return ['month_of_year'];
  }
}

/**
 * Per-position covariates of one series: time features, age, dynamic features.
 * shape: [length, timeFeatures.length + 1 + numDynamic], row i is position `first + i` from the start;
 * `ageOffset` is the number of points of the series before `startMs` (when only its tail is prepared);
 * rows before `from` are left 0 (not read by the caller).
 */
export function covariates(
  startMs: number,
  f: Frequency,
  timeFeatures: readonly TimeFeatureName[],
  first: number,
  length: number,
  dynamicFeat: ReadonlyArray<ArrayLike<number>> = [],
  ageOffset = 0,
  from = 0,
): Float64Array {
  const width = timeFeatures.length + 1 + dynamicFeat.length;
  const out = new Float64Array(length * width);
  const fns = timeFeatures.map((n) => TIME_FEATURES[n]);
  for (let i = from; i < length; i++) {
    const p = first + i;
    const d = new Date(timeAt(startMs, f, p));
    const o = i * width;
    for (let k = 0; k < fns.length; k++) out[o + k] = fns[k](d);
    out[o + fns.length] = Math.log10(2 + Math.max(p + ageOffset, 0));
    for (let k = 0; k < dynamicFeat.length; k++) {
      const v = p >= 0 && p < dynamicFeat[k].length ? dynamicFeat[k][p] : 0;
      out[o + fns.length + 1 + k] = Number.isFinite(v) ? v : 0;
    }
  }
  return out;
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
  return Math.ceil(((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86400000 + 1) / 7);
}
