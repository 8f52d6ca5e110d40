/**
 * The one naming rule for the executions the twin starts: `<prefix>-<yyyymmddThhmm>-<6 hex>`, the time
 * being the twin clock's, so a name says what it is and when, and two starts in a minute differ.
 * Step Functions allows 80 characters of `[A-Za-z0-9_-]`; a long prefix is cut, never the unique tail.
 */
import { randomBytes } from 'node:crypto';

const MAX_NAME_LENGTH = 80;
const RESUMED_MARK = /-resumed-\d{8}T\d{4}-[0-9a-f]{6}$/;

export function executionName(prefix: string, at: Date): string {
  const tail = `${at.toISOString().replace(/[-:]/g, '').slice(0, 13)}-${randomBytes(3).toString('hex')}`;
  return `${prefix.slice(0, MAX_NAME_LENGTH - tail.length - 1)}-${tail}`;
}

/** A new start of an interrupted execution: its name, marked resumed (once, however often it is resumed). */
export function resumedExecutionName(original: string, at: Date): string {
  return executionName(`${original.replace(RESUMED_MARK, '')}-resumed`, at);
}
