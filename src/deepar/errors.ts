/**
 * Errors of the DeepAR module. Each `name` is a string literal: it is a contract (a state machine's
 * Retry/Catch matches it), so it must survive bundling. Too little data is the core's
 * InsufficientDataError: one class, whichever layer finds it.
 */
import { PipelineError } from '../core/errors';

/** A hyperparameter is unknown, missing or has a bad value. `parameter` names it. */
export class HyperparameterValidationError extends PipelineError {
  override readonly name = 'HyperparameterValidationError' as const;
  constructor(
    readonly parameter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`hyperparameter ${parameter}: ${message}`, options);
  }
}

/**
 * A DeepAR record is malformed. `line` is 1-based (JSON Lines); `instance` is 0-based (an endpoint
 * request's `instances`); `field` names the offending key.
 */
export class DataValidationError extends PipelineError {
  override readonly name = 'DataValidationError' as const;
  constructor(
    message: string,
    readonly details: { line?: number; instance?: number; field?: string; source?: string } = {},
    options?: { cause?: unknown },
  ) {
    const where = [
      details.source,
      details.line !== undefined ? `line ${details.line}` : undefined,
      details.instance !== undefined ? `instances[${details.instance}]` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    super(where ? `${where}: ${message}` : message, options);
  }
}

/** DEEPAR_INFERENCE_CONFIG or an endpoint request's configuration is invalid. */
export class InferenceConfigError extends PipelineError {
  override readonly name = 'InferenceConfigError' as const;
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`inference configuration ${field}: ${message}`, options);
  }
}

/** A model directory is missing files or holds an incompatible artifact. */
export class ModelArtifactError extends PipelineError {
  override readonly name = 'ModelArtifactError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A training job run in a worker thread failed. `name` is the original error's, carried across the
 * thread (e.g. HyperparameterValidationError, InsufficientDataError), so a Catch matches it as if the
 * job had run in this thread; a worker that dies without saying why is a 'TrainingJobError'.
 */
export class TrainingJobError extends PipelineError {
  constructor(
    override readonly name: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
