/** Training and transform jobs beyond the happy path, with stand-in trainers: failure, stop, time-out, limits, restart. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { ORPHAN_FAILURE_REASON, SageMakerServiceError } from '../../../local/sagemaker';
import { aTwinHome } from '../../builders/twin-home';
import {
  aFakeTrainer, aHangingTrainer, aLocalSageMaker, aTrainingJobRequest, aTransformJobRequest, BUCKET, DEEPAR_IMAGE, ROLE_ARN, writeChannels,
} from './builders';

describe('LocalSageMaker: training job lifecycle', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: FsObjectStore;
  let channels: Awaited<ReturnType<typeof writeChannels>>;

  beforeEach(async () => {
    home = aTwinHome();
    store = new FsObjectStore(home.objectsDir);
    channels = await writeChannels(store);
  });

  afterEach(() => home.dispose());

  it('records a failing trainer as Failed with its error name and message', async () => {
    // Prepare
    const sagemaker = aLocalSageMaker(home, { trainer: aFakeTrainer({ fail: { name: 'HyperparameterValidationError', message: 'hyperparameter epochs: must be a positive integer' } }) });
    // Act
    await sagemaker.createTrainingJob(aTrainingJobRequest('failing-job', channels));
    const done = await sagemaker.waitForTrainingJob('failing-job');
    // Assess
    expect(done).toMatchObject({
      TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed',
      FailureReason: 'HyperparameterValidationError: hyperparameter epochs: must be a positive integer',
      TrainingEndTime: expect.any(Date),
    });
    expect(done.SecondaryStatusTransitions!.map((t) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Failed']);
    expect(await store.list(`${BUCKET}/models/`)).toEqual([]);
    sagemaker.close();
  });

  it('is InProgress as soon as it is created, and its channels are copied for the trainer', async () => {
    // Prepare
    const seen: string[] = [];
    const sagemaker = aLocalSageMaker(home, {
      trainer: async (req) => {
        seen.push(req.trainPath, req.testPath ?? '');
        return aFakeTrainer()(req);
      },
    });
    // Act
    await sagemaker.createTrainingJob(aTrainingJobRequest('quick-job', channels));
    const first = await sagemaker.describeTrainingJob({ TrainingJobName: 'quick-job' });
    const done = await sagemaker.waitForTrainingJob('quick-job');
    // Assess
    expect(first).toMatchObject({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Starting' });
    expect(done.TrainingJobStatus).toBe('Completed');
    expect(seen[0]).toMatch(/training-jobs[/\\]quick-job[/\\]input[/\\]data[/\\]train$/);
    expect(seen[1]).toMatch(/input[/\\]data[/\\]test$/);
    expect(await store.list(`${BUCKET}/models/quick-job/`)).toEqual([`${BUCKET}/models/quick-job/output/model.tar.gz`]);
    expect(existsSync(join(home.dir, 'work', 'training-jobs', 'quick-job'))).toBe(false); // scratch space cleaned
    sagemaker.close();
  });

  it('stops a running job, and refuses to stop it twice', async () => {
    // Prepare
    const sagemaker = aLocalSageMaker(home, { trainer: aHangingTrainer });
    await sagemaker.createTrainingJob(aTrainingJobRequest('long-job', channels));
    // Act
    await sagemaker.stopTrainingJob({ TrainingJobName: 'long-job' });
    const done = await sagemaker.waitForTrainingJob('long-job');
    // Assess
    expect(done).toMatchObject({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' });
    expect(done.SecondaryStatusTransitions!.map((t) => t.Status)).toContain('Stopping');
    await expect(sagemaker.stopTrainingJob({ TrainingJobName: 'long-job' }))
      .rejects.toMatchObject({ name: 'ValidationException', message: 'The request was rejected because the training job is in status Stopped.' });
    sagemaker.close();
  });

  it('stops a job that runs past StoppingCondition.MaxRuntimeInSeconds', async () => {
    // Prepare
    const sagemaker = aLocalSageMaker(home, { trainer: aHangingTrainer });
    // Act
    await sagemaker.createTrainingJob(aTrainingJobRequest('slow-job', channels, { StoppingCondition: { MaxRuntimeInSeconds: 1 } }));
    const done = await sagemaker.waitForTrainingJob('slow-job');
    // Assess
    expect(done).toMatchObject({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxRuntimeExceeded' });
    sagemaker.close();
  });

  it('answers ResourceLimitExceeded past the concurrent training job limit', async () => {
    // Prepare
    const sagemaker = aLocalSageMaker(home, { trainer: aHangingTrainer, maxConcurrentTrainingJobs: 1 });
    await sagemaker.createTrainingJob(aTrainingJobRequest('first-job', channels));
    // Act
    const second = sagemaker.createTrainingJob(aTrainingJobRequest('second-job', channels));
    // Assess
    await expect(second).rejects.toMatchObject({ name: 'ResourceLimitExceeded' });
    sagemaker.close();
  });

  it('stops waiting when the signal aborts', async () => {
    // Prepare
    const sagemaker = aLocalSageMaker(home, { trainer: aHangingTrainer });
    await sagemaker.createTrainingJob(aTrainingJobRequest('waited-job', channels));
    const controller = new AbortController();
    // Act
    const wait = sagemaker.waitForTrainingJob('waited-job', controller.signal);
    controller.abort(new Error('execution stopped'));
    // Assess
    await expect(wait).rejects.toThrow('execution stopped');
    sagemaker.close();
  });

  it('fails, on the next start, a job that was InProgress when the twin stopped', async () => {
    // Prepare: the first twin dies while training
    const before = aLocalSageMaker(home, { trainer: aHangingTrainer });
    await before.createTrainingJob(aTrainingJobRequest('orphan-job', channels));
    const aliveTwin = aLocalSageMaker(home, { trainer: aHangingTrainer });
    expect(aliveTwin.recover().trainingJobs).toEqual([]); // the first twin still runs it
    aliveTwin.close();
    before.close();
    // Act
    const after = aLocalSageMaker(home);
    const recovered = after.recover();
    // Assess
    expect(recovered.trainingJobs).toEqual(['orphan-job']);
    await expect(after.waitForTrainingJob('orphan-job')).resolves.toMatchObject({
      TrainingJobStatus: 'Failed', SecondaryStatus: 'Failed', FailureReason: ORPHAN_FAILURE_REASON,
    });
    after.close();
  });

  it('fails a job whose owning process has ended', async () => {
    // Prepare: a row written by a process that no longer exists
    const sagemaker = aLocalSageMaker(home, { trainer: aHangingTrainer });
    await sagemaker.createTrainingJob(aTrainingJobRequest('foreign-job', channels));
    sagemaker.close();
    home.db.prepare(`UPDATE sagemaker_training_jobs SET owner = '4194999:dead' WHERE name = 'foreign-job'`).run();
    // Act
    const after = aLocalSageMaker(home);
    const recovered = after.recover();
    // Assess
    expect(recovered.trainingJobs).toEqual(['foreign-job']);
    after.close();
  });

  it('fails a transform job that was InProgress when the twin stopped', async () => {
    // Prepare
    const url = `${BUCKET}/models/m/output/model.tar.gz`;
    await store.put(url, 'stub');
    const before = aLocalSageMaker(home);
    await before.createModel({ ModelName: 'm', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: url } });
    before.close(); // closed before the job is created: its run never writes
    home.db.prepare(`INSERT INTO sagemaker_transform_jobs (name, arn, status, request, owner, creation_time, last_modified_time)
      VALUES ('orphan-transform', 'arn:x', 'InProgress', ?, '4194999:dead', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`)
      .run(JSON.stringify(aTransformJobRequest('orphan-transform', 'm', channels.transformInput)));
    // Act
    const after = aLocalSageMaker(home);
    const recovered = after.recover();
    // Assess
    expect(recovered.transformJobs).toEqual(['orphan-transform']);
    await expect(after.describeTransformJob({ TransformJobName: 'orphan-transform' })).resolves.toMatchObject({ TransformJobStatus: 'Failed', FailureReason: ORPHAN_FAILURE_REASON });
    after.close();
  });

  it('fails a transform job whose model.tar.gz is not a model', async () => {
    // Prepare
    const url = `${BUCKET}/models/stub/output/model.tar.gz`;
    await store.put(url, 'not a tarball');
    const sagemaker = aLocalSageMaker(home);
    await sagemaker.createModel({ ModelName: 'stub', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: url } });
    // Act
    await sagemaker.createTransformJob(aTransformJobRequest('stub-transform', 'stub', channels.transformInput));
    const done = await sagemaker.waitForTransformJob('stub-transform');
    // Assess
    expect(done.TransformJobStatus).toBe('Failed');
    expect(done.FailureReason).toMatch(/^ModelArtifactError: cannot unpack the model data s3:\/\/mlops-artifacts\/models\/stub\/output\/model.tar.gz of model stub: /);
    sagemaker.close();
  });
});

describe('LocalSageMaker: call', () => {
  const home = aTwinHome();
  afterAll(() => home.dispose());

  it('maps SDK action names to the methods', async () => {
    const sagemaker = aLocalSageMaker(home);
    await expect(sagemaker.call('createModelPackageGroup', { ModelPackageGroupName: 'fees' })).resolves.toEqual({
      ModelPackageGroupArn: 'arn:aws:sagemaker:local:000000000000:model-package-group/fees',
    });
    await expect(sagemaker.call('describeModelPackageGroup', { ModelPackageGroupName: 'fees' })).resolves.toMatchObject({ ModelPackageGroupStatus: 'Completed' });
    sagemaker.close();
  });

  it('refuses an unknown action with a ValidationException', async () => {
    const sagemaker = aLocalSageMaker(home);
    for (const action of ['createHyperParameterTuningJob', 'toString', 'constructor']) {
      await expect(sagemaker.call(action, {})).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining(`"${action}"`) });
    }
    sagemaker.close();
  });

  it('lets a test inject throttling before a call', async () => {
    let calls = 0;
    const sagemaker = aLocalSageMaker(home, {
      beforeCall: () => {
        if (calls++ === 0) throw new SageMakerServiceError('ThrottlingException', 'Rate exceeded');
      },
    });
    await expect(sagemaker.call('describeModelPackageGroup', { ModelPackageGroupName: 'fees' })).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(sagemaker.call('describeModelPackageGroup', { ModelPackageGroupName: 'fees' })).resolves.toMatchObject({ ModelPackageGroupName: 'fees' });
    sagemaker.close();
  });
});
