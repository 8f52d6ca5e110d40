/**
 * Errors of the core, and the base every layer's errors extend. An error's `name` is a contract: it is
 * what `ErrorEquals` in a state machine's Retry/Catch matches, so each is a string literal that survives
 * bundling and minification.
 */

/**
 * The base of the project's errors: a `name` that is a contract (set as a string literal by each
 * subclass, never derived from the class name, which minification rewrites) and the `cause` passed on.
 * One errors module per layer (core, ports, deepar, the twin's services) extends it.
 */
export abstract class PipelineError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ValidationError extends Error {
  override name = 'ValidationError' as const;
  constructor(
    message: string,
    readonly details: { recordId?: string; field?: string; line?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Too few valid points remain to train or evaluate. */
export class InsufficientDataError extends Error {
  override name = 'InsufficientDataError' as const;
  constructor(
    message: string,
    readonly found: number,
    readonly needed: number,
  ) {
    super(message);
  }
}
