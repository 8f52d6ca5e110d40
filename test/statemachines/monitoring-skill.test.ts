/**
 * Monitoring judged by skill (monitoring/criterion = skill) through the twin: each check scores the stage
 * and seasonal naive on the same windows. A stable stretch starts nothing; a production model garbled at a
 * chosen hour is flagged by the first check after it, retrained once K checks agree (outside the
 * cool-down), and a good model is back in production, approved automatically, within 4 h of twin time.
 */
import { deployBrokenModel } from '../builders/broken-model';
import { aPipeline, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(300_000);
const HOUR = 3_600_000;

interface CheckOutput { stage: string; outcome: string; loss?: number; naiveLoss?: number; skill?: number; criterion?: string; approvedLoss?: number }
interface MonitoringOutput { status: string; reason: string; checks: CheckOutput[]; trainingExecutionArn?: string }

/** Returns the loss the model was approved at: the gate's many-window loss, on its model package. */
async function deployFirstModel(f: PipelineFixture): Promise<number> {
  const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
  const { deploymentExecutionArn, evaluation } = training.output as { deploymentExecutionArn: string; evaluation: { meanWQuantileLoss: number } };
  const deployment = await f.pipeline.stepFunctions.waitForExecution(deploymentExecutionArn);
  expect(deployment.output).toMatchObject({ status: 'deployed' });
  return evaluation.meanWQuantileLoss;
}

async function monitorAt(f: PipelineFixture, hour: number): Promise<MonitoringOutput> {
  const at = new Date(f.asOf.getTime() + hour * HOUR);
  f.clock.set(at);
  await f.ingestUntil(at);
  const execution = await f.pipeline.startMonitoring(at).done;
  expect(execution.status).toBe('SUCCEEDED');
  return execution.output as unknown as MonitoringOutput;
}

const production = (output: MonitoringOutput) => output.checks.find((c) => c.stage === 'production')!;
const trainings = (f: PipelineFixture) => f.pipeline.stepFunctions.executionRecords({ stateMachineArn: f.pipeline.stepFunctions.stateMachineArn('training') });

describe('State machine: monitoring by skill', () => {
  let f: PipelineFixture;
  beforeEach(async () => {
    f = await aPipeline({ autoApprove: true, backfillDays: 2 });
    await f.setParameter('quality/threshold', '10');
  });
  afterEach(async () => f?.dispose());

  /** The tiny test model is about as good as seasonal naive (skill 0.9-1.1 here); a garbled one is several times worse. */
  const TINY_MODEL_MAX_SKILL = '1.5';

  it('StableStretch: every check scores the model against seasonal naive, and nothing retrains', async () => {
    const approvedLoss = await deployFirstModel(f);
    await f.setParameter('monitoring/criterion', 'skill');
    await f.setParameter('monitoring/max-skill', TINY_MODEL_MAX_SKILL);
    await f.setParameter('monitoring/cooldown-hours', '0'); // only the rule may hold a retraining back
    for (let h = 1; h <= 5; h++) {
      const output = await monitorAt(f, h);
      expect(output).toMatchObject({ status: 'checked', reason: expect.stringMatching(/^accuracy holds: 0 of 3/) });
      for (const check of output.checks) {
        expect(check).toMatchObject({ outcome: 'measured', criterion: 'skill', windows: 12, maxSkill: 1.5 });
        expect(check.skill).toBeCloseTo(check.loss! / check.naiveLoss!, 12);
        expect(check.skill).toBeLessThan(1.5);
        // Each stage's check carries the loss its model was approved at, read from the model package.
        expect(check).toMatchObject({ approvedLossFactor: 1 });
        expect(check.approvedLoss).toBeCloseTo(approvedLoss, 12);
      }
    }
    expect(trainings(f)).toHaveLength(1); // the first model's only
    const recorded = await f.pipeline.monitoringStore.recentChecks(10);
    expect(recorded.map((c) => [c.stage, c.criterion, typeof c.naiveLoss, typeof c.skill])).toEqual(
      Array.from({ length: 5 }, () => [['production', 'skill', 'number', 'number'], ['staging', 'skill', 'number', 'number']]).flat(),
    );
  });

  it('Degradation: a garbled production model is flagged by the first check, retrained after K checks, and a good model serves within 4 h', async () => {
    await deployFirstModel(f);
    // No monitoring/criterion set: skill is the default.
    await f.setParameter('monitoring/max-skill', TINY_MODEL_MAX_SKILL);
    await f.setParameter('monitoring/cooldown-hours', '2'); // the first training, at hour 0, is out of it from hour 2
    for (let h = 1; h <= 2; h++) expect(await monitorAt(f, h)).toMatchObject({ status: 'checked', reason: expect.stringMatching(/^accuracy holds: 0 of 3/) });
    const healthy = production(await monitorAt(f, 2));

    // Production is replaced at hour 2.5 by a copy of its model with garbled weights.
    const injectedAt = f.asOf.getTime() + 2.5 * HOUR;
    f.clock.set(new Date(injectedAt));
    const broken = await deployBrokenModel(f.twin, f.pipeline, f.pipeline.settings.PRODUCTION_ENDPOINT_NAME, 'hour-2-5');

    // The first check after it flags it: production's skill is over the limit, staging's is not.
    const first = await monitorAt(f, 3);
    expect(production(first)).toMatchObject({ criterion: 'skill', maxSkill: 1.5 });
    expect(production(first).skill).toBeGreaterThan(1.5);
    expect(production(first).loss).toBeGreaterThan(2 * healthy.loss!);
    expect(first.checks.find((c) => c.stage === 'staging')!.skill).toBeLessThan(1.5);
    expect(first).toMatchObject({ status: 'checked', reason: 'accuracy holds: 1 of 3 consecutive breaches (production)' });
    expect(await monitorAt(f, 4)).toMatchObject({ status: 'checked', reason: 'accuracy holds: 2 of 3 consecutive breaches (production)' });

    // K = 3 checks agree, outside the cool-down: one retraining, through the same gate and (automatic) approvals.
    const third = await monitorAt(f, 5);
    expect(third).toMatchObject({ status: 'retraining', reason: "3 consecutive checks of production with skill (loss / seasonal naive's) over 1.5" });
    const training = await f.pipeline.stepFunctions.waitForExecution(third.trainingExecutionArn!);
    const { deploymentExecutionArn } = training.output as { deploymentExecutionArn: string };
    expect((await f.pipeline.stepFunctions.waitForExecution(deploymentExecutionArn)).output).toMatchObject({ status: 'deployed' });
    const endpoint = await f.pipeline.sageMaker.describeEndpoint({ EndpointName: f.pipeline.settings.PRODUCTION_ENDPOINT_NAME });
    expect(endpoint.EndpointConfigName).not.toBe(broken);
    const servingAgain = f.clock.now().getTime();
    expect((servingAgain - injectedAt) / HOUR).toBeLessThanOrEqual(4);

    // The next check finds production's skill back.
    const after = await monitorAt(f, 6);
    expect(production(after).skill).toBeLessThan(1.5);
    expect(after).toMatchObject({ status: 'checked', reason: expect.stringMatching(/^accuracy holds: 0 of 3/) });
    expect(trainings(f)).toHaveLength(2);
  });

  it.each([
    ['monitoring/windows', '-12', 'parameter /btc-fee-deepar/local/monitoring/windows is "-12", expected a whole number of windows from 1 to 48'],
    ['monitoring/criterion', 'relative', 'parameter /btc-fee-deepar/local/monitoring/criterion is "relative", expected one of absolute, skill'],
    ['monitoring/approved-loss-factor', '-1', 'parameter /btc-fee-deepar/local/monitoring/approved-loss-factor is "-1", expected a factor of 0 or more (0: skill alone)'],
  ])('BadParameter: %s = %s fails the run, naming the parameter, and starts nothing', async (name, value, message) => {
    await f.setParameter(name, value);
    const at = new Date(f.asOf.getTime() + HOUR);
    f.clock.set(at);
    const execution = await f.pipeline.startMonitoring(at).done;
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
    expect(JSON.parse(execution.cause!)).toEqual({ errorType: 'ValidationError', errorMessage: message });
    expect(trainings(f)).toHaveLength(0);
  });

  it('BadParameter: monitoring windows that fill the whole training window fail the run, naming both parameters', async () => {
    // Prepare: 12 windows of 30 minutes are all of a quarter-day window (2 evaluation windows and 5 h of history fit it).
    await f.setParameter('evaluation/windows', '2');
    await f.setParameter('training/min-history-minutes', '300');
    await f.setParameter('training/window-days', '0.25');
    const at = new Date(f.asOf.getTime() + HOUR);
    f.clock.set(at);

    // Act
    const execution = await f.pipeline.startMonitoring(at).done;

    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
    expect(JSON.parse(execution.cause!).errorMessage).toBe(
      'parameter /btc-fee-deepar/local/monitoring/windows is 12: 12 windows of 30 minutes (360) fill all of /btc-fee-deepar/local/training/window-days ' +
        '(0.25 days, 360 minutes), which each check reads, leaving nothing to forecast the first window from; lower monitoring/windows or raise training/window-days',
    );
    expect(trainings(f)).toHaveLength(0);
  });
});
