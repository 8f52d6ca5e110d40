/**
 * The happy path with the real DeepAR: train on a small per-minute series, create the model, forecast with a
 * batch transform. One training serves the whole file (it is the slow part).
 */
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import type { LocalSageMaker, LocalSageMakerEvent } from '../../../local/sagemaker';
import { aTwinHome } from '../../builders/twin-home';
import { aLocalSageMaker, aTrainingJobRequest, aTransformJobRequest, BUCKET, DEEPAR_IMAGE, ROLE_ARN, writeChannels } from './builders';

describe('LocalSageMaker: DeepAR training, model and batch transform', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  const events: LocalSageMakerEvent[] = [];
  let sagemaker: LocalSageMaker;
  let channels: Awaited<ReturnType<typeof writeChannels>>;
  let trained: DescribeTrainingJobResponse;

  beforeAll(async () => {
    sagemaker = aLocalSageMaker(home, { onEvent: (e) => events.push(e) });
    channels = await writeChannels(store);
    const { TrainingJobArn } = await sagemaker.createTrainingJob(aTrainingJobRequest('deepar-fee-1', channels));
    expect(TrainingJobArn).toBe('arn:aws:sagemaker:local:000000000000:training-job/deepar-fee-1');
    trained = await sagemaker.waitForTrainingJob('deepar-fee-1');
  });

  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  it('completes the training job with SageMaker DeepAR metrics and a model.tar.gz', async () => {
    // Assess
    expect(trained).toMatchObject({
      TrainingJobName: 'deepar-fee-1',
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: `${BUCKET}/models/deepar-fee-1/output/model.tar.gz` },
      HyperParameters: expect.objectContaining({ prediction_length: '30' }),
      AlgorithmSpecification: { TrainingImage: DEEPAR_IMAGE, TrainingInputMode: 'File' },
      RoleArn: ROLE_ARN,
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      ProgressInfo: { CurrentEpoch: 1, MaxEpoch: 1 },
    });
    expect(trained.FailureReason).toBeUndefined();
    expect(trained.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
    expect(trained.SecondaryStatusTransitions!.every((t) => t.StartTime instanceof Date && t.EndTime instanceof Date)).toBe(true);
    expect(trained.FinalMetricDataList!.map((m) => m.MetricName).sort()).toEqual(['test:RMSE', 'test:mean_wQuantileLoss', 'train:final_loss']);
    expect(trained.FinalMetricDataList!.every((m) => Number.isFinite(m.Value) && m.Timestamp instanceof Date)).toBe(true);
    expect(trained.CreationTime).toBeInstanceOf(Date);
    expect(trained.TrainingEndTime!.getTime()).toBeGreaterThanOrEqual(trained.TrainingStartTime!.getTime());
    expect(trained.TrainingTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(trained.BillableTimeInSeconds).toBe(trained.TrainingTimeInSeconds);
    expect((await store.get(trained.ModelArtifacts!.S3ModelArtifacts!)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
  });

  it('keeps the per-epoch progress and reports it as events', async () => {
    // Act
    const progress = await sagemaker.trainingJobProgress('deepar-fee-1');
    // Assess
    expect(progress).toEqual([expect.objectContaining({ epoch: 1, epochs: 1, loss: expect.any(Number) })]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'TrainingJobProgress', name: 'deepar-fee-1', epoch: 1 }));
    expect(events.filter((e) => e.type === 'TrainingJobStatusChanged').map((e) => (e as { secondaryStatus: string }).secondaryStatus))
      .toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
  });

  it('forecasts 30 points per input line with a batch transform of the created model', async () => {
    // Prepare
    const { ModelArn } = await sagemaker.createModel({
      ModelName: 'deepar-fee-1', ExecutionRoleArn: ROLE_ARN,
      PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts },
    });
    expect(ModelArn).toBe('arn:aws:sagemaker:local:000000000000:model/deepar-fee-1');
    // Act
    await sagemaker.createTransformJob(aTransformJobRequest('forecast-1', 'deepar-fee-1', channels.transformInput));
    const done = await sagemaker.waitForTransformJob('forecast-1');
    // Assess
    expect(done).toMatchObject({ TransformJobStatus: 'Completed', ModelName: 'deepar-fee-1', BatchStrategy: 'SingleRecord' });
    expect(done.TransformEndTime).toBeInstanceOf(Date);
    const out = (await store.get(`${BUCKET}/forecasts/forecast-1/series.json.out`)).toString('utf8');
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as { mean: number[]; quantiles: Record<string, number[]> });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.mean).toHaveLength(30);
      expect(Object.keys(line.quantiles)).toEqual(['0.1', '0.5', '0.9']);
      for (const q of Object.values(line.quantiles)) expect(q).toHaveLength(30);
      expect(line.mean.every(Number.isFinite)).toBe(true);
    }
    expect(await sagemaker.transformJobOutputs('forecast-1')).toEqual([`${BUCKET}/forecasts/forecast-1/series.json.out`]);
  });

  it('fails a transform job on a bad input line, naming the line', async () => {
    // Prepare
    await store.put(`${BUCKET}/bad-input/series.json`, `${JSON.stringify({ start: '2025-01-01 00:00:00', target: [1, 2, 3] })}\n{"start": oops}\n`);
    // Act
    await sagemaker.createTransformJob(aTransformJobRequest('forecast-bad', 'deepar-fee-1', `${BUCKET}/bad-input/`));
    const done = await sagemaker.waitForTransformJob('forecast-bad');
    // Assess
    expect(done.TransformJobStatus).toBe('Failed');
    expect(done.FailureReason).toMatch(/^DataValidationError: line 2: invalid JSON/);
    expect(done.FailureReason).toContain(`${BUCKET}/bad-input/series.json`);
  });

  it('fails a transform job on a bad DEEPAR_INFERENCE_CONFIG', async () => {
    // Act
    await sagemaker.createTransformJob(aTransformJobRequest('forecast-bad-config', 'deepar-fee-1', channels.transformInput, {
      Environment: { DEEPAR_INFERENCE_CONFIG: '{"num_samples": 0}' },
    }));
    const done = await sagemaker.waitForTransformJob('forecast-bad-config');
    // Assess
    expect(done).toMatchObject({ TransformJobStatus: 'Failed', FailureReason: expect.stringMatching(/^InferenceConfigError: .*num_samples/) });
  });

  it("fails a training job with DeepAR's named error for a bad hyperparameter", async () => {
    // Act
    await sagemaker.createTrainingJob(aTrainingJobRequest('deepar-bad-hp', channels, { HyperParameters: { time_freq: '1min', prediction_length: '30', epochs: 'ten' } }));
    const failed = await sagemaker.waitForTrainingJob('deepar-bad-hp');
    // Assess
    expect(failed).toMatchObject({ TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: expect.stringMatching(/^HyperparameterValidationError: hyperparameter /) });
    expect(failed.ModelArtifacts).toBeUndefined();
    expect(failed.SecondaryStatusTransitions!.at(-1)).toMatchObject({ Status: 'Failed', StatusMessage: failed.FailureReason });
  });

  it('runs createTrainingJob through the dispatcher with the .sync wait', async () => {
    // Act
    const out = (await sagemaker.callSync('createTrainingJob', aTrainingJobRequest('deepar-sync', { train: channels.train }))) as DescribeTrainingJobResponse;
    // Assess
    expect(out).toMatchObject({ TrainingJobName: 'deepar-sync', TrainingJobStatus: 'Completed' });
    expect(out.FinalMetricDataList!.map((m) => m.MetricName)).toEqual(['train:final_loss']);
  });
});
