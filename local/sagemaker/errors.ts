/**
 * Errors of the local SageMaker. `name` is SageMaker's error code, so a state machine's Retry/Catch
 * (`SageMaker.ValidationException`, `SageMaker.ResourceInUse`, ...) and SDK-style checks
 * (`error.name === 'ResourceNotFound'`) match it as they would the real service's.
 */
import { PipelineError } from '../../src/core/errors';

export const SAGEMAKER_ERROR_CODES = [
  'ValidationException',
  'ResourceInUse',
  'ResourceNotFound',
  'ResourceLimitExceeded',
  'ThrottlingException',
] as const;

export type SageMakerErrorCode = (typeof SAGEMAKER_ERROR_CODES)[number];

export class SageMakerServiceError extends PipelineError {
  /** As the SDK's ServiceException: every one of these is the caller's fault. */
  readonly $fault = 'client' as const;

  constructor(
    override readonly name: SageMakerErrorCode,
    message: string,
    /** The request field at fault, e.g. `InputDataConfig[0].DataSource.S3DataSource.S3Uri`. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SageMaker's wording for one failed constraint: `1 validation error detected: Value 'x' at 'Field' failed to satisfy constraint: ...`. */
export function validationError(field: string, value: unknown, constraint: string): SageMakerServiceError {
  const shown = value === undefined ? 'null' : typeof value === 'string' ? value : JSON.stringify(value);
  return new SageMakerServiceError(
    'ValidationException',
    `1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${constraint}`,
    field,
  );
}

/** A request that is well formed but refers to something that does not fit (a missing object, model, group...). */
export function invalid(message: string, field?: string): SageMakerServiceError {
  return new SageMakerServiceError('ValidationException', message, field);
}

export function resourceInUse(message: string, field?: string): SageMakerServiceError {
  return new SageMakerServiceError('ResourceInUse', message, field);
}

export function resourceNotFound(message: string, field?: string): SageMakerServiceError {
  return new SageMakerServiceError('ResourceNotFound', message, field);
}

export function resourceLimitExceeded(message: string): SageMakerServiceError {
  return new SageMakerServiceError('ResourceLimitExceeded', message);
}

export function isSageMakerServiceError(e: unknown): e is SageMakerServiceError {
  return e instanceof SageMakerServiceError;
}
