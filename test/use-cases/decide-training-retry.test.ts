/**
 * Use case: with no model deployed after a training, train again? The cool-down read from SSM at run time,
 * the ListExecutions listings read as AWS documents them (test/fixtures/aws/sfn-list-executions.json), and
 * the decision recorded with its reason whether it trains or waits.
 */
import type { ListedExecution } from '../../src/core/first-training';
import { recordTrainingRetryDecision, type DecideTrainingRetryInput } from '../../src/use-cases/decide-training-retry';
import LIST_EXECUTIONS from '../fixtures/aws/sfn-list-executions.json';
import { InMemoryMonitoringStore } from './fakes';
import { HOUR, PARAMETER_PATH, aParameterStore } from './mothers';

const T = Date.parse('2026-01-01T00:00:00Z');
const at = (h: number) => new Date(T + h * HOUR);
const ended = (status: string, startH: number, stopH: number): ListedExecution => ({ status, startDate: at(startH), stopDate: at(stopH) });
const running = (startH: number): ListedExecution => ({ status: 'RUNNING', startDate: at(startH) });

async function aRetryDecision(parameters: Parameters<typeof aParameterStore>[0] = {}) {
  const monitoringStore = new InMemoryMonitoringStore();
  const deps = { parameterStore: await aParameterStore(parameters), monitoringStore, parameterPath: PARAMETER_PATH };
  const decide = (input: Partial<DecideTrainingRetryInput> & { asOf: Date }) =>
    recordTrainingRetryDecision(deps, { runningTrainings: [], runningDeployments: [], latestTrainings: [], ...input });
  return { monitoringStore, decide };
}

describe('Use case: recordTrainingRetryDecision', () => {
  it('trains again past the cool-down read from SSM, and records the decision with its reason', async () => {
    // Prepare
    const { monitoringStore, decide } = await aRetryDecision({ cooldownHours: '3' });

    // Act
    const decision = await decide({ asOf: at(10), latestTrainings: [ended('FAILED', 6, 7)] });

    // Assess
    const reason = 'no model deployed: the last training failed 3.0 h ago, past the cool-down of 3 h: a training starts on the latest data';
    expect(decision).toMatchObject({ status: 'training-retry', startFirstTraining: true, notify: true, message: reason });
    expect(monitoringStore.decisions).toEqual([{ at: at(10).toISOString(), retrain: true, reason, consecutiveBreaches: 0 }]);
  });

  it('waits within the cool-down (default 6 h), and records why', async () => {
    // Prepare
    const { monitoringStore, decide } = await aRetryDecision();

    // Act
    const decision = await decide({ asOf: at(10), latestTrainings: [ended('SUCCEEDED', 6, 7)] });

    // Assess
    expect(decision).toMatchObject({ status: 'no-model-yet', startFirstTraining: false, notify: false });
    expect(monitoringStore.decisions).toEqual([{ at: at(10).toISOString(), retrain: false, reason: decision.message, consecutiveBreaches: 0 }]);
    expect(decision.message).toContain('3.0 h ago; the next starts after the cool-down of 6 h');
  });

  it('a first training still running: nothing new, even long past the cool-down since its start', async () => {
    // Prepare
    const { decide } = await aRetryDecision({ cooldownHours: '1' });

    // Act
    const decision = await decide({ asOf: at(10), runningTrainings: [running(2)], latestTrainings: [running(2)] });

    // Assess
    expect(decision).toMatchObject({ status: 'no-model-yet', startFirstTraining: false });
  });

  it('trusts the newest training\'s own RUNNING status when the filtered listing has not caught up (ListExecutions is eventually consistent)', async () => {
    // Prepare
    expect(LIST_EXECUTIONS.rules.eventuallyConsistent).toMatch(/eventually consistent/);
    const { decide } = await aRetryDecision({ cooldownHours: '1' });

    // Act
    const decision = await decide({ asOf: at(10), runningTrainings: [], latestTrainings: [running(9.9)] });

    // Assess
    expect(decision).toMatchObject({ startFirstTraining: false, message: expect.stringContaining('a training is running') });
  });

  it('a deployment running (a model awaiting approval): waits', async () => {
    // Prepare
    const { decide } = await aRetryDecision({ cooldownHours: '1' });

    // Act
    const decision = await decide({ asOf: at(10), runningDeployments: [running(3)], latestTrainings: [ended('SUCCEEDED', 2, 3)] });

    // Assess
    expect(decision).toMatchObject({ startFirstTraining: false, message: expect.stringContaining('a model awaits approval') });
  });

  it('a bad cool-down fails naming the parameter, and records nothing', async () => {
    // Prepare
    const { monitoringStore, decide } = await aRetryDecision({ cooldownHours: '-1' });

    // Act / Assess
    await expect(decide({ asOf: at(10), latestTrainings: [ended('FAILED', 0, 1)] })).rejects.toMatchObject({
      name: 'ValidationError', message: expect.stringContaining(`${PARAMETER_PATH}/monitoring/cooldown-hours`),
    });
    expect(monitoringStore.decisions).toEqual([]);
  });
});
