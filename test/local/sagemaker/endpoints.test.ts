/**
 * Endpoint configs and endpoints with the real DeepAR: two tiny models trained once for the file (the slow
 * part), then create, invoke, update, a failed update, restart and delete.
 */
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import type { LocalSageMaker } from '../../../local/sagemaker';
import type { ModelLoader } from '../../../local/sagemaker/model-host';
import { ORPHAN_FAILURE_REASON } from '../../../local/sagemaker';
import { loadPredictor } from '../../../src/deepar/runtime';
import { aTwinHome } from '../../builders/twin-home';
import { aLocalSageMaker, aTrainingJobRequest, BUCKET, DEEPAR_IMAGE, minuteSeries, ROLE_ARN, writeChannels } from './builders';

const BODY = {
  instances: [{ start: '2025-01-01 00:00:00', target: minuteSeries(120) }],
  configuration: { num_samples: 20, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] },
};

function aConfig(name: string, modelName: string) {
  return { EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: modelName, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' as const }] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LocalSageMaker: endpoint configs and endpoints', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  /** Model dirs whose load is held until released (to observe Creating/Updating). */
  const held = new Map<string, Promise<void>>();
  const loader: ModelLoader = async (dir) => {
    for (const [part, gate] of held) if (dir.includes(part)) await gate;
    return loadPredictor(dir);
  };
  let sagemaker: LocalSageMaker;

  beforeAll(async () => {
    sagemaker = aLocalSageMaker(home, { modelLoader: loader });
    const channels = await writeChannels(store);
    const channelsB = await writeChannels(store, 'run-2');
    await store.put(`${BUCKET}/run-2/train/data.json`, JSON.stringify({ start: '2025-01-01 00:00:00', target: minuteSeries(300, 17).map((v) => v * 3) }) + '\n');
    await Promise.all([
      sagemaker.createTrainingJob(aTrainingJobRequest('model-a', channels)),
      sagemaker.createTrainingJob(aTrainingJobRequest('model-b', channelsB)),
    ]);
    for (const name of ['model-a', 'model-b']) {
      const trained = await sagemaker.waitForTrainingJob(name);
      expect(trained.TrainingJobStatus).toBe('Completed');
      await sagemaker.createModel({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
    }
    await store.put(`${BUCKET}/broken/model.tar.gz`, 'not a tarball');
    await sagemaker.createModel({ ModelName: 'model-broken', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: `${BUCKET}/broken/model.tar.gz` } });
    for (const [config, model] of [['config-a', 'model-a'], ['config-b', 'model-b'], ['config-broken', 'model-broken']]) {
      await sagemaker.createEndpointConfig(aConfig(config, model));
    }
  }, 60000);

  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  describe('Function: createEndpointConfig', () => {
    it('answers the config ARN and describes it with defaults filled in', async () => {
      // Act
      const out = await sagemaker.call('createEndpointConfig', aConfig('config-x', 'model-a'));
      const described = await sagemaker.describeEndpointConfig({ EndpointConfigName: 'config-x' });
      // Assess
      expect(out).toEqual({ EndpointConfigArn: 'arn:aws:sagemaker:local:000000000000:endpoint-config/config-x' });
      expect(described).toMatchObject({
        EndpointConfigName: 'config-x',
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'model-a', InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 }],
      });
      expect(described.CreationTime).toBeInstanceOf(Date);
    });

    it.each([
      ['an unknown model', aConfig('config-y', 'no-such-model'), 'Could not find model "arn:aws:sagemaker:local:000000000000:model/no-such-model".'],
      ['a duplicate name', aConfig('config-a', 'model-a'), 'Cannot create already existing endpoint configuration "arn:aws:sagemaker:local:000000000000:endpoint-config/config-a".'],
      ['a missing instance count', { EndpointConfigName: 'c', ProductionVariants: [{ VariantName: 'v', ModelName: 'model-a', InstanceType: 'ml.m5.large' }] }, "at 'ProductionVariants.1.InitialInstanceCount'"],
      ['no variant', { EndpointConfigName: 'c', ProductionVariants: [] }, "at 'ProductionVariants'"],
    ])('refuses %s with a ValidationException', async (_, request, message) => {
      await expect(sagemaker.createEndpointConfig(request as never)).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining(message) });
    });

    it('deletes a config, then does not find it', async () => {
      await sagemaker.createEndpointConfig(aConfig('config-z', 'model-a'));
      await sagemaker.deleteEndpointConfig({ EndpointConfigName: 'config-z' });
      await expect(sagemaker.describeEndpointConfig({ EndpointConfigName: 'config-z' })).rejects.toMatchObject({
        name: 'ValidationException', message: 'Could not find endpoint configuration "arn:aws:sagemaker:local:000000000000:endpoint-config/config-z".',
      });
    });
  });

  describe('Function: createEndpoint', () => {
    it('is Creating until the model is loaded, refuses invocations meanwhile, then is InService', async () => {
      // Prepare
      let release!: () => void;
      held.set('model-a-', new Promise<void>((r) => (release = r)));
      // Act
      const { EndpointArn } = await sagemaker.createEndpoint({ EndpointName: 'fees', EndpointConfigName: 'config-a' });
      const creating = await sagemaker.describeEndpoint({ EndpointName: 'fees' });
      const refused = sagemaker.invokeEndpoint('fees', BODY);
      await expect(refused).rejects.toMatchObject({ name: 'ServiceUnavailable', statusCode: 503, message: 'Endpoint fees is not in service (status Creating).' });
      release();
      held.clear();
      const inService = await sagemaker.waitForEndpoint('fees');
      // Assess
      expect(EndpointArn).toBe('arn:aws:sagemaker:local:000000000000:endpoint/fees');
      expect(creating).toMatchObject({ EndpointStatus: 'Creating', EndpointConfigName: 'config-a' });
      expect(creating.ProductionVariants).toBeUndefined();
      expect(inService).toMatchObject({
        EndpointName: 'fees', EndpointArn, EndpointConfigName: 'config-a', EndpointStatus: 'InService',
        ProductionVariants: [{ VariantName: 'AllTraffic', CurrentWeight: 1, CurrentInstanceCount: 1, DeployedImages: [{ SpecifiedImage: DEEPAR_IMAGE }] }],
      });
      expect(inService.FailureReason).toBeUndefined();
      expect(inService.LastModifiedTime!.getTime()).toBeGreaterThanOrEqual(inService.CreationTime!.getTime());
    });

    it('forecasts prediction_length points per instance in DeepAR\'s format', async () => {
      // Act
      const { predictions } = await sagemaker.invokeEndpoint('fees', BODY);
      // Assess
      expect(predictions).toHaveLength(1);
      const p = predictions[0] as { mean: number[]; quantiles: Record<string, number[]> };
      expect(p.mean).toHaveLength(30);
      expect(Object.keys(p.quantiles)).toEqual(['0.1', '0.5', '0.9']);
      expect(p.mean.every(Number.isFinite)).toBe(true);
    });

    it.each([
      ['a body that is not an object', [1, 2], 'the request body must be a JSON object', ''],
      ['no instances', { configuration: {} }, '"instances" must be a list', 'instances'],
      ['an unknown top-level field', { instances: [], extra: 1 }, 'unknown field "extra"', 'extra'],
      ['a bad target value', { instances: [{ start: '2025-01-01 00:00:00', target: [1, 'x'] }] }, 'instances[0]: target[1] must be a number', 'instances[0].target'],
      ['a bad num_samples', { instances: BODY.instances, configuration: { num_samples: 0 } }, 'num_samples', 'configuration.num_samples'],
    ])('refuses %s with a ModelError naming the field', async (_, body, message, field) => {
      await expect(sagemaker.invokeEndpoint('fees', body)).rejects.toMatchObject({ name: 'ModelError', statusCode: 400, field, message: expect.stringContaining(message) });
    });

    it('answers SageMaker Runtime\'s ValidationError for an unknown endpoint, and ValidationException to describe it', async () => {
      await expect(sagemaker.invokeEndpoint('nope', BODY)).rejects.toMatchObject({ name: 'ValidationError', statusCode: 404, message: 'Endpoint nope of account 000000000000 not found.' });
      await expect(sagemaker.describeEndpoint({ EndpointName: 'nope' })).rejects.toMatchObject({
        name: 'ValidationException', message: 'Could not find endpoint "arn:aws:sagemaker:local:000000000000:endpoint/nope".',
      });
    });

    it('refuses a duplicate endpoint and an unknown config', async () => {
      await expect(sagemaker.createEndpoint({ EndpointName: 'fees', EndpointConfigName: 'config-a' })).rejects.toMatchObject({
        name: 'ValidationException', message: 'Cannot create already existing endpoint "arn:aws:sagemaker:local:000000000000:endpoint/fees".',
      });
      await expect(sagemaker.createEndpoint({ EndpointName: 'other', EndpointConfigName: 'missing' })).rejects.toMatchObject({
        name: 'ValidationException', message: expect.stringContaining('Could not find endpoint configuration'),
      });
    });

    it('fails an endpoint whose model cannot be loaded', async () => {
      await sagemaker.createEndpoint({ EndpointName: 'broken', EndpointConfigName: 'config-broken' });
      const failed = await sagemaker.waitForEndpoint('broken');
      expect(failed).toMatchObject({ EndpointStatus: 'Failed', FailureReason: expect.stringContaining('ModelArtifactError: cannot unpack the model data') });
      await expect(sagemaker.invokeEndpoint('broken', BODY)).rejects.toMatchObject({ name: 'ServiceUnavailable', statusCode: 503 });
    });
  });

  describe('Function: updateEndpoint', () => {
    it('serves the old model while Updating, then the new one', async () => {
      // Prepare
      const before = await sagemaker.invokeEndpoint('fees', BODY);
      let release!: () => void;
      held.set('model-b-', new Promise<void>((r) => (release = r)));
      // Act
      await sagemaker.call('updateEndpoint', { EndpointName: 'fees', EndpointConfigName: 'config-b' });
      const updating = await sagemaker.describeEndpoint({ EndpointName: 'fees' });
      const during = await sagemaker.invokeEndpoint('fees', BODY);
      const secondUpdate = sagemaker.updateEndpoint({ EndpointName: 'fees', EndpointConfigName: 'config-a' });
      await expect(secondUpdate).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Cannot update in-progress endpoint') });
      release();
      held.clear();
      const done = await sagemaker.waitForEndpoint('fees');
      const after = await sagemaker.invokeEndpoint('fees', BODY);
      // Assess
      expect(updating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'config-a', PendingDeploymentSummary: { EndpointConfigName: 'config-b' } });
      expect(during).toEqual(before);
      expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-b' });
      expect(after).not.toEqual(before);
    });

    // As SageMaker documents (test/fixtures/aws/sagemaker-endpoint-lifecycle.json, updateFails): a failed update
    // rolls back to InService on the previous config with a FailureReason; it reported Failed before.
    it('keeps serving the old model after a failed update, rolls back to InService with a FailureReason, and takes a good config', async () => {
      // Prepare
      const before = await sagemaker.invokeEndpoint('fees', BODY);
      // Act
      await sagemaker.updateEndpoint({ EndpointName: 'fees', EndpointConfigName: 'config-broken' });
      const failed = await sagemaker.waitForEndpoint('fees');
      const served = await sagemaker.invokeEndpoint('fees', BODY);
      await sagemaker.updateEndpoint({ EndpointName: 'fees', EndpointConfigName: 'config-a' });
      const restored = await sagemaker.waitForEndpoint('fees');
      // Assess
      expect(failed).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-b', FailureReason: expect.stringContaining('ModelArtifactError') });
      expect(served).toEqual(before);
      expect(restored).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-a' });
      expect(restored.FailureReason).toBeUndefined();
    });
  });

  describe('restart and delete', () => {
    it('serves an InService endpoint after a restart (lazily) and fails one left Creating', async () => {
      // Prepare
      const before = await sagemaker.invokeEndpoint('fees', BODY);
      held.set('model-b-', new Promise<void>(() => undefined)); // never loads
      await sagemaker.createEndpoint({ EndpointName: 'stuck', EndpointConfigName: 'config-b' });
      await sleep(20);
      // Act
      sagemaker.close();
      held.clear();
      sagemaker = aLocalSageMaker(home, { modelLoader: loader });
      const recovered = sagemaker.recover();
      // Assess
      expect(recovered.endpoints).toEqual(['stuck']);
      await expect(sagemaker.describeEndpoint({ EndpointName: 'stuck' })).resolves.toMatchObject({ EndpointStatus: 'Failed', FailureReason: ORPHAN_FAILURE_REASON });
      await expect(sagemaker.describeEndpoint({ EndpointName: 'fees' })).resolves.toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-a' });
      await expect(sagemaker.invokeEndpoint('fees', BODY)).resolves.toEqual(before);
    });

    it('deletes an endpoint and lists the rest', async () => {
      await sagemaker.deleteEndpoint({ EndpointName: 'stuck' });
      await expect(sagemaker.invokeEndpoint('stuck', BODY)).rejects.toMatchObject({ name: 'ValidationError' });
      const { Endpoints } = await sagemaker.listEndpoints({ SortBy: 'Name', SortOrder: 'Ascending' });
      expect(Endpoints!.map((e) => [e.EndpointName, e.EndpointStatus])).toEqual([['broken', 'Failed'], ['fees', 'InService']]);
    });
  });
});
