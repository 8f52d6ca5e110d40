/**
 * An execution's states as the Executions page shows them, folded from the executor's event history: in the
 * order entered, each with status and duration, retries counted, a failure's error and cause, a caught
 * failure told apart from one that ended the run.
 */
import type { HistoryEvent } from '../../local/executor/execution-store';
import { executionDetail, statesOf, type ExecutionsDeps } from '../../local/read-models/executions';

let id = 0;
const at = (s: number) => new Date(Date.UTC(2025, 2, 12, 10, 0, 0) + s * 1000).toISOString();
const event = (type: string, stateName: string, s: number, details: Record<string, unknown> = {}): HistoryEvent => ({ id: ++id, timestamp: at(s), type, stateName, details: details as never });

/** TrainModel fails once and is retried, then fails for good and is caught; the run goes on to NotifyTrainingFailed. */
const HISTORY: HistoryEvent[] = [
  { id: ++id, timestamp: at(0), type: 'ExecutionStarted', details: {} },
  event('StateEntered', 'LoadRunConfig', 0),
  event('StateExited', 'LoadRunConfig', 0.5),
  event('StateEntered', 'TrainModel', 0.5),
  event('StateRetried', 'TrainModel', 2),
  event('StateFailed', 'TrainModel', 4, { Error: 'SageMaker.AmazonSageMakerException', Cause: { message: 'ResourceLimitExceeded' } }),
  event('StateCaught', 'TrainModel', 4),
  event('StateEntered', 'NotifyTrainingFailed', 4),
  event('StateExited', 'NotifyTrainingFailed', 4.25),
  event('StateEntered', 'FailTraining', 4.25),
  event('StateFailed', 'FailTraining', 4.25, { Error: 'TrainingFailed', Cause: 'the training job failed' }),
];

describe('Function: statesOf', () => {
  it('lists the states in order with status, duration, retries and the error that failed each', () => {
    // Act
    const states = statesOf(HISTORY);
    // Assess
    expect(states.map((s) => [s.name, s.status, s.durationSeconds, s.retries])).toEqual([
      ['LoadRunConfig', 'succeeded', 0.5, 0],
      ['TrainModel', 'caught', 3.5, 1],
      ['NotifyTrainingFailed', 'succeeded', 0.25, 0],
      ['FailTraining', 'failed', 0, 0],
    ]);
    expect(states[1]).toMatchObject({ error: 'SageMaker.AmazonSageMakerException', cause: '{"message":"ResourceLimitExceeded"}' });
    expect(states[3]).toMatchObject({ error: 'TrainingFailed', cause: 'the training job failed' });
  });

  it('leaves a state still running open', () => {
    expect(statesOf(HISTORY.slice(0, 4)).map((s) => [s.name, s.status, s.durationSeconds])).toEqual([
      ['LoadRunConfig', 'succeeded', 0.5],
      ['TrainModel', 'running', undefined],
    ]);
  });
});

describe('Function: executionDetail', () => {
  const deps: ExecutionsDeps = {
    list: () => [
      {
        executionArn: 'arn:aws:states:local:000000000000:execution:btc-fee-deepar-local-training:run-1',
        stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:btc-fee-deepar-local-training',
        name: 'run-1',
        status: 'FAILED',
        startDate: at(0),
        stopDate: at(90),
        input: {},
        error: 'TrainingFailed',
        cause: 'the training job failed',
      },
    ],
    history: () => HISTORY,
    orphans: () => [],
    definitionStates: () => [
      { name: 'LoadRunConfig', type: 'Task' },
      { name: 'TrainModel', type: 'Task' },
      { name: 'RegisterModel', type: 'Task' },
      { name: 'NotifyTrainingFailed', type: 'Task' },
      { name: 'FailTraining', type: 'Fail' },
    ],
    prefix: 'btc-fee-deepar-local',
  };

  it('gives the run its machine, duration, failure cause and the path taken through the definition', () => {
    const detail = executionDetail(deps, 'run-1');
    expect(detail).toMatchObject({ machine: 'training', status: 'FAILED', durationSeconds: 90, statesSeconds: 4.25, outcome: 'TrainingFailed: the training job failed' });
    expect(detail.definition.filter((d) => !d.visited).map((d) => d.name)).toEqual(['RegisterModel']);
  });

  it('says which execution it could not find', () => {
    expect(() => executionDetail(deps, 'run-2')).toThrow('no execution named "run-2": the executions page lists them');
  });
});
