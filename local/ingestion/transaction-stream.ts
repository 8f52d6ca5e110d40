/**
 * The per-minute transaction stream the replay derives from 5-minute mempool snapshots, aggregated the
 * way the seed system's one-minute window did (count, total fee, average fee).
 *
 * The snapshots give the real level of the average fee; the individual transactions are synthesised
 * around it: for each minute, the number of arrivals is Poisson with a rate that follows the mempool's
 * size, and each fee is log-normal with its mean at the average fee interpolated (in log space) between
 * the snapshots around the minute. Each minute has its own seed, so any minute regenerates identically,
 * whatever point a replay starts or resumes from.
 */
import { MINUTE_MS, formatMinute, type FeatureRecord } from '../../src/core/feature-record';
import type { MempoolSnapshot } from './mempool-history';

export interface StreamOptions {
  seed?: number;
  /** Spread of individual fees around the minute's level (log-normal sigma). */
  feeSigma?: number;
  /** Arrivals per minute per waiting transaction, clamped to [minRate, maxRate]. */
  ratePerWaiting?: number;
  minRate?: number;
  maxRate?: number;
}

const DEFAULTS: Required<StreamOptions> = { seed: 42, feeSigma: 0.8, ratePerWaiting: 1 / 50, minRate: 20, maxRate: 600 };

/** mulberry32: small, fast, good enough for simulation, and reproducible across platforms. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function standardNormal(random: () => number): number {
  // Box-Muller; 1 - u keeps log away from 0.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function poisson(rate: number, random: () => number): number {
  if (rate > 30) return Math.max(0, Math.round(rate + Math.sqrt(rate) * standardNormal(random)));
  const limit = Math.exp(-rate);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

/** The snapshots' level at a time: log-linear interpolation of the average fee, linear for the count. */
export function levelAt(history: readonly MempoolSnapshot[], time: number): { avgFee: number; count: number } | undefined {
  if (time < history[0].time || time > history[history.length - 1].time) return undefined;
  let lo = 0;
  let hi = history.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (history[mid].time <= time) lo = mid;
    else hi = mid;
  }
  const a = history[lo];
  const b = history[hi];
  const w = b.time === a.time ? 0 : (time - a.time) / (b.time - a.time);
  return {
    avgFee: Math.exp((1 - w) * Math.log(a.avgFee) + w * Math.log(b.avgFee)),
    count: (1 - w) * a.count + w * b.count,
  };
}

/** Fees (satoshi) of the transactions that arrived in the minute starting at `minute`. */
export function transactionsInMinute(history: readonly MempoolSnapshot[], minute: number, options: StreamOptions = {}): number[] | undefined {
  const o = { ...DEFAULTS, ...options };
  const level = levelAt(history, minute + MINUTE_MS / 2);
  if (!level) return undefined;
  const random = mulberry32(o.seed ^ Math.floor(minute / MINUTE_MS));
  const rate = Math.min(o.maxRate, Math.max(o.minRate, level.count * o.ratePerWaiting));
  const n = poisson(rate, random);
  const mu = Math.log(level.avgFee) - (o.feeSigma * o.feeSigma) / 2; // so the mean fee is the level
  return Array.from({ length: n }, () => Math.round(Math.exp(mu + o.feeSigma * standardNormal(random))));
}

/** The one-minute window's aggregate, as the seed system wrote it to the feature group. */
export function aggregateMinute(minute: number, fees: readonly number[], eventTime: number): FeatureRecord {
  const total = fees.reduce((s, f) => s + f, 0);
  return {
    tx_minute: formatMinute(minute),
    total_nb_trx_1min: fees.length,
    total_fee_1min: total,
    // A minute with no transaction has no average: 0 keeps the record valid; the rate floor makes it rare.
    avg_fee_1min: fees.length ? total / fees.length : 0,
    event_time: new Date(eventTime).toISOString(),
  };
}

/** The feature record for a minute, or undefined outside the history. Its event time is the minute's close. */
export function recordForMinute(history: readonly MempoolSnapshot[], minute: number, options: StreamOptions = {}): FeatureRecord | undefined {
  const fees = transactionsInMinute(history, minute, options);
  return fees && aggregateMinute(minute, fees, minute + MINUTE_MS);
}

/** First and last (exclusive) minute the history covers. */
export function historyMinutes(history: readonly MempoolSnapshot[]): { first: number; end: number } {
  const first = Math.ceil(history[0].time / MINUTE_MS) * MINUTE_MS;
  const end = Math.floor((history[history.length - 1].time - MINUTE_MS / 2) / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { first, end };
}
