/**
 * The training state machine end to end through the twin, on the real shipped history: the definition
 * from statemachines/, the Lambda handlers with local adapters, the local SageMaker training DeepAR.
 * Each scenario asserts the states visited and how the execution ended.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jobNames from '../fixtures/aws/sagemaker-job-names.json';
import { aPipeline, statesVisited, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(120_000);

const HAPPY_PATH = [
  'ListRunningTrainings', 'IsAnotherTrainingRunning', 'LoadRunConfig', 'CheckHistory', 'IsHistoryEnough', 'ExtractSeries', 'TrainModel', 'CreateModel',
  'ForecastHoldout', 'EvaluateForecast', 'IsLossUnderThreshold', 'IsBetterThanProductionBeyondNoise', 'RegisterModel', 'StartDeployment', 'EndRegistered',
];

describe('State machine: training', () => {
  let f: PipelineFixture;
  afterEach(async () => f?.dispose());

  it('HappyPath: trains, forecasts the hold-out, evaluates and registers the model pending approval', async () => {
    f = await aPipeline();
    // A model trained for seconds is not judged on its accuracy here: the gate is wide open.
    await f.setParameter('quality/threshold', '10');
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn))).toEqual(HAPPY_PATH);
    const output = execution.output as Record<string, any>;
    expect(output).toMatchObject({ status: 'registered', modelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/btc-fee-deepar-local/1' });
    expect(output.evaluation.meanWQuantileLoss).toBeGreaterThan(0);
    expect(output.evaluation.meanWQuantileLoss).toBeLessThanOrEqual(10);
    expect(output.window).toEqual({ from: '2025-03-05T02:13:00Z', to: '2025-03-06T02:13:00Z' });

    const model = await f.pipeline.sageMaker.call('describeModelPackage', { ModelPackageName: output.modelPackageArn }) as Record<string, any>;
    expect(model.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(model.CustomerMetadataProperties).toMatchObject({ windowFrom: '2025-03-05T02:13:00Z', windowTo: '2025-03-06T02:13:00Z', threshold: '10' });
    expect(Number(model.CustomerMetadataProperties.meanWQuantileLoss)).toBeCloseTo(output.evaluation.meanWQuantileLoss, 10);

    // The report the approval page will show, with the forecast beside what happened.
    const report = JSON.parse((await f.twin.objectStore.get(output.evaluation.reportUri)).toString());
    expect(report.holdout.actual).toHaveLength(30);
    expect(report.candidate.forecast.quantiles['0.9']).toHaveLength(30);
    expect(report.seasonalNaive.meanWQuantileLoss).toBeCloseTo(output.evaluation.seasonalNaiveLoss, 12);
    // The training job ran with the hyperparameters read from SSM at run time.
    // The job is named per attempt (SageMaker never accepts a name twice: test/fixtures/aws/sagemaker-job-names.json);
    // the model, and the output's modelName, carry that name.
    expect(output.modelName).toMatch(new RegExp(`^${output.jobName}-[0-9a-f]{8}$`));
    const job = await f.pipeline.sageMaker.call('describeTrainingJob', { TrainingJobName: output.modelName }) as Record<string, any>;
    expect(job.HyperParameters.num_cells).toBe('8');
    expect(job.FinalMetricDataList.map((m: { MetricName: string }) => m.MetricName).sort()).toEqual(['test:RMSE', 'test:mean_wQuantileLoss', 'train:final_loss']);
  });

  it('LossOverThreshold: ends cleanly with the reason, tells the approvers, registers nothing', async () => {
    f = await aPipeline();
    await f.setParameter('quality/threshold', '0.0001');
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn)).slice(-3)).toEqual(['RecordLossOverThreshold', 'NotifyModelNotRegistered', 'EndNotRegistered']);
    expect(execution.output).toMatchObject({ status: 'not-registered', reason: expect.stringMatching(/^mean wQuantileLoss [\d.]+ is over the threshold 0.0001$/) });
    expect(f.pipeline.notifications.list()[0]).toMatchObject({ subject: 'DeepAR training: model not registered' });
    expect(await f.pipeline.sageMaker.call('listModelPackages', { ModelPackageGroupName: 'btc-fee-deepar-local' })).toMatchObject({ ModelPackageSummaryList: [] });
  });

  it('TrainingFails: the execution fails with SageMaker’s FailureReason as cause, notifies, registers nothing', async () => {
    f = await aPipeline({ sageMaker: { trainer: async () => Promise.reject(Object.assign(new Error('the data has no variance'), { name: 'DataValidationError' })) } });
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    const execution = await done;

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.TaskFailed');
    expect(execution.cause).toContain('DataValidationError: the data has no variance');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn)).slice(-3)).toEqual(['TrainModel', 'NotifyTrainingFailed', 'FailTraining']);
    expect(f.pipeline.notifications.list()[0].message).toContain('the data has no variance');
    expect(await f.pipeline.sageMaker.call('listModelPackages', { ModelPackageGroupName: 'btc-fee-deepar-local' })).toMatchObject({ ModelPackageSummaryList: [] });
  });

  it('TransformFails: a model that cannot be loaded fails the batch transform, and the execution with it', async () => {
    f = await aPipeline({
      sageMaker: {
        trainer: async ({ modelDir }) => {
          mkdirSync(modelDir, { recursive: true });
          writeFileSync(join(modelDir, 'manifest.json'), '{"format":"something-else"}');
          return { finalMetrics: [{ MetricName: 'train:final_loss', Value: 1 }], epochsRun: 1, bestEpoch: 1, trainSeconds: 0 };
        },
      },
    });
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    const execution = await done;

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.TaskFailed');
    expect(execution.cause).toContain('TransformJobStatus');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn)).slice(-3)).toEqual(['ForecastHoldout', 'NotifyTrainingFailed', 'FailTraining']);
    expect(await f.pipeline.sageMaker.call('listModelPackages', { ModelPackageGroupName: 'btc-fee-deepar-local' })).toMatchObject({ ModelPackageSummaryList: [] });
  });

  it('GuardHolds: a second start while one trains says so and ends cleanly', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const trainingStarted = new Promise<void>((resolve) => (started = resolve));
    f = await aPipeline({
      sageMaker: {
        trainer: async () => {
          started();
          await released;
          throw Object.assign(new Error('stopped by the test'), { name: 'TestStop' });
        },
      },
    });
    const first = f.pipeline.startTraining({ asOf: f.asOf });
    await trainingStarted;
    const second = await f.pipeline.startTraining({ asOf: f.asOf }).done;

    expect(second.status).toBe('SUCCEEDED');
    expect(second.output).toEqual({ status: 'skipped', reason: 'another training execution is running' });
    expect(statesVisited(f.pipeline.stepFunctions.history(second.executionArn))).toEqual(['ListRunningTrainings', 'IsAnotherTrainingRunning', 'SkipWhileTrainingRuns']);
    release();
    expect((await first.done).status).toBe('FAILED');
  });

  it('BadConfiguration: an invalid hyperparameter in SSM fails the run before training, naming it', async () => {
    f = await aPipeline({ hyperparameters: { time_freq: '1min', context_length: '60', prediction_length: '30', epochs: 'many' } });
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    const execution = await done;

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('HyperparameterValidationError');
    expect(execution.cause).toContain('epochs');
    expect(statesVisited(f.pipeline.stepFunctions.history(executionArn))).not.toContain('TrainModel');
  });

  it('TooLittleData: a window shorter than the evaluation windows plus one context waits for data, saying how many minutes it holds and needs', async () => {
    f = await aPipeline();
    // Past training/min-history-minutes, but the history gate also counts what training needs beyond it: the
    // 4 evaluation windows of 30 held out, plus one context and horizon (60 + 30) to train on: 210 minutes.
    // (Before that rule this run failed at ExtractSeries with InsufficientDataError; a fresh stack with the
    // defaults would have waited one day, then failed every training for lack of points before the last day.)
    await f.setParameter('training/min-history-minutes', '10');
    const { done } = f.pipeline.startTraining({ asOf: new Date('2025-03-05T03:00:00Z') });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ status: 'waiting-for-data', reason: expect.stringMatching(/^waiting for data: 47 of 210 minutes$/) });
  });

  it('TrainingCreatedThenRetryRenamesJob: a retry after SageMaker created the job sends a new name, not a refused duplicate (issue 11, item 6)', async () => {
    f = await aPipeline();
    await f.setParameter('quality/threshold', '10');
    // The first CreateTrainingJob reaches SageMaker, but its answer is lost: the Task sees a throttling error.
    const sageMaker = f.pipeline.sageMaker;
    const realCall = sageMaker.call.bind(sageMaker);
    const created: string[] = [];
    let lose = 1;
    sageMaker.call = async (action: string, params: Record<string, unknown>) => {
      const result = await realCall(action, params);
      if (action === 'createTrainingJob') {
        created.push(String(params.TrainingJobName));
        if (lose-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return result;
    };
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(f.pipeline.stepFunctions.history(executionArn).filter((e) => e.type === 'StateRetried').map((e) => e.stateName)).toEqual(['TrainModel']);
    // Two jobs, two names, each within SageMaker's limit; the model comes from the attempt that answered.
    expect(created).toHaveLength(2);
    expect(new Set(created).size).toBe(2);
    for (const name of created) expect(name.length).toBeLessThanOrEqual(jobNames.nameConstraint.maxLength);
    expect((execution.output as { modelName: string }).modelName).toBe(created[1]);
    // The first attempt's job ran on its own (SageMaker has no way to attach a second create to it).
    expect((await sageMaker.waitForTrainingJob(created[0])).TrainingJobStatus).toBe('Completed');
  });

  it('ThrottledThenRetries: SageMaker throttling is retried by the definition’s Retry', async () => {
    let throttles = 1;
    f = await aPipeline({
      sageMaker: {
        beforeCall: (action) => {
          if (action === 'createModel' && throttles-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        },
      },
    });
    const { executionArn, done } = f.pipeline.startTraining({ asOf: f.asOf });
    expect((await done).status).toBe('SUCCEEDED');
    const retried = f.pipeline.stepFunctions.history(executionArn).filter((e) => e.type === 'StateRetried').map((e) => e.stateName);
    expect(retried).toEqual(['CreateModel']);
  });
});
