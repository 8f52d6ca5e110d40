/**
 * The fee series of the feature store over a bounded time range, one point per minute on a regular grid
 * (a missing minute is null, as the training extract has it NaN).
 */
import { formatMinute, MINUTE_MS } from '../../src/core/feature-record';
import { buildSeries } from '../../src/core/series';
import type { FeatureStore } from '../../src/ports/feature-store';
import { QueryError } from './errors';
import { checkedQuery, timeParameter } from './query';

/** A week of minutes: what one chart can show and one request can read without slowing the twin. */
export const MAX_FEE_RANGE_MINUTES = 7 * 24 * 60;
/** Shown when no range is asked for: the last 6 hours of data. */
export const DEFAULT_FEE_RANGE_MINUTES = 6 * 60;

export interface FeeRange {
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface FeeSeries {
  /** First minute, ISO 8601. */
  from: string;
  /** End of the range (exclusive), ISO 8601. */
  to: string;
  /** The minutes' starts, ISO 8601, one per minute from `from`. */
  minutes: string[];
  /** avg_fee_1min per minute; null where the minute is missing. */
  avgFee: Array<number | null>;
}

const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** `from` and `to` from the query (both optional; default: the 6 hours up to the latest stored minute). */
export function parseFeeRange(search: URLSearchParams, latestMinute: Date | undefined): FeeRange {
  const query = checkedQuery(search, ['from', 'to']);
  const defaultEnd = latestMinute ? latestMinute.getTime() + MINUTE_MS : floorMinute(Date.now());
  const to = query.has('to') ? floorMinute(timeParameter('to', query.get('to')!).getTime()) : defaultEnd;
  const from = query.has('from') ? floorMinute(timeParameter('from', query.get('from')!).getTime()) : to - DEFAULT_FEE_RANGE_MINUTES * MINUTE_MS;
  if (from >= to) throw new QueryError(query.has('from') ? 'from' : 'to', `"from" (${formatMinute(from)}) must be before "to" (${formatMinute(to)})`);
  const minutes = (to - from) / MINUTE_MS;
  if (minutes > MAX_FEE_RANGE_MINUTES) {
    const bound = query.has('from') ? 'from' : 'to';
    throw new QueryError(bound, `"from" ${formatMinute(from)} to "to" ${formatMinute(to)} spans ${minutes} minutes: at most ${MAX_FEE_RANGE_MINUTES} (7 days) per request; move "${bound}" closer`);
  }
  return { from: new Date(from), to: new Date(to) };
}

export async function feeSeries(featureStore: Pick<FeatureStore, 'getRecords'>, range: FeeRange): Promise<FeeSeries> {
  const count = (range.to.getTime() - range.from.getTime()) / MINUTE_MS;
  const minutes = Array.from({ length: count }, (_, i) => formatMinute(range.from.getTime() + i * MINUTE_MS));
  const records = await featureStore.getRecords(range);
  let avgFee: Array<number | null> = minutes.map(() => null);
  if (records.length > 0) {
    const { values } = buildSeries(records, { ...range, minValidPoints: 0 });
    avgFee = values.map((v) => (Number.isFinite(v) ? v : null));
  }
  return { from: range.from.toISOString(), to: range.to.toISOString(), minutes, avgFee };
}
