/**
 * Errors of the core. An error's `name` is a contract: it is what `ErrorEquals` in a state machine's
 * Retry/Catch matches, so each is a string literal that survives bundling and minification.
 */

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
