/**
 * The rule that retries a training on a stack with no model deployed (a first training that failed, was
 * refused by the gate, or whose model was rejected): hand cases.
 */
import { decideTrainingRetry, type ListedExecution } from '../../../src/core/first-training';
import LIST_EXECUTIONS from '../../fixtures/aws/sfn-list-executions.json';

const T = Date.parse('2026-01-01T00:00:00Z');
const hour = (h: number) => new Date(T + h * 3_600_000);
const now = hour(10);
const ended = (status: string, startH: number, stopH: number): ListedExecution => ({ status, startDate: hour(startH), stopDate: hour(stopH) });
const running = (startH: number): ListedExecution => ({ status: 'RUNNING', startDate: hour(startH) });
const policy = { now, cooldownHours: 6 };

describe('Function: decideTrainingRetry', () => {
  it('trains again once the last training ended longer ago than the cool-down', () => {
    const decision = decideTrainingRetry({ ...policy, lastTraining: ended('FAILED', 2, 3) });

    expect(decision).toEqual({
      status: 'training-retry', startFirstTraining: true, notify: true, subject: 'DeepAR monitoring: training started again (no model deployed)',
      message: 'no model deployed: the last training failed 7.0 h ago, past the cool-down of 6 h: a training starts on the latest data',
    });
  });

  it('waits, quietly, while the last training ended within the cool-down, and says from when it may start', () => {
    const decision = decideTrainingRetry({ ...policy, lastTraining: ended('SUCCEEDED', 5, 6) });

    expect(decision).toEqual({
      status: 'no-model-yet', startFirstTraining: false, notify: false, subject: 'DeepAR monitoring: no model yet',
      message: 'no model deployed: the last training succeeded without a model deployed (refused by the gate, or its model rejected) 4.0 h ago; the next starts after the cool-down of 6 h (from 2026-01-01T12:00:00.000Z)',
    });
  });

  it('counts the cool-down from the end of the last training, not its start', () => {
    // Started 12 h ago but ran until 1 h ago: a long training is not retried the moment it fails.
    expect(decideTrainingRetry({ ...policy, lastTraining: ended('FAILED', -2, 9) })).toMatchObject({ startFirstTraining: false });
    expect(decideTrainingRetry({ ...policy, lastTraining: ended('FAILED', -2, 4) })).toMatchObject({ startFirstTraining: true }); // exactly 6 h
  });

  it('never starts a second training while one runs (the first one included)', () => {
    const decision = decideTrainingRetry({ ...policy, runningTraining: running(1), lastTraining: running(1) });

    expect(decision).toMatchObject({ status: 'no-model-yet', startFirstTraining: false, notify: false });
    expect(decision.message).toBe('no model deployed yet: a training is running (started 9.0 h ago); nothing else starts while it runs');
  });

  it('never starts a training while a model awaits approval, even long after the training ended', () => {
    const decision = decideTrainingRetry({ ...policy, runningDeployment: running(1), lastTraining: ended('SUCCEEDED', 0, 1) });

    expect(decision).toMatchObject({ status: 'no-model-yet', startFirstTraining: false, notify: false });
    expect(decision.message).toBe('no model deployed yet: a model awaits approval (deployment started 9.0 h ago); no training starts meanwhile');
  });

  it('trains when no training is on record at all (a replaced machine, or executions no longer listed)', () => {
    expect(decideTrainingRetry(policy)).toMatchObject({ status: 'training-retry', startFirstTraining: true, message: 'no model deployed and no training on record: a training starts on the latest data' });
  });

  it('with a cool-down of 0, trains again at the next run after any ending', () => {
    expect(decideTrainingRetry({ now, cooldownHours: 0, lastTraining: ended('ABORTED', 9, 10) })).toMatchObject({
      startFirstTraining: true, message: 'no model deployed: the last training was stopped 0.0 h ago, past the cool-down of 0 h: a training starts on the latest data',
    });
  });

  it.each(LIST_EXECUTIONS.rules.statuses.filter((s) => s !== 'RUNNING'))('says how a training that ended %s ended, and retries it after the cool-down', (status) => {
    const decision = decideTrainingRetry({ ...policy, lastTraining: ended(status, 0, 1) });

    expect(decision.startFirstTraining).toBe(true);
    expect(decision.message).not.toMatch(/undefined|ended [A-Z_]+ /);
  });

  it('reads the fixture\'s documented example: the latest training failed, nothing runs', () => {
    const [latest] = LIST_EXECUTIONS.example.latestTrainings.Executions;
    const lastTraining = { status: latest.Status, startDate: new Date(latest.StartDate), stopDate: new Date(latest.StopDate) };

    expect(decideTrainingRetry({ now: new Date('2026-01-01T16:20:00Z'), cooldownHours: 6, lastTraining })).toMatchObject({ startFirstTraining: true });
    expect(decideTrainingRetry({ now: new Date('2026-01-01T16:19:00Z'), cooldownHours: 6, lastTraining })).toMatchObject({ startFirstTraining: false });
  });
});
