/**
 * Errors of the core, and the base every layer's errors extend. An error's `name` is a contract: it is
 * what `ErrorEquals` in a state machine's Retry/Catch matches, so each is a string literal that survives
 * bundling and minification.
 */
import type { ApprovalRequest } from './approval';

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

export class ValidationError extends PipelineError {
  override readonly name = 'ValidationError' as const;
  constructor(
    message: string,
    readonly details: { recordId?: string; field?: string; line?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Too few valid points remain to train, evaluate or backtest. `found` and `needed` count points, when
 * the thrower knows them.
 */
export class InsufficientDataError extends PipelineError {
  override readonly name = 'InsufficientDataError' as const;
  constructor(
    message: string,
    readonly found?: number,
    readonly needed?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A decision came too late or twice: `request` is the approval request as it stands. */
export class ApprovalConflictError extends PipelineError {
  override readonly name = 'ApprovalConflictError' as const;
  constructor(
    readonly request: ApprovalRequest,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No approval request has this link's hash: mistyped or tampered with. */
export class ApprovalNotFoundError extends PipelineError {
  override readonly name = 'ApprovalNotFoundError' as const;
  constructor(options?: { cause?: unknown }) {
    super('no approval request has this link: it may be mistyped or tampered with', options);
  }
}
