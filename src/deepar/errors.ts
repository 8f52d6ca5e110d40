/**
 * Errors of the DeepAR module. Each `name` is a string literal: it is a contract (a state machine's
 * Retry/Catch matches it), so it must survive bundling.
 */

/** A hyperparameter is unknown, missing or has a bad value. `parameter` names it. */
export class HyperparameterValidationError extends Error {
  override name = 'HyperparameterValidationError' as const;
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`hyperparameter ${parameter}: ${message}`);
  }
}

/**
 * A DeepAR record is malformed. `line` is 1-based (JSON Lines); `instance` is 0-based (an endpoint
 * request's `instances`); `field` names the offending key.
 */
export class DataValidationError extends Error {
  override name = 'DataValidationError' as const;
  constructor(
    message: string,
    readonly details: { line?: number; instance?: number; field?: string; source?: string } = {},
  ) {
    const where = [
      details.source,
      details.line !== undefined ? `line ${details.line}` : undefined,
      details.instance !== undefined ? `instances[${details.instance}]` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    super(where ? `${where}: ${message}` : message);
  }
}

/** DEEPAR_INFERENCE_CONFIG or an endpoint request's configuration is invalid. */
export class InferenceConfigError extends Error {
  override name = 'InferenceConfigError' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`inference configuration ${field}: ${message}`);
  }
}

/** Too little data to train, evaluate or backtest. */
export class InsufficientDataError extends Error {
  override name = 'InsufficientDataError' as const;
  constructor(message: string) {
    super(message);
  }
}

/** A model directory is missing files or holds an incompatible artifact. */
export class ModelArtifactError extends Error {
  override name = 'ModelArtifactError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
