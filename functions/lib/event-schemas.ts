/** Schemas for the fields state machines pass to several handlers, so each is checked the same way everywhere. */
import { z } from 'zod';

/** A time as the machines pass it (`$$.Execution.StartTime`, a parameter): an ISO 8601 string. */
export const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time');

/** ListExecutions' timestamps: an ISO string, or epoch seconds (the API's wire form) or milliseconds. */
export const executionTimestamp = z.union([z.string(), z.number()], { message: 'expected an ISO 8601 time or epoch seconds' }).transform((v, ctx) => {
  const date = typeof v === 'number' ? new Date(v < 1e11 ? v * 1000 : v) : new Date(v);
  if (Number.isFinite(date.getTime()) && date.getTime() > 0) return date;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected an ISO 8601 time or epoch seconds, got ${JSON.stringify(v)}` });
  return z.NEVER;
});
