/** Requests SageMaker would refuse, refused with its error names and a message naming the field. */
import type { CreateTrainingJobRequest } from '@aws-sdk/client-sagemaker';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { type LocalSageMaker, SageMakerServiceError } from '../../../local/sagemaker';
import { aTwinHome } from '../../builders/twin-home';
import {
  aFakeTrainer, aLocalSageMaker, aTrainingJobRequest, aTransformJobRequest, BUCKET, DEEPAR_IMAGE, ROLE_ARN, writeChannels,
} from './builders';

describe('LocalSageMaker: request validation', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  let sagemaker: LocalSageMaker;
  let channels: Awaited<ReturnType<typeof writeChannels>>;
  const MODEL_URL = `${BUCKET}/models/m/output/model.tar.gz`;

  beforeAll(async () => {
    sagemaker = aLocalSageMaker(home, { trainer: aFakeTrainer() });
    channels = await writeChannels(store);
    await store.put(MODEL_URL, 'not really a tarball');
    await sagemaker.createModel({ ModelName: 'existing-model', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: MODEL_URL } });
  });

  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  const trainingCases: [string, (r: CreateTrainingJobRequest) => unknown, string, RegExp][] = [
    ['a name with an underscore', (r) => ({ ...r, TrainingJobName: 'bad_name' }), 'TrainingJobName', /Value 'bad_name' at 'TrainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern/],
    ['a name of 64 characters', (r) => ({ ...r, TrainingJobName: 'a'.repeat(64) }), 'TrainingJobName', /length less than or equal to 63/],
    ['no RoleArn', (r) => ({ ...r, RoleArn: undefined }), 'RoleArn', /Member must not be null/],
    ['a RoleArn that is not a role', (r) => ({ ...r, RoleArn: 'arn:aws:iam::123456789012:user/alice' }), 'RoleArn', /regular expression pattern/],
    ['another algorithm\'s image', (r) => ({ ...r, AlgorithmSpecification: { TrainingImage: '382416733822.dkr.ecr.us-east-1.amazonaws.com/xgboost:1', TrainingInputMode: 'File' } }), 'AlgorithmSpecification.TrainingImage', /not DeepAR's/],
    ['a bad input mode', (r) => ({ ...r, AlgorithmSpecification: { TrainingImage: 'forecasting-deepar:local', TrainingInputMode: 'Stream' } }), 'AlgorithmSpecification.TrainingInputMode', /enum value set: \[File, Pipe, FastFile\]/],
    ['a hyperparameter that is not a string', (r) => ({ ...r, HyperParameters: { epochs: 1 } }), 'HyperParameters.epochs', /Member must be a string/],
    ['no train channel', (r) => ({ ...r, InputDataConfig: r.InputDataConfig!.filter((c) => c.ChannelName === 'test') }), 'InputDataConfig', /needs a "train" channel/],
    ['a channel DeepAR does not read', (r) => ({ ...r, InputDataConfig: [{ ...r.InputDataConfig![0], ChannelName: 'validation' }] }), 'InputDataConfig[0].ChannelName', /enum value set: \[train, test\]/],
    ['an S3Uri that is not one', (r) => ({ ...r, InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: '/tmp/train.json' } } }] }), 'InputDataConfig[0].DataSource.S3DataSource.S3Uri', /S3 URI/],
    ['a prefix with no objects', (r) => ({ ...r, InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `${BUCKET}/nothing-here/` } } }] }), 'InputDataConfig[0].DataSource.S3DataSource.S3Uri', /no S3 objects found under S3 URL/],
    ['a manifest channel', (r) => ({ ...r, InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'ManifestFile', S3Uri: channels.train } } }] }), 'InputDataConfig[0].DataSource.S3DataSource.S3DataType', /S3Prefix channels only/],
    ['no OutputDataConfig', (r) => ({ ...r, OutputDataConfig: undefined }), 'OutputDataConfig', /Member must not be null/],
    ['no instances', (r) => ({ ...r, ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 0, VolumeSizeInGB: 5 } }), 'ResourceConfig.InstanceCount', /integer between 1 and 100/],
    ['a runtime over 28 days', (r) => ({ ...r, StoppingCondition: { MaxRuntimeInSeconds: 2_419_201 } }), 'StoppingCondition.MaxRuntimeInSeconds', /integer between 1 and 2419200/],
  ];

  it.each(trainingCases)('Function: createTrainingJob refuses %s', async (_, change, field, message) => {
    // Act
    const call = sagemaker.createTrainingJob(change(aTrainingJobRequest('valid-name', channels)) as CreateTrainingJobRequest);
    // Assess
    await expect(call).rejects.toBeInstanceOf(SageMakerServiceError);
    await expect(call).rejects.toMatchObject({ name: 'ValidationException', field, message: expect.stringMatching(message) });
    await expect(call).rejects.toThrow(field);
  });

  it('refuses a second training job of the same name (any case) as ResourceInUse', async () => {
    // Prepare
    await sagemaker.createTrainingJob(aTrainingJobRequest('dup-job', channels));
    // Act
    const call = sagemaker.createTrainingJob(aTrainingJobRequest('DUP-job', channels));
    // Assess
    await expect(call).rejects.toMatchObject({ name: 'ResourceInUse', message: expect.stringContaining('training-job/dup-job') });
    await sagemaker.waitForTrainingJob('dup-job');
  });

  it('answers an unknown training job as SageMaker does', async () => {
    await expect(sagemaker.describeTrainingJob({ TrainingJobName: 'no-such-job' })).rejects.toMatchObject({ name: 'ValidationException', message: 'Requested resource not found.' });
    await expect(sagemaker.stopTrainingJob({ TrainingJobName: 'no-such-job' })).rejects.toMatchObject({ name: 'ResourceNotFound', message: 'Requested resource not found.' });
    await expect(sagemaker.waitForTrainingJob('no-such-job')).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('Function: createModel refuses a missing artifact, another image, a duplicate; describe/delete an unknown model', async () => {
    const model = (over: object) => ({ ModelName: 'm-1', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: MODEL_URL }, ...over });
    await expect(sagemaker.createModel(model({ PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: `${BUCKET}/missing/model.tar.gz` } })))
      .rejects.toMatchObject({ name: 'ValidationException', field: 'PrimaryContainer.ModelDataUrl', message: expect.stringContaining('could not find the object') });
    await expect(sagemaker.createModel(model({ PrimaryContainer: { Image: 'linear-learner:1', ModelDataUrl: MODEL_URL } })))
      .rejects.toMatchObject({ name: 'ValidationException', field: 'PrimaryContainer.Image' });
    await expect(sagemaker.createModel(model({ ExecutionRoleArn: undefined }))).rejects.toMatchObject({ name: 'ValidationException', field: 'ExecutionRoleArn' });
    await expect(sagemaker.createModel(model({ ModelName: 'existing-model' })))
      .rejects.toMatchObject({ name: 'ValidationException', message: 'Cannot create already existing model "arn:aws:sagemaker:local:000000000000:model/existing-model".' });
    await expect(sagemaker.describeModel({ ModelName: 'nope' })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/^Could not find model "arn:aws:sagemaker:local:000000000000:model\/nope"/) });
    await expect(sagemaker.deleteModel({ ModelName: 'nope' })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('Function: deleteModel removes a model', async () => {
    await sagemaker.createModel({ ModelName: 'to-delete', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: 'forecasting-deepar:local', ModelDataUrl: MODEL_URL } });
    await expect(sagemaker.describeModel({ ModelName: 'to-delete' })).resolves.toMatchObject({ ModelName: 'to-delete', CreationTime: expect.any(Date) });
    await sagemaker.deleteModel({ ModelName: 'to-delete' });
    await expect(sagemaker.describeModel({ ModelName: 'to-delete' })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  const transformCases: [string, object, string, RegExp][] = [
    ['an unknown model', { ModelName: 'no-model' }, 'ModelName', /Could not find model/],
    ['a bad batch strategy', { BatchStrategy: 'AllAtOnce' }, 'BatchStrategy', /enum value set: \[SingleRecord, MultiRecord\]/],
    ['a bad split type', { TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `${BUCKET}/run-1/transform-input/` } }, SplitType: 'RecordIO' } }, 'TransformInput.SplitType', /\[Line, None\]/],
    ['a bad assembly', { TransformOutput: { S3OutputPath: `${BUCKET}/out`, AssembleWith: 'Comma' } }, 'TransformOutput.AssembleWith', /\[Line, None\]/],
    ['no resources', { TransformResources: undefined }, 'TransformResources', /Member must not be null/],
    ['a bad instance type', { TransformResources: { InstanceType: 'm5.large', InstanceCount: 1 } }, 'TransformResources.InstanceType', /instance type/],
    ['an input prefix with no objects', { TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `${BUCKET}/empty/` } } } }, 'TransformInput.DataSource.S3DataSource.S3Uri', /no S3 objects found/],
    ['an output path that is not S3', { TransformOutput: { S3OutputPath: 'file:///tmp/out' } }, 'TransformOutput.S3OutputPath', /S3 URI/],
  ];

  it.each(transformCases)('Function: createTransformJob refuses %s', async (_, change, field, message) => {
    const call = sagemaker.createTransformJob({ ...aTransformJobRequest('valid-transform', 'existing-model', channels.transformInput), ...change });
    await expect(call).rejects.toMatchObject({ name: 'ValidationException', field, message: expect.stringMatching(message) });
  });

  it('answers an unknown transform job with a ValidationException', async () => {
    await expect(sagemaker.describeTransformJob({ TransformJobName: 'nope' })).rejects.toMatchObject({ name: 'ValidationException', message: 'Could not find requested job with name nope' });
  });

  it('refuses a request that is not an object', async () => {
    await expect(sagemaker.call('describeTrainingJob', 'a string')).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
