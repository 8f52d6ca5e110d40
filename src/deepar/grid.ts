/**
 * Regularisation of timestamped observations onto the frequency's grid: buckets [t, t + step) aligned
 * to multiples of the step since the Unix epoch (months: calendar months), the value of a bucket is the
 * mean of its finite observations, and an empty bucket is missing (NaN).
 */
import { InsufficientDataError } from '../core/errors';
import { type Frequency, stepMinutes } from './frequency';

export interface RegularSeries {
  /** Start of the first bucket, UTC ms. */
  startMs: number;
  values: number[];
}

export function regularize(timesMs: readonly number[], values: readonly number[], f: Frequency): RegularSeries {
  const minutes = stepMinutes(f);
  const bucketOf = (t: number): number => {
    if (minutes !== undefined) return Math.floor(t / (minutes * 60000));
    const d = new Date(t);
    return Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / f.multiple);
  };
  const startOf = (b: number): number =>
    minutes !== undefined ? b * minutes * 60000 : Date.UTC(Math.floor((b * f.multiple) / 12), (b * f.multiple) % 12, 1);
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of timesMs) {
    const b = bucketOf(t);
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  if (!Number.isFinite(lo)) throw new InsufficientDataError('no timestamps to put on a grid');
  const n = hi - lo + 1;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (let i = 0; i < timesMs.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const b = bucketOf(timesMs[i]) - lo;
    sum[b] += v;
    count[b]++;
  }
  return { startMs: startOf(lo), values: Array.from(sum, (s, i) => (count[i] > 0 ? s / count[i] : NaN)) };
}
