/**
 * Query strings of the JSON API, checked strictly: a parameter the route does not know, a repeated one,
 * or a value of the wrong form is a QueryError naming it, never silently ignored.
 */
import { QueryError } from './errors';

/** The parameters present, after checking each is one the route accepts and appears once. */
export function checkedQuery(search: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of search) {
    if (!allowed.includes(name)) {
      const accepted = allowed.length ? `it accepts ${allowed.join(', ')}` : 'it accepts none';
      throw new QueryError(name, `unknown query parameter "${name}": ${accepted}`);
    }
    if (values.has(name)) throw new QueryError(name, `query parameter "${name}" is given more than once`);
    values.set(name, value);
  }
  return values;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with its zone (`2025-03-12T10:00:00Z`). */
export function timeParameter(name: string, value: string): Date {
  const ms = Date.parse(value);
  if (!ISO_8601.test(value) || !Number.isFinite(ms)) {
    throw new QueryError(name, `query parameter "${name}" must be an ISO 8601 time with its zone, like 2025-03-12T10:00:00Z; got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return new Date(ms);
}

/** A whole number from `min` to `max`. */
export function integerParameter(name: string, value: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new QueryError(name, `query parameter "${name}" must be a whole number from ${min} to ${max}; got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return n;
}
