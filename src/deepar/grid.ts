/**
 * Regularisation of timestamped observations onto the frequency's grid: buckets [t, t + step) aligned
 * to multiples of the step since the Unix epoch (months: calendar months), the value of a bucket is the
 * mean of its finite observations, and an empty bucket is missing (NaN).
 *
 * The grid spans the first to the last observation, so one mistyped date (1970-01-01 among 2025's rows)
 * would make it millions of empty points and a meaningless score: such a row is refused, named, before any
 * grid is built, and no grid holds more than MAX_GRID_POINTS.
 */
import { InsufficientDataError } from '../core/errors';
import { DataValidationError } from './errors';
import { type Frequency, formatTimestamp, stepMinutes } from './frequency';

/** About two years of minutes: 8 MB of values, far beyond any series the backtest trains on. */
export const MAX_GRID_POINTS = 1_000_000;
/** An end row this many steps (or more) from its neighbour, and farther than all the others span, is "far outside". */
const OUTLIER_MIN_STEPS = 100;

export interface RegularSeries {
  /** Start of the first bucket, UTC ms. */
  startMs: number;
  values: number[];
}

export interface RegularizeOptions {
  /** Default MAX_GRID_POINTS. */
  maxPoints?: number;
  /** Where observation `i` came from, for the error that names it (e.g. a CSV's line and file). */
  whereIs?: (i: number) => { line?: number; field?: string; source?: string };
}

export function regularize(timesMs: readonly number[], values: readonly number[], f: Frequency, opts: RegularizeOptions = {}): RegularSeries {
  const minutes = stepMinutes(f);
  const bucketOf = (t: number): number => {
    if (minutes !== undefined) return Math.floor(t / (minutes * 60000));
    const d = new Date(t);
    return Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / f.multiple);
  };
  const startOf = (b: number): number =>
    minutes !== undefined ? b * minutes * 60000 : Date.UTC(Math.floor((b * f.multiple) / 12), (b * f.multiple) % 12, 1);
  const buckets = Float64Array.from(timesMs, bucketOf);
  if (buckets.length === 0) throw new InsufficientDataError('no timestamps to put on a grid');
  checkSpan(buckets, timesMs, f, opts, startOf);
  const [lo, hi] = minMax(buckets);
  const n = hi - lo + 1;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (let i = 0; i < timesMs.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const b = buckets[i] - lo;
    sum[b] += v;
    count[b]++;
  }
  return { startMs: startOf(lo), values: Array.from(sum, (s, i) => (count[i] > 0 ? s / count[i] : NaN)) };
}

function minMax(buckets: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of buckets) {
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  return [lo, hi];
}

/**
 * Refuses an end row far outside the others (a gap of at least OUTLIER_MIN_STEPS steps, wider than all the
 * other rows span) and any grid beyond `maxPoints`, naming the row farthest out and the grid's size.
 */
function checkSpan(buckets: Float64Array, timesMs: readonly number[], f: Frequency, opts: RegularizeOptions, startOf: (b: number) => number): void {
  const maxPoints = opts.maxPoints ?? MAX_GRID_POINTS;
  const [lo, hi] = minMax(buckets);
  const points = hi - lo + 1;
  const sorted = Float64Array.from(buckets).sort();
  const last = sorted.length - 1;
  // The end row with the wider gap to its neighbour is the suspect.
  const gapLow = last >= 1 ? sorted[1] - sorted[0] : 0;
  const gapHigh = last >= 1 ? sorted[last] - sorted[last - 1] : 0;
  const suspectIsLow = gapLow >= gapHigh;
  const gap = suspectIsLow ? gapLow : gapHigh;
  const othersSpan = last >= 2 ? (suspectIsLow ? sorted[last] - sorted[1] : sorted[last - 1] - sorted[0]) : 0;
  const isOutlier = last >= 2 && gap >= OUTLIER_MIN_STEPS && gap > othersSpan;
  if (!isOutlier && points <= maxPoints) return;
  const suspectBucket = suspectIsLow ? lo : hi;
  const index = buckets.indexOf(suspectBucket);
  const others = suspectIsLow ? [sorted[1], sorted[last]] : [sorted[0], sorted[last - 1]];
  const grid = `the ${f.text} grid from ${formatTimestamp(startOf(lo))} to ${formatTimestamp(startOf(hi))} would hold ${points.toLocaleString('en-US')} points (at most ${maxPoints.toLocaleString('en-US')})`;
  const where = opts.whereIs?.(index) ?? {};
  const row = where.line !== undefined ? 'the row' : `observation ${index}`;
  const message = isOutlier
    ? `time ${formatTimestamp(timesMs[index])} lies ${gap.toLocaleString('en-US')} steps of ${f.text} from the other rows (${formatTimestamp(startOf(others[0]))} .. ${formatTimestamp(startOf(others[1]))}), farther than they span: a mistyped date? Correct or remove ${row}; ${grid}`
    : `${grid}: too long a span for ${f.text}; the row farthest out is at ${formatTimestamp(timesMs[index])}. Use a coarser frequency or a shorter range`;
  throw new DataValidationError(message, { line: where.line, field: where.field, source: where.source });
}
