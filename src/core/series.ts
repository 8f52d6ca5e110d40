/**
 * Feature records -> a clean per-minute series: ordered by minute, duplicates resolved (the latest
 * `event_time` wins), on a regular 1-minute grid with gaps as NaN. A record whose fee is negative,
 * infinite or not a number becomes a missing point and is reported with its id; only when too little
 * valid data remains is it an error.
 */
import { InsufficientDataError } from './errors';
import { FEATURE_GROUP, MINUTE_MS, formatMinute, parseEventTime, parseMinute, type StoredFeatureRecord } from './feature-record';

export interface InvalidRecord {
  recordId: string;
  field: string;
  value: unknown;
  problem: string;
}

export interface SeriesReport {
  /** Records read, duplicates included. */
  records: number;
  /** Older versions of a minute that a later event_time replaced. */
  duplicatesDropped: number;
  /** Points that could not be used, each with its record id and the field at fault. */
  invalid: InvalidRecord[];
  /** Grid minutes with no record at all. */
  missingMinutes: number;
  /** Grid minutes with a usable value. */
  validPoints: number;
}

export interface CleanSeries {
  /** Epoch ms of the first grid minute. */
  start: number;
  /** One value per minute from `start`, NaN where missing or invalid. shape: [length] */
  values: number[];
  report: SeriesReport;
}

export interface BuildSeriesOptions {
  /** First grid minute (inclusive); defaults to the earliest recorded minute. */
  from?: Date;
  /** End of the grid (exclusive); defaults to one minute after the latest recorded minute. */
  to?: Date;
  /** Fewer valid points than this is an InsufficientDataError (e.g. context_length + prediction_length). */
  minValidPoints?: number;
}

/** Parses a stored value: numbers pass, numeric strings are converted, anything else is undefined. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function describeFee(value: unknown): string | undefined {
  const n = toNumber(value);
  if (n === undefined) return value === undefined || value === null ? 'is missing' : 'is not a number';
  if (!Number.isFinite(n)) return 'is infinite';
  if (n < 0) return 'is negative';
  return undefined;
}

export function buildSeries(records: readonly StoredFeatureRecord[], options: BuildSeriesOptions = {}): CleanSeries {
  const invalid: InvalidRecord[] = [];
  // Latest version of each minute, keyed by epoch ms of the minute.
  const latest = new Map<number, { eventTime: number; order: number; record: StoredFeatureRecord }>();
  let duplicatesDropped = 0;

  records.forEach((record, order) => {
    const minute = parseMinute(record.tx_minute);
    if (minute === undefined) {
      invalid.push({
        recordId: String(record.tx_minute ?? `#${order}`),
        field: FEATURE_GROUP.recordIdentifier,
        value: record.tx_minute,
        problem: 'is not the start of a UTC minute',
      });
      return;
    }
    const eventTime = parseEventTime(record.event_time) ?? -Infinity;
    const seen = latest.get(minute);
    if (seen) duplicatesDropped++;
    // Ties keep the record read last, as a store returns later writes later.
    if (!seen || eventTime >= seen.eventTime) latest.set(minute, { eventTime, order, record });
  });

  const values = new Map<number, number>();
  for (const [minute, { record }] of latest) {
    const fee = record[FEATURE_GROUP.target];
    const problem = describeFee(fee);
    if (problem) {
      invalid.push({ recordId: formatMinute(minute), field: FEATURE_GROUP.target, value: fee, problem });
    } else {
      values.set(minute, toNumber(fee)!);
    }
  }

  // The grid spans every recorded minute: an invalid value is a missing point, not a shorter series.
  const minutes = [...latest.keys()].sort((a, b) => a - b);
  const start = options.from ? alignToMinute(options.from.getTime()) : minutes[0];
  const end = options.to ? alignToMinute(options.to.getTime() + MINUTE_MS - 1) : minutes.length ? minutes[minutes.length - 1] + MINUTE_MS : undefined;
  const needed = options.minValidPoints ?? 1;

  if (start === undefined || end === undefined || end <= start) {
    throw new InsufficientDataError(`found 0 valid points, need ${needed}${describeInvalid(invalid)}`, 0, needed);
  }

  const length = (end - start) / MINUTE_MS;
  const grid = new Array<number>(length).fill(NaN);
  let validPoints = 0;
  for (const [minute, value] of values) {
    if (minute < start || minute >= end) continue;
    grid[(minute - start) / MINUTE_MS] = value;
    validPoints++;
  }
  let recorded = 0;
  for (const minute of latest.keys()) if (minute >= start && minute < end) recorded++;

  if (validPoints < needed) {
    throw new InsufficientDataError(
      `found ${validPoints} valid points between ${formatMinute(start)} and ${formatMinute(end)}, need ${needed}` +
        describeInvalid(invalid),
      validPoints,
      needed,
    );
  }

  return {
    start,
    values: grid,
    report: { records: records.length, duplicatesDropped, invalid, missingMinutes: length - recorded, validPoints },
  };
}

function alignToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function describeInvalid(invalid: InvalidRecord[]): string {
  if (invalid.length === 0) return '';
  const first = invalid[0];
  return ` (${invalid.length} invalid record${invalid.length === 1 ? '' : 's'}, e.g. ${first.recordId}: ${first.field} ${first.problem})`;
}

/** Runs of consecutive missing minutes in a sorted list of minutes (epoch ms). */
export function findGaps(sortedMinutes: readonly number[]): Array<{ from: number; to: number; minutes: number }> {
  const gaps: Array<{ from: number; to: number; minutes: number }> = [];
  for (let i = 1; i < sortedMinutes.length; i++) {
    const missing = (sortedMinutes[i] - sortedMinutes[i - 1]) / MINUTE_MS - 1;
    if (missing > 0) gaps.push({ from: sortedMinutes[i - 1] + MINUTE_MS, to: sortedMinutes[i], minutes: missing });
  }
  return gaps;
}
