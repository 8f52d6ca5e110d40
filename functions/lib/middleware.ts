/**
 * What every Lambda entry point shares, as middy middleware: Powertools' Logger with the invocation's
 * context, the event parsed with a zod schema (a bad event is a named ValidationError that says where),
 * errors logged by name and passed on unchanged (a state machine's Retry/Catch matches that name).
 * AWS adapters are built once per container, on first use, so a module can be imported (by tests, by
 * the twin) without AWS configuration.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { ValidationError } from '../../src/core/errors';

export function parseEvent<T>(schema: z.ZodType<T>, event: unknown): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'the event';
  throw new ValidationError(`invalid event: ${where}: ${issue.message}`, { field: issue.path.join('.') });
}

/**
 * Powertools' Logger with the invocation's context (request id, cold start), its keys reset after each
 * invocation. Never the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry task tokens and
 * CloudFormation's presigned URLs.
 */
export function lambdaContext(logger: Logger) {
  return injectLambdaContext(logger, { resetKeys: true, logEvent: false });
}

/** Replaces the event with what the schema parses from it, or throws the ValidationError. */
export function parser(schema: z.ZodType): MiddlewareObj {
  return {
    before: (request) => {
      request.event = parseEvent(schema, request.event);
    },
  };
}

/** Logs a failed invocation by the error's name and message (never the event: it may carry a task token). */
export function errorLogger(logger: Logger): MiddlewareObj {
  return {
    onError: (request) => {
      const { name, message } = request.error instanceof Error ? request.error : new Error(String(request.error));
      logger.error('task failed', { error: name, detail: message });
    },
  };
}

/** A task Lambda: middleware first, one use case last. It returns plain JSON and throws named errors. */
export function taskHandler<S extends z.ZodType, TResult>(options: { schema: S; logger: Logger }, work: (input: z.output<S>) => Promise<TResult>) {
  return (
    middy<unknown, TResult>()
      .use(lambdaContext(options.logger))
      .use(errorLogger(options.logger))
      .use(parser(options.schema))
      // The parser replaced the event with the parsed input.
      .handler((event) => work(event as z.output<S>))
  );
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
