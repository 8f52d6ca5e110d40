/** The twin's errors: one base, and each `name` exactly what Retry/Catch, the SDK's callers and the tests match. */
import { BacktestOptionError } from '../../local/commands/backtest';
import { StatesError, StepFunctionsApiError, TaskFailure } from '../../local/executor/errors';
import { HttpError } from '../../local/http/server';
import { EndpointInvocationError } from '../../local/sagemaker/endpoint-request';
import { invalid, resourceInUse } from '../../local/sagemaker/errors';
import { PipelineError } from '../../src/core/errors';

describe('The twin’s errors', () => {
  it.each([
    ['ExecutionDoesNotExist', new StepFunctionsApiError('ExecutionDoesNotExist', 'Execution Does Not Exist')],
    ['States.Timeout', new StatesError('States.Timeout', 'the task timed out waiting for its token')],
    ['SageMaker.AmazonSageMakerException', new TaskFailure('SageMaker.AmazonSageMakerException', 'ThrottlingException: slow down')],
    ['ValidationException', invalid('Could not find model')],
    ['ResourceInUse', resourceInUse('Job name must be unique')],
    ['ModelError', new EndpointInvocationError('ModelError', 'bad body', 400)],
    ['HttpError', new HttpError(404, 'not found')],
    ['BacktestOptionError', new BacktestOptionError('--freq 7q is not a frequency')],
  ])('%s is a PipelineError under that name', (name, error) => {
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.name).toBe(name);
  });
});
