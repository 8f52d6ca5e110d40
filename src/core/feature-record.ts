/**
 * The feature group's schema, as the seed system defined it: one record per minute, identified by the
 * minute itself. The record identifier is `tx_minute`, the event time `event_time`, the target
 * `avg_fee_1min` (satoshi per transaction).
 */
import { ValidationError } from './errors';

export const FEATURE_GROUP = {
  recordIdentifier: 'tx_minute',
  eventTime: 'event_time',
  target: 'avg_fee_1min',
  features: [
    { name: 'tx_minute', type: 'String' },
    { name: 'total_nb_trx_1min', type: 'Integral' },
    { name: 'total_fee_1min', type: 'Fractional' },
    { name: 'avg_fee_1min', type: 'Fractional' },
    { name: 'event_time', type: 'String' },
  ],
} as const;

export type FeatureName = (typeof FEATURE_GROUP.features)[number]['name'];

/** A valid record, as written by ingestion. */
export interface FeatureRecord {
  /** Start of the minute, UTC, `YYYY-MM-DDTHH:MM:00Z`. */
  tx_minute: string;
  total_nb_trx_1min: number;
  total_fee_1min: number;
  avg_fee_1min: number;
  /** When the record was produced, ISO 8601 UTC: among duplicates of a minute the latest wins. */
  event_time: string;
}

/** A record as read back from a store: values arrive as stored (strings from Feature Store) and may be bad. */
export type StoredFeatureRecord = Partial<Record<FeatureName, string | number | null>>;

const MINUTE_MS = 60_000;
const MINUTE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):00(?:\.000)?Z$/;

/** `YYYY-MM-DDTHH:MM:00Z` for the minute that contains `time`. */
export function formatMinute(time: number | Date): string {
  const ms = typeof time === 'number' ? time : time.getTime();
  return new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString().replace('.000Z', 'Z');
}

/** Epoch milliseconds of a `tx_minute`, or undefined when it is not the start of a valid UTC minute. */
export function parseMinute(value: unknown): number | undefined {
  if (typeof value !== 'string' || !MINUTE_PATTERN.test(value)) return undefined;
  const ms = Date.parse(value);
  // Date.parse rolls 2025-02-30 over to March: a real minute formats back to itself.
  return Number.isNaN(ms) || formatMinute(ms) !== value.replace('.000Z', 'Z') ? undefined : ms;
}

/** Feature Store's String EventTime: `yyyy-MM-dd'T'HH:mm:ssZ` or `yyyy-MM-dd'T'HH:mm:ss.SSSZ`, nothing else. */
const EVENT_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
export const EVENT_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss[.SSS]Z";

/** Epoch milliseconds of an event time in Feature Store's format, or undefined (offsets, no seconds, microseconds, 30 February). */
/**
 * The first and last minutes stored among `records` (epoch ms), a record with a bad fee included: a window's
 * series starts at its first stored minute (training reads a bad fee as a missing value, not as a later
 * start). Both undefined when nothing is stored. A loop, not Math.min(...): a window holds up to 86,400.
 */
export function storedMinuteRange(records: readonly { tx_minute?: unknown }[]): { first?: number; last?: number } {
  let first: number | undefined;
  let last: number | undefined;
  for (const record of records) {
    const minute = parseMinute(record.tx_minute);
    if (minute === undefined) continue;
    if (first === undefined || minute < first) first = minute;
    if (last === undefined || minute > last) last = minute;
  }
  return { first, last };
}

export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !EVENT_TIME_PATTERN.test(value)) return undefined;
  const ms = Date.parse(value);
  // Date.parse rolls 2025-02-30 over to March: a real time formats back to itself.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== value.slice(0, 19)) return undefined;
  return ms;
}

/**
 * Checks a record before it is written. Throws a ValidationError naming the record (its position in
 * the batch and its id) and the field, so a caller can reject the whole batch before anything is stored.
 */
export function validateFeatureRecord(record: unknown, position: number): FeatureRecord {
  const where = (id?: unknown) => `record ${position}${typeof id === 'string' && id ? ` (tx_minute ${id})` : ''}`;
  if (typeof record !== 'object' || record === null) {
    throw new ValidationError(`${where()} is not an object`, { line: position });
  }
  const r = record as Record<string, unknown>;
  const fail = (field: string, problem: string): never => {
    throw new ValidationError(`${where(r.tx_minute)}: ${field} ${problem}`, {
      recordId: typeof r.tx_minute === 'string' ? r.tx_minute : undefined,
      field,
      line: position,
    });
  };
  if (r.tx_minute === undefined || r.tx_minute === null || r.tx_minute === '') fail('tx_minute', 'is missing');
  if (parseMinute(r.tx_minute) === undefined) {
    fail('tx_minute', `is ${JSON.stringify(r.tx_minute)}, not the start of a UTC minute like 2025-03-05T02:12:00Z`);
  }
  if (parseEventTime(r.event_time) === undefined) {
    fail('event_time', `is ${JSON.stringify(r.event_time)}, not Feature Store's ${EVENT_TIME_FORMAT} (UTC), like 2025-03-05T02:13:00.000Z`);
  }
  const count = r.total_nb_trx_1min;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    fail('total_nb_trx_1min', `is ${JSON.stringify(count)}, not a non-negative integer`);
  }
  for (const field of ['total_fee_1min', 'avg_fee_1min'] as const) {
    const value = r[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `is ${JSON.stringify(value)}, not a finite number`);
    if ((value as number) < 0) fail(field, `is ${value}, a negative fee`);
  }
  return {
    // One spelling per minute (…:00Z, not …:00.000Z): it is the record identifier in Feature Store.
    tx_minute: formatMinute(parseMinute(r.tx_minute)!),
    total_nb_trx_1min: count as number,
    total_fee_1min: r.total_fee_1min as number,
    avg_fee_1min: r.avg_fee_1min as number,
    event_time: r.event_time as string,
  };
}

/** Validates a whole batch first: one bad record rejects the batch before any is written. */
export function validateFeatureRecords(records: readonly unknown[]): FeatureRecord[] {
  return records.map((record, i) => validateFeatureRecord(record, i));
}

export { MINUTE_MS };
