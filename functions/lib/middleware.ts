/**
 * What every Lambda entry point shares: parse the event with a zod schema (a bad event is a named
 * ValidationError that says where), and build AWS adapters once per container, on first use, so a
 * module can be imported (by tests, by the twin) without AWS configuration.
 */
import middy from '@middy/core';
import type { z } from 'zod';
import { ValidationError } from '../../src/core/errors';

export function parseEvent<T>(schema: z.ZodType<T>, event: unknown): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'the event';
  throw new ValidationError(`invalid event: ${where}: ${issue.message}`, { field: issue.path.join('.') });
}

/** A handler: middleware first, the work last. Task Lambdas return plain JSON and throw named errors. */
export function taskHandler<TEvent, TResult>(work: (event: TEvent) => Promise<TResult>) {
  return middy<TEvent, TResult>().handler(work);
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Builds a value on first call and keeps it: adapters are created once per Lambda container. */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}
