/**
 * A small CSV reader for the backtest: header row, comma-separated, double-quoted fields allowed.
 * `readTimeSeries` picks a time column and a target column — or a ratio of two columns written
 * "a/b" (e.g. mempool_total_fee/mempool_count) — and reports bad input naming the row and column.
 * `lines` gives each observation's line in the file, for errors found later (a row far outside the others).
 */
import { DataValidationError } from './errors';
import { parseTimestamp } from './frequency';

export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const header = (rows.shift() ?? []).map((h) => h.trim());
  return { header, rows };
}

/** Parses a time cell: ISO 8601 / "YYYY-MM-DD HH:MM:SS" (UTC), or Unix seconds (or ms when ≥ 1e11). */
export function parseTimeCell(cell: string): number {
  const s = cell.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n >= 1e11 ? n : n * 1000;
  }
  return parseTimestamp(s);
}

export function readTimeSeries(
  text: string, timeColumn: string, targetColumn: string, source = 'the CSV',
): { timesMs: number[]; values: number[]; lines: number[] } {
  const { header, rows } = parseCsv(text);
  const col = (name: string, option: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new DataValidationError(`${option} "${name}" is not a column of ${source} (columns: ${header.join(', ')})`, { field: name, source });
    return i;
  };
  const ti = col(timeColumn, '--time-column');
  const parts = header.includes(targetColumn) ? [targetColumn] : targetColumn.split('/').map((s) => s.trim());
  if (parts.length > 2) throw new DataValidationError(`--target-column "${targetColumn}" must be one column or a ratio "a/b"`, { field: targetColumn });
  const vi = parts.map((p) => col(p, '--target-column'));
  const timesMs: number[] = [];
  const values: number[] = [];
  const lines: number[] = [];
  rows.forEach((r, k) => {
    const line = k + 2;
    const t = parseTimeCell(r[ti] ?? '');
    if (!Number.isFinite(t)) {
      throw new DataValidationError(`cannot parse time "${r[ti] ?? ''}" in column ${timeColumn} (expected ISO 8601 or Unix seconds)`, { line, field: timeColumn, source });
    }
    const num = (i: number): number => {
      const cell = (r[i] ?? '').trim();
      if (cell === '' || /^(nan|na|null)$/i.test(cell)) return NaN;
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new DataValidationError(`"${cell}" in column ${header[i]} is not a number`, { line, field: header[i], source });
      return v;
    };
    timesMs.push(t);
    lines.push(line);
    values.push(vi.length === 1 ? num(vi[0]) : num(vi[0]) / num(vi[1]));
  });
  return { timesMs, values, lines };
}
