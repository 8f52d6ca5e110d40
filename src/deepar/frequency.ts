/**
 * SageMaker DeepAR's `time_freq`: M, W, D, H or min with an optional integer multiple (5min, 2H).
 * Timestamps are UTC; "YYYY-MM-DD HH:MM:SS" strings carry no zone and are read as UTC.
 */
export type FrequencyUnit = 'min' | 'H' | 'D' | 'W' | 'M';

export interface Frequency {
  unit: FrequencyUnit;
  multiple: number;
  /** The original string, e.g. "5min". */
  text: string;
}

const UNIT_MINUTES: Record<Exclude<FrequencyUnit, 'M'>, number> = { min: 1, H: 60, D: 1440, W: 10080 };

export function parseFrequency(text: string): Frequency {
  const m = /^([1-9]\d*)?(min|H|D|W|M)$/.exec(text.trim());
  if (!m) throw new Error(`must be M, W, D, H or min with an optional integer multiple (e.g. 5min, 1H), got "${text}"`);
  return { unit: m[2] as FrequencyUnit, multiple: m[1] ? Number(m[1]) : 1, text: text.trim() };
}

/** The length of one step in minutes, or undefined for months. */
export function stepMinutes(f: Frequency): number | undefined {
  return f.unit === 'M' ? undefined : UNIT_MINUTES[f.unit] * f.multiple;
}

/** The time (ms since epoch) of the point `index` steps after `startMs` (index may be negative). */
export function timeAt(startMs: number, f: Frequency, index: number): number {
  const minutes = stepMinutes(f);
  if (minutes !== undefined) return startMs + index * minutes * 60000;
  const d = new Date(startMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + index * f.multiple, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

/** Parses "YYYY-MM-DD HH:MM:SS" (or "YYYY-MM-DD", or ISO 8601 with T/Z) as UTC ms; NaN when unparsable. */
export function parseTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]00:?00)?$/.exec(text.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(ms).getUTCDate() === d ? ms : NaN;
}

/** Formats UTC ms as "YYYY-MM-DD HH:MM:SS". */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The number of steps per day, used as the seasonal naive's season (at least 1). */
export function stepsPerDay(f: Frequency): number {
  const minutes = stepMinutes(f);
  return minutes === undefined ? 1 : Math.max(1, Math.round(1440 / minutes));
}
