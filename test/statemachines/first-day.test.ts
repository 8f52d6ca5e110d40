/**
 * A fresh stack's first day through the twin (issue 12): the feature group fills a minute at a time;
 * training waits for the minimum history (`training/min-history-minutes`) instead of failing, monitoring
 * with no model records "no model yet" instead of stale data, says it waits once, and starts the first
 * training by itself once the history suffices, on the window that exists.
 */
import { aPipeline, statesVisited, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(120_000);
const HOUR = 3_600_000;
const MINUTE = 60_000;

const trainings = (f: PipelineFixture) => f.pipeline.stepFunctions.executionRecords({ stateMachineArn: f.pipeline.stepFunctions.stateMachineArn('training') });
/** Notifications' subjects, oldest first. */
const subjects = (f: PipelineFixture) => f.pipeline.notifications.list().map((n) => n.subject).reverse();

/** Minutes the twin's feature group holds in [from, to). */
async function minutesHeld(f: PipelineFixture, from: Date, to: Date): Promise<number> {
  const records = await f.twin.featureStore.getRecords({ from, to });
  return new Set(records.map((r) => r.tx_minute)).size;
}

/** The monitoring run the hourly schedule starts at `at`, with ingestion having kept up until then. */
async function monitorAt(f: PipelineFixture, at: Date) {
  f.clock.set(at);
  await f.ingestUntil(at);
  const execution = await f.pipeline.startMonitoring(at).done;
  expect(execution.status).toBe('SUCCEEDED');
  return execution;
}

describe('State machines: a fresh stack starts by itself', () => {
  let f: PipelineFixture;
  /** Where the feature group's history begins: one hour before the fixture's "now". */
  let firstMinute: Date;
  beforeEach(async () => {
    f = await aPipeline({ backfillDays: 1 / 24 });
    firstMinute = new Date(f.asOf.getTime() - HOUR);
    await f.setParameter('training/window-days', '1');
    await f.setParameter('quality/threshold', '10');
  });
  afterEach(async () => f?.dispose());

  it('EmptyStore: training ends waiting-for-data with N of M minutes, not a failure, and trains nothing', async () => {
    const asOf = new Date(firstMinute.getTime() - 5 * MINUTE); // before the first minute: nothing held
    const { executionArn, done } = f.pipeline.startTraining({ asOf });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ status: 'waiting-for-data', reason: 'waiting for data: 0 of 1440 minutes', minutes: 0, requiredMinutes: 1440 });
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn)).slice(-3)).toEqual(['CheckHistory', 'IsHistoryEnough', 'EndWaitingForData']);
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn))).not.toContain('ExtractSeries');
    expect(f.pipeline.notifications.list()).toEqual([]); // nothing failed: nobody is paged
  });

  it('ShortHistory: training counts what the window holds against the minimum', async () => {
    const held = await minutesHeld(f, firstMinute, f.asOf);
    expect(held).toBeGreaterThan(30);

    const execution = await f.pipeline.startTraining({ asOf: f.asOf }).done;

    expect(execution.output).toMatchObject({ status: 'waiting-for-data', reason: `waiting for data: ${held} of 1440 minutes` });
  });

  it('EmptyStackMonitoring: waits hour after hour, notified once, never "stale", never a breach, no training', async () => {
    const outputs: Array<Record<string, unknown>> = [];
    for (let h = 0; h <= 3; h++) outputs.push((await monitorAt(f, new Date(f.asOf.getTime() + h * HOUR))).output as Record<string, unknown>);

    for (const [h, output] of outputs.entries()) {
      const held = await minutesHeld(f, firstMinute, new Date(Math.floor((f.asOf.getTime() + h * HOUR) / MINUTE) * MINUTE));
      expect(output).toEqual({ status: 'waiting-for-data', reason: `waiting for data: ${held} of 1440 minutes`, minutes: held, requiredMinutes: 1440 });
    }
    expect(subjects(f)).toEqual(['DeepAR monitoring: waiting for data']);
    expect(f.pipeline.notifications.list()[0].message).toMatch(/^waiting for data: \d+ of 1440 minutes$/);
    const checks = await f.pipeline.monitoringStore.recentChecks(20);
    expect(checks).toHaveLength(8);
    expect(new Set(checks.map((c) => c.outcome))).toEqual(new Set(['no-endpoint']));
    expect(checks.every((c) => c.detail?.startsWith('no model yet'))).toBe(true);
    expect(f.pipeline.metrics.series('MeanWQuantileLoss', 'production', 10)).toHaveLength(0);
    expect(trainings(f)).toHaveLength(0);
  });

  it('FirstTraining: once the minimum is ingested, monitoring starts the first training (notified once) on the window that exists', async () => {
    await f.setParameter('training/min-history-minutes', '150'); // two and a half hours keep the test short
    await f.setParameter('evaluation/windows', '2'); // 2 windows of 30 + one context of 60 + 30: the 150 minutes suffice
    const statuses: string[] = [];
    for (let h = 0; h <= 2; h++) statuses.push(((await monitorAt(f, new Date(f.asOf.getTime() + h * HOUR))).output as { status: string }).status);

    expect(statuses).toEqual(['waiting-for-data', 'waiting-for-data', 'first-training']);
    const [training] = trainings(f);
    expect(training.input).toMatchObject({ asOf: new Date(f.asOf.getTime() + 2 * HOUR).toISOString(), reason: expect.stringMatching(/^the history suffices \(\d+ of 150 minutes\): the first training starts$/) });
    const trained = await f.pipeline.stepFunctions.waitForExecution(training.executionArn);
    expect(trained.output).toMatchObject({ status: 'registered' });
    // The window is what exists: from the feature group's first minute, not a day before asOf.
    expect((trained.output as { window: unknown }).window).toEqual({ from: firstMinute.toISOString().replace('.000Z', 'Z'), to: new Date(f.asOf.getTime() + 2 * HOUR).toISOString().replace('.000Z', 'Z') });
    expect(subjects(f)).toEqual(['DeepAR monitoring: waiting for data', 'DeepAR monitoring: first training started']);

    // An hour later the model waits for its approval: no second "first" training, no new notification.
    const later = await monitorAt(f, new Date(f.asOf.getTime() + 3 * HOUR));
    expect(later.output).toMatchObject({ status: 'no-model-yet' });
    expect(trainings(f)).toHaveLength(1);
    expect(subjects(f).filter((s) => s?.startsWith('DeepAR monitoring'))).toHaveLength(2);
  });

  it('BadMinHistory: a value that is not a whole number of minutes fails training and monitoring, naming the parameter', async () => {
    await f.setParameter('training/min-history-minutes', '1.5');

    const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
    f.clock.set(f.asOf);
    const monitoring = await f.pipeline.startMonitoring(f.asOf).done;

    for (const execution of [training, monitoring]) {
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('ValidationError');
      expect(JSON.parse(execution.cause!).errorMessage).toBe('parameter /btc-fee-deepar/local/training/min-history-minutes is "1.5", expected a whole number of minutes, 1 or more');
    }
    expect(trainings(f)).toHaveLength(1); // the failed one: monitoring started none
  });
});

