/** Errors every adapter of a port throws in the same situation, so callers need not know the technology. */
import { PipelineError } from '../core/errors';

export class ObjectNotFoundError extends PipelineError {
  override readonly name = 'ObjectNotFoundError' as const;
  constructor(readonly uri: string, options?: { cause?: unknown }) {
    super(`no object at ${uri}`, options);
  }
}

export class ParameterNotFoundError extends PipelineError {
  override readonly name = 'ParameterNotFoundError' as const;
  constructor(readonly parameterName: string, version?: number, options?: { cause?: unknown }) {
    super(`no parameter ${parameterName}${version === undefined ? '' : ` at version ${version}`}`, options);
  }
}

export class ParameterAlreadyExistsError extends PipelineError {
  override readonly name = 'ParameterAlreadyExistsError' as const;
  constructor(readonly parameterName: string, options?: { cause?: unknown }) {
    super(`parameter ${parameterName} already exists and overwrite was not asked for`, options);
  }
}

/** A store answered with a failure the adapter could not retry away. */
export class StoreError extends PipelineError {
  override readonly name = 'StoreError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Task callbacks: nothing waits for this token any more (timed out, stopped or already completed). */
export class TaskNoLongerWaitingError extends PipelineError {
  override readonly name = 'TaskNoLongerWaitingError' as const;
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`the pipeline is no longer waiting for this decision (${reason}): its wait timed out, was stopped or was already completed`, options);
  }
}
