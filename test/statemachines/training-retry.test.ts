/**
 * A first training that leaves no model deployed is retried by monitoring itself (issue 12's gap): with no
 * endpoint on any stage, nothing running and no model awaiting approval, the first hourly run past the
 * cool-down after the last training ended starts another on the latest data, with the reason recorded and
 * one notification. Within the cool-down, or while a deployment awaits approval, it waits and says why.
 * The listings are ListExecutions' (test/fixtures/aws/sfn-list-executions.json): newest first, RUNNING
 * filtered, a stopDate once ended.
 */
import { aPipeline, statesVisited, type PipelineFixture } from '../builders/pipeline';
import LIST_EXECUTIONS from '../fixtures/aws/sfn-list-executions.json';

jest.setTimeout(120_000);
const HOUR = 3_600_000;

const trainings = (f: PipelineFixture) => f.pipeline.stepFunctions.executionRecords({ stateMachineArn: f.pipeline.stepFunctions.stateMachineArn('training') });
const deployments = (f: PipelineFixture) => f.pipeline.stepFunctions.executionRecords({ stateMachineArn: f.pipeline.stepFunctions.stateMachineArn('deployment') });
/** Monitoring's notifications, oldest first. */
const monitoringMails = (f: PipelineFixture) => f.pipeline.notifications.list().map((n) => n.subject).reverse().filter((s) => s?.startsWith('DeepAR monitoring'));

/** The monitoring run the hourly schedule starts `hours` after the fixture's now, ingestion having kept up. */
async function monitorAt(f: PipelineFixture, hours: number) {
  const at = new Date(f.asOf.getTime() + hours * HOUR);
  f.clock.set(at);
  await f.ingestUntil(at);
  const { executionArn, done } = f.pipeline.startMonitoring(at);
  const execution = await done;
  expect(execution.status).toBe('SUCCEEDED');
  return { ...execution, output: execution.output as { status: string; reason: string }, visited: statesVisited(f.pipeline.stepFunctions.history(executionArn)) };
}

/** Hours 0 and 1 wait for data; hour 2 starts the first training, which runs to its end. */
async function firstTraining(f: PipelineFixture) {
  for (const h of [0, 1]) expect((await monitorAt(f, h)).output.status).toBe('waiting-for-data');
  expect((await monitorAt(f, 2)).output.status).toBe('first-training');
  const [first] = trainings(f);
  return f.pipeline.stepFunctions.waitForExecution(first.executionArn);
}

describe('State machines: a training that left no model deployed is retried by monitoring', () => {
  let f: PipelineFixture;
  beforeEach(async () => {
    f = await aPipeline({ backfillDays: 1 / 24 });
    await f.setParameter('training/window-days', '1');
    await f.setParameter('training/min-history-minutes', '150');
    await f.setParameter('evaluation/windows', '2');
    await f.setParameter('monitoring/cooldown-hours', '2');
  });
  afterEach(async () => f?.dispose());

  it('RefusedByTheGate: within the cool-down it waits and says why; past it, the next hourly run trains again, once, notified once', async () => {
    await f.setParameter('quality/threshold', '0.000001'); // no candidate can pass
    const first = await firstTraining(f);
    expect(first.output).toMatchObject({ status: 'not-registered' });
    expect(first.stopDate).toBe(new Date(f.asOf.getTime() + 2 * HOUR).toISOString()); // the listing's stopDate: the cool-down runs from it

    const within = await monitorAt(f, 3);
    expect(within.output).toMatchObject({
      status: 'no-model-yet',
      reason: `no model deployed: the last training succeeded without a model deployed (refused by the gate, or its model rejected) 1.0 h ago; the next starts after the cool-down of 2 h (from ${new Date(f.asOf.getTime() + 4 * HOUR).toISOString()})`,
    });
    expect(within.visited).toEqual(expect.arrayContaining(['ListRunningTrainingsWithoutModel', 'ListRunningDeploymentsWithoutModel', 'ListLatestTrainingWithoutModel', 'DecideTrainingRetry']));
    expect(within.visited).not.toContain('StartFirstTraining');
    expect(trainings(f)).toHaveLength(1);

    const past = await monitorAt(f, 4);
    expect(past.output).toMatchObject({ status: 'training-retry' });
    const retryReason = 'no model deployed: the last training succeeded without a model deployed (refused by the gate, or its model rejected) 2.0 h ago, past the cool-down of 2 h: a training starts on the latest data';
    expect(past.output.reason).toBe(retryReason);
    const [retry] = trainings(f); // newest first
    expect(trainings(f)).toHaveLength(2);
    expect(retry.input).toMatchObject({ asOf: new Date(f.asOf.getTime() + 4 * HOUR).toISOString(), reason: retryReason });
    expect(monitoringMails(f)).toEqual(['DeepAR monitoring: waiting for data', 'DeepAR monitoring: first training started', 'DeepAR monitoring: training started again (no model deployed)']);
    expect(f.pipeline.notifications.list()[0].message).toBe(retryReason);

    // Both hours' decisions are recorded with their reasons.
    const decisions = await f.pipeline.monitoringStore.recentDecisions(10);
    expect(decisions.map((d) => [d.at, d.retrain])).toEqual([
      [new Date(f.asOf.getTime() + 3 * HOUR).toISOString(), false],
      [new Date(f.asOf.getTime() + 4 * HOUR).toISOString(), true],
    ]);
    expect(decisions[1].reason).toBe(retryReason);

    // The retry, refused too, is not followed by another before the cool-down: never faster than that.
    expect((await f.pipeline.stepFunctions.waitForExecution(retry.executionArn)).output).toMatchObject({ status: 'not-registered' });
    const after = await monitorAt(f, 5);
    expect(after.output).toMatchObject({ status: 'no-model-yet', reason: expect.stringContaining('1.0 h ago; the next starts after the cool-down of 2 h') });
    expect(trainings(f)).toHaveLength(2);
    expect(monitoringMails(f)).toHaveLength(3);
  });

  it('AwaitingApproval: a registered model whose deployment runs (awaiting its approvers) is never joined by a training, long past the cool-down', async () => {
    await f.setParameter('quality/threshold', '10'); // the candidate passes and waits for approval
    const first = await firstTraining(f);
    expect(first.output).toMatchObject({ status: 'registered' });
    const [deployment] = deployments(f);
    expect(deployment.status).toBe(LIST_EXECUTIONS.rules.statuses[0]); // RUNNING: the approval mail is out

    for (const h of [3, 5, 8]) {
      const run = await monitorAt(f, h);
      expect(run.output).toMatchObject({ status: 'no-model-yet', reason: expect.stringMatching(/^no model deployed yet: a model awaits approval \(deployment started \d+\.\d h ago\); no training starts meanwhile$/) });
      expect(run.visited).not.toContain('StartFirstTraining');
    }
    expect(trainings(f)).toHaveLength(1);
    expect(monitoringMails(f)).toEqual(['DeepAR monitoring: waiting for data', 'DeepAR monitoring: first training started']);
    expect((await f.pipeline.monitoringStore.recentDecisions(10)).every((d) => !d.retrain)).toBe(true);
  });
});
