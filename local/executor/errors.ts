/**
 * Errors of the twin's Step Functions. Each carries the name AWS gives it, since that name is what a
 * definition's Retry/Catch (`ErrorEquals`) and the SDK's callers match. Errors handed to the executor
 * carry no `cause`: aws-local-stepfunctions reports `cause ?? message` as the state's Cause.
 */
import { PipelineError } from '../../src/core/errors';

/** The Step Functions API's own exceptions, as the SDK names them. */
export type StepFunctionsApiErrorName = 'StateMachineDoesNotExist' | 'InvalidName' | 'ExecutionAlreadyExists' | 'ExecutionDoesNotExist' | 'ExecutionNotRedrivable';

export class StepFunctionsApiError extends PipelineError {
  constructor(
    override readonly name: StepFunctionsApiErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** A runtime error of the States language: `States.Timeout`, `States.TaskFailed`, `States.Aborted`. */
export class StatesError extends PipelineError {
  constructor(
    override readonly name: `States.${string}`,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A Task's failure under the name its integration reports: a Lambda's errorType, SendTaskFailure's
 * error, `SageMaker.AmazonSageMakerException`... Names come from the task, so any string goes.
 */
export class TaskFailure extends PipelineError {
  constructor(
    override readonly name: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
