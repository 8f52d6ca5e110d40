/**
 * DeepAR's JSON Lines: one series per line,
 *   {"start": "YYYY-MM-DD HH:MM:SS", "target": [1.0, "NaN", null, …], "cat": [0, 2], "dynamic_feat": [[…], …]}
 * Missing targets are "NaN" or null. Errors name the line (1-based) and the field.
 */
import { DataValidationError } from './errors';
import { formatTimestamp, parseTimestamp } from './frequency';

export interface DeepARRecord {
  start: string;
  /** Parsed start, UTC ms. */
  startMs: number;
  /** Missing values are NaN. */
  target: number[];
  cat?: number[];
  dynamicFeat?: number[][];
}

/** Parses one JSON object (already decoded) as a DeepAR record; `where` locates it in error messages. */
export function parseRecord(value: unknown, line?: number, source?: string, where: { instance?: number } = {}): DeepARRecord {
  const fail = (field: string, message: string): never => {
    throw new DataValidationError(message, { line, field, source, ...where });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('', 'each line must be a JSON object');
  const o = value as Record<string, unknown>;
  if (typeof o.start !== 'string') fail('start', 'missing "start" (a string "YYYY-MM-DD HH:MM:SS")');
  const start = o.start as string;
  const startMs = parseTimestamp(start);
  if (!Number.isFinite(startMs)) fail('start', `"start" must be "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD", got "${start}"`);
  if (!Array.isArray(o.target)) fail('target', 'missing "target" (a list of numbers, "NaN" or null)');
  const target = (o.target as unknown[]).map((v, i) => {
    if (v === null || v === 'NaN' || v === 'nan') return NaN;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    return fail('target', `target[${i}] must be a number, "NaN" or null, got ${JSON.stringify(v)}`);
  });
  const record: DeepARRecord = { start, startMs, target };
  if (o.cat !== undefined) {
    const cat = Array.isArray(o.cat) ? o.cat : [o.cat];
    record.cat = cat.map((v, i) =>
      typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail('cat', `cat[${i}] must be a non-negative integer, got ${JSON.stringify(v)}`),
    );
  }
  if (o.dynamic_feat !== undefined) {
    if (!Array.isArray(o.dynamic_feat)) fail('dynamic_feat', '"dynamic_feat" must be a list of lists of numbers');
    record.dynamicFeat = (o.dynamic_feat as unknown[]).map((row, k) => {
      if (!Array.isArray(row)) return fail('dynamic_feat', `dynamic_feat[${k}] must be a list of numbers`);
      return row.map((v, i) =>
        typeof v === 'number' && Number.isFinite(v) ? v : fail('dynamic_feat', `dynamic_feat[${k}][${i}] must be a number (missing values are not allowed), got ${JSON.stringify(v)}`),
      );
    });
  }
  for (const key of Object.keys(o)) {
    if (!['start', 'target', 'cat', 'dynamic_feat'].includes(key)) fail(key, `unknown field "${key}"`);
  }
  return record;
}

/** Parses DeepAR JSON Lines text; blank lines are skipped. */
export function parseJsonLines(text: string, source?: string): DeepARRecord[] {
  const records: DeepARRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DataValidationError(`invalid JSON (${(e as Error).message})`, { line: i + 1, source });
    }
    records.push(parseRecord(value, i + 1, source));
  }
  return records;
}

/** Serializes records as DeepAR JSON Lines (missing targets as "NaN"). */
export function serializeJsonLines(records: ReadonlyArray<{ startMs: number; target: ArrayLike<number>; cat?: number[]; dynamicFeat?: number[][] }>): string {
  return records
    .map((r) => {
      const o: Record<string, unknown> = {
        start: formatTimestamp(r.startMs),
        target: Array.from(r.target, (v) => (Number.isFinite(v) ? v : 'NaN')),
      };
      if (r.cat) o.cat = r.cat;
      if (r.dynamicFeat) o.dynamic_feat = r.dynamicFeat;
      return JSON.stringify(o);
    })
    .join('\n') + '\n';
}
