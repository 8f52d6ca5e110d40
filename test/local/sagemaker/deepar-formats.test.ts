/**
 * The local SageMaker accepts what SageMaker's DeepAR accepts, as its documentation says
 * (test/fixtures/aws/deepar-channel-formats.json, sagemaker-job-names.json): a channel's format from its
 * files' extension or an explicit ContentType, and a job name used once only.
 */
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import type { LocalSageMaker } from '../../../local/sagemaker';
import deepArFormats from '../../fixtures/aws/deepar-channel-formats.json';
import jobNames from '../../fixtures/aws/sagemaker-job-names.json';
import { aTwinHome } from '../../builders/twin-home';
import { aFakeTrainer, aLocalSageMaker, aTrainingJobRequest, aTransformJobRequest, BUCKET, DEEPAR_IMAGE, jsonLine, minuteSeries, ROLE_ARN } from './builders';

describe('LocalSageMaker: DeepAR channel formats and job names', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  let sagemaker: LocalSageMaker;

  beforeAll(() => {
    sagemaker = aLocalSageMaker(home, { trainer: aFakeTrainer() });
  });
  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  const channelsNamed = async (run: string, file: string) => {
    await store.put(`${BUCKET}/${run}/train/${file}`, jsonLine(minuteSeries(100)) + '\n');
    await store.put(`${BUCKET}/${run}/train/_SUCCESS`, '');
    return { train: `${BUCKET}/${run}/train/` };
  };
  const withoutContentType = (req: ReturnType<typeof aTrainingJobRequest>) => ({
    ...req,
    InputDataConfig: req.InputDataConfig!.map(({ ContentType: _, ...channel }) => channel),
  });

  it.each(deepArFormats.trainingChannels.extensions.filter((ext) => ext === '.json'))('reads %s channels without a ContentType', async (ext) => {
    await sagemaker.createTrainingJob(withoutContentType(aTrainingJobRequest('fmt-json', await channelsNamed('fmt-json', `train${ext}`))));
    const job = await sagemaker.waitForTrainingJob('fmt-json');
    expect([job.TrainingJobStatus, job.FailureReason]).toEqual(['Completed', undefined]);
  });

  it('fails the job, naming the file, when neither the extension nor a ContentType says the format', async () => {
    await sagemaker.createTrainingJob(withoutContentType(aTrainingJobRequest('fmt-jsonl', await channelsNamed('fmt-jsonl', 'train.jsonl'))));
    const job = await sagemaker.waitForTrainingJob('fmt-jsonl');
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/^ClientError: channel train: cannot tell the format of train\.jsonl/);
  });

  it('reads any extension when the channel says its ContentType', async () => {
    await sagemaker.createTrainingJob(aTrainingJobRequest('fmt-explicit', await channelsNamed('fmt-explicit', 'train.jsonl')));
    expect((await sagemaker.waitForTrainingJob('fmt-explicit')).TrainingJobStatus).toBe('Completed');
  });

  it('fails a batch transform whose batches DeepAR cannot take (its documented BatchStrategy and SplitType)', async () => {
    const { ModelArtifacts } = await sagemaker.waitForTrainingJob('fmt-json');
    await sagemaker.call('createModel', { ModelName: 'fmt-model', PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: ModelArtifacts!.S3ModelArtifacts }, ExecutionRoleArn: ROLE_ARN });
    const request = aTransformJobRequest('fmt-transform', 'fmt-model', `${BUCKET}/fmt-json/train/`);
    await sagemaker.call('createTransformJob', { ...request, TransformInput: { ...request.TransformInput, SplitType: 'None' } });
    const job = await sagemaker.waitForTransformJob('fmt-transform');
    expect(job.TransformJobStatus).toBe('Failed');
    expect(job.FailureReason).toContain(`ClientError: DeepAR's batch transform needs BatchStrategy ${deepArFormats.batchTransform.BatchStrategy} and TransformInput.SplitType ${deepArFormats.batchTransform.SplitType}`);
  });

  it('refuses a training job name it has seen, even once the job has ended, as SageMaker does', async () => {
    const again = sagemaker.createTrainingJob(aTrainingJobRequest('fmt-explicit', { train: `${BUCKET}/fmt-explicit/train/` }));
    await expect(again).rejects.toMatchObject({ name: jobNames.trainingJob.errorCode, message: expect.stringContaining(jobNames.trainingJob.message) });
  });
});
