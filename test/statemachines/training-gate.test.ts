/**
 * The training machine's gate on many windows, through the twin: a candidate equal to production is not
 * registered (and the reason names the rule), a clearly better one is, and bad evaluation parameters fail
 * the run naming the parameter. Tiny hyperparameters, one day of history, a few windows: seconds per run.
 */
import { aPipeline, statesVisited, TINY_HYPERPARAMETERS, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(180_000);

/** Trains and deploys a first model to both stages (approved automatically); returns its training output. */
async function deployFirstModel(f: PipelineFixture) {
  const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
  expect(training.output).toMatchObject({ status: 'registered' });
  const { deploymentExecutionArn } = training.output as { deploymentExecutionArn: string };
  const deployment = await f.pipeline.stepFunctions.waitForExecution(deploymentExecutionArn);
  expect(deployment.output).toMatchObject({ status: 'deployed' });
  return training.output as Record<string, any>;
}

const packages = async (f: PipelineFixture) =>
  ((await f.pipeline.sageMaker.call('listModelPackages', { ModelPackageGroupName: 'btc-fee-deepar-local' })) as { ModelPackageSummaryList: unknown[] }).ModelPackageSummaryList;

describe('State machine: training, the paired gate on many windows', () => {
  let f: PipelineFixture;
  afterEach(async () => f?.dispose());

  it('CandidateEqualToProduction: same seed, data and sampling as the model serving: not registered, the reason names the rule', async () => {
    // num_eval_samples 100 = the endpoint's num_samples: the transform and the endpoint draw the same forecasts.
    f = await aPipeline({ autoApprove: true, hyperparameters: { ...TINY_HYPERPARAMETERS, num_eval_samples: '100' }, evaluationWindows: 6 });
    await f.setParameter('quality/threshold', '10');
    await deployFirstModel(f);

    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf, reason: 'the same again' });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn)).slice(-5)).toEqual([
      'IsLossUnderThreshold', 'IsBetterThanProductionBeyondNoise', 'RecordNotBetterThanProduction', 'NotifyModelNotRegistered', 'EndNotRegistered',
    ]);
    const output = execution.output as Record<string, any>;
    expect(output).toMatchObject({ status: 'not-registered', evaluation: { windows: 6, beatsProduction: false } });
    expect(output.evaluation.productionLoss).toBeCloseTo(output.evaluation.meanWQuantileLoss, 12);
    expect(output.reason).toMatch(/over 6 windows: mean improvement 0 \(0%\), 0 standard errors: not better than production beyond noise/);
    expect(f.pipeline.notifications.list().filter((n) => n.subject === 'DeepAR training: model not registered').map((n) => n.message)).toEqual([
      expect.stringContaining('not better than production beyond noise'),
    ]);
    expect(await packages(f)).toHaveLength(1);

    // The report holds the per-window comparison the approval page shows.
    const report = JSON.parse((await f.twin.objectStore.get(output.evaluation.reportUri)).toString());
    expect(report.windows).toHaveLength(6);
    expect(report.windows.every((w: { candidate: number; production: number }) => w.candidate === w.production)).toBe(true);
    expect(report.verdict).toEqual({ register: false, reason: output.reason });
  });

  it('ClearlyBetterCandidate: a trained model against an untrained one in production is registered', async () => {
    // Production: one epoch at the smallest learning rate SageMaker accepts, i.e. practically untrained.
    f = await aPipeline({ autoApprove: true, hyperparameters: { ...TINY_HYPERPARAMETERS, learning_rate: '0.000001', num_cells: '2' }, evaluationWindows: 8 });
    await f.setParameter('quality/threshold', '10');
    await deployFirstModel(f);
    await f.setParameter('training/hyperparameters', JSON.stringify({ ...TINY_HYPERPARAMETERS, epochs: '3', learning_rate: '0.01' }));

    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf, reason: 'a better model' });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn))).toContain('IsBetterThanProductionBeyondNoise');
    const output = execution.output as Record<string, any>;
    expect(output).toMatchObject({ status: 'registered', evaluation: { windows: 8, beatsProduction: true } });
    expect(output.evaluation.meanWQuantileLoss).toBeLessThan(output.evaluation.productionLoss);
    expect(output.evaluation.gateReason).toMatch(/better than production \(paired rule/);
    expect(await packages(f)).toHaveLength(2);
    const model = (await f.pipeline.sageMaker.call('describeModelPackage', { ModelPackageName: output.modelPackageArn })) as Record<string, any>;
    expect(model.CustomerMetadataProperties).toMatchObject({ evaluationWindows: '8' });
    // Its deployment runs to the end before the twin closes (approved automatically, as the first).
    const deployment = await f.pipeline.stepFunctions.waitForExecution(output.deploymentExecutionArn);
    expect(deployment.output).toMatchObject({ status: 'deployed' });
  });

  describe('bad evaluation parameters (one twin for all cases: each run fails before anything is trained)', () => {
    let shared: PipelineFixture;
    beforeAll(async () => {
      shared = await aPipeline();
    });
    afterAll(async () => shared?.dispose());

    it.each([
      ['evaluation/windows', '-1', 'LoadRunConfig', /evaluation\/windows is "-1", expected a whole number of windows/],
      ['evaluation/windows', '2.5', 'LoadRunConfig', /evaluation\/windows is "2.5", expected a whole number of windows/],
      ['evaluation/windows', '0', 'LoadRunConfig', /evaluation\/windows is "0", expected a whole number of windows/],
      // More than training/window-days (1 day here) can hold: every run would wait for data forever.
      ['evaluation/windows', '48', 'LoadRunConfig', /evaluation\/windows is 48: 48 windows of 30 points held out plus 90 to train on need 1530 minutes, more than .*training\/window-days \(1 days, 1440 minutes\) holds/],
      ['evaluation/min-improvement', 'much', 'LoadRunConfig', /evaluation\/min-improvement is "much", expected a relative improvement in \[0, 1\)/],
    ])('BadParameter: %s = %s fails the run at %s, naming the parameter, and trains nothing', async (name, value, failingState, message) => {
      await shared.setParameter('evaluation/windows', '4');
      await shared.setParameter(name, value);

      const { executionArn, done } = shared.pipeline.startTraining({ asOf: shared.asOf });
      const execution = await done;

      expect(execution.status).toBe('FAILED');
      expect(JSON.parse(execution.cause!).errorMessage).toMatch(message);
      const visited = statesVisited(shared.pipeline.stepFunctions.history(executionArn));
      expect(visited.slice(-3)).toEqual([failingState, 'NotifyTrainingFailed', 'FailTraining']);
      expect(visited).not.toContain('TrainModel');
      expect(await packages(shared)).toEqual([]);
      await shared.setParameter(name, name === 'evaluation/windows' ? '4' : '0.01');
    });
  });
});
