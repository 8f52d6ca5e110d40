/** Test data builders ("mothers") for feature records. */
import type { FeatureRecord } from '../../src/core/feature-record';
import { formatMinute } from '../../src/core/feature-record';

export const T0 = Date.parse('2025-03-05T00:00:00Z');

export function aRecord(minuteIndex: number, overrides: Partial<FeatureRecord> = {}): FeatureRecord {
  const minute = T0 + minuteIndex * 60_000;
  const count = 100 + minuteIndex;
  const avg = 1000 + 10 * minuteIndex;
  return {
    tx_minute: formatMinute(minute),
    total_nb_trx_1min: count,
    total_fee_1min: count * avg,
    avg_fee_1min: avg,
    event_time: new Date(minute + 60_000).toISOString(),
    ...overrides,
  };
}

export function recordsFor(minuteIndexes: Iterable<number>): FeatureRecord[] {
  return [...minuteIndexes].map((i) => aRecord(i));
}

export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}
