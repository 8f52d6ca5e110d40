/**
 * Every layer's errors share one base, keep the `name` a state machine's Retry/Catch matches, and pass
 * the `cause` on, so a log shows what went wrong underneath.
 */
import {
  ApprovalConflictError,
  ApprovalNotFoundError,
  InsufficientDataError,
  PipelineError,
  ValidationError,
} from '../../src/core/errors';
import {
  DataValidationError,
  HyperparameterValidationError,
  InferenceConfigError,
  ModelArtifactError,
  TrainingJobError,
} from '../../src/deepar/errors';
import {
  ObjectNotFoundError,
  ParameterAlreadyExistsError,
  ParameterNotFoundError,
  StoreError,
  TaskNoLongerWaitingError,
} from '../../src/ports/errors';
import { aRequest } from '../builders/approvals';

const cause = new Error('underneath');

const ERRORS: Array<[string, PipelineError]> = [
  ['ValidationError', new ValidationError('bad record', {}, { cause })],
  ['InsufficientDataError', new InsufficientDataError('too few', 3, 60, { cause })],
  ['ApprovalConflictError', new ApprovalConflictError(aRequest(), 'already approved', { cause })],
  ['ApprovalNotFoundError', new ApprovalNotFoundError({ cause })],
  ['ObjectNotFoundError', new ObjectNotFoundError('s3://bucket/key', { cause })],
  ['ParameterNotFoundError', new ParameterNotFoundError('/p', undefined, { cause })],
  ['ParameterAlreadyExistsError', new ParameterAlreadyExistsError('/p', { cause })],
  ['StoreError', new StoreError('failed', { cause })],
  ['TaskNoLongerWaitingError', new TaskNoLongerWaitingError('TaskTimedOut', { cause })],
  ['HyperparameterValidationError', new HyperparameterValidationError('epochs', 'must be positive', { cause })],
  ['DataValidationError', new DataValidationError('bad line', { line: 2 }, { cause })],
  ['InferenceConfigError', new InferenceConfigError('num_samples', 'must be positive', { cause })],
  ['ModelArtifactError', new ModelArtifactError('no model file', { cause })],
  ['TrainingJobError', new TrainingJobError('TrainingJobError', 'the worker exited', {}, { cause })],
];

describe('Errors: one base, names as a contract', () => {
  it.each(ERRORS)('%s keeps its name, extends PipelineError and passes the cause on', (name, error) => {
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.cause).toBe(cause);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('carries the found and needed point counts of InsufficientDataError when the thrower knows them', () => {
    expect(new InsufficientDataError('too few', 3, 60)).toMatchObject({ found: 3, needed: 60 });
    expect(new InsufficientDataError('no series')).toMatchObject({ found: undefined, needed: undefined });
  });

  it("keeps the name a training worker's error had on the other side of the thread", () => {
    const error = new TrainingJobError('HyperparameterValidationError', 'hyperparameter epochs: must be positive', { parameter: 'epochs' });
    expect(error).toMatchObject({ name: 'HyperparameterValidationError', details: { parameter: 'epochs' } });
  });
});
