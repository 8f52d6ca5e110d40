/**
 * `POST /endpoints/{name}/invocations` over the twin's HTTP server with real (tiny) DeepAR models, and the
 * proof that an update swaps the model atomically: a continuous stream of concurrent requests during the
 * update sees no failure, and each client sees the old model's answer, then the new one's, never back.
 */
import { endpointRoutes, invocationsUrl } from '../../../local/http/endpoint-routes';
import { createHttpServer, type RunningHttpServer } from '../../../local/http/server';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import type { LocalSageMaker } from '../../../local/sagemaker';
import type { ModelLoader } from '../../../local/sagemaker/model-host';
import { loadPredictor } from '../../../src/deepar/runtime';
import { aTwinHome } from '../../builders/twin-home';
import { aLocalSageMaker, aTrainingJobRequest, BUCKET, DEEPAR_IMAGE, minuteSeries, ROLE_ARN, writeChannels } from '../sagemaker/builders';
import invokeEndpoint from '../../fixtures/aws/sagemaker-runtime-invoke-endpoint.json';

const BODY = {
  instances: [{ start: '2025-01-01 00:00:00', target: minuteSeries(120) }],
  configuration: { num_samples: 10, output_types: ['mean'] },
};

async function invoke(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('Function: endpointRoutes', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  let slowLoadMs = 0;
  const loader: ModelLoader = async (dir) => {
    if (slowLoadMs) await new Promise((r) => setTimeout(r, slowLoadMs));
    return loadPredictor(dir);
  };
  let sagemaker: LocalSageMaker;
  let server: RunningHttpServer;

  beforeAll(async () => {
    sagemaker = aLocalSageMaker(home, { modelLoader: loader });
    const channels = await writeChannels(store);
    await store.put(`${BUCKET}/run-2/train/data.json`, JSON.stringify({ start: '2025-01-01 00:00:00', target: minuteSeries(300, 17).map((v) => v * 3) }) + '\n');
    await Promise.all([
      sagemaker.createTrainingJob(aTrainingJobRequest('old', channels)),
      sagemaker.createTrainingJob(aTrainingJobRequest('new', { train: `${BUCKET}/run-2/train/` })),
    ]);
    for (const name of ['old', 'new']) {
      const trained = await sagemaker.waitForTrainingJob(name);
      expect(trained.TrainingJobStatus).toBe('Completed');
      await sagemaker.createModel({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
      await sagemaker.createEndpointConfig({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    }
    await store.put(`${BUCKET}/broken/model.tar.gz`, 'not a tarball');
    await sagemaker.createModel({ ModelName: 'broken', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: `${BUCKET}/broken/model.tar.gz` } });
    await sagemaker.createEndpointConfig({ EndpointConfigName: 'broken', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'broken', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    await sagemaker.createEndpoint({ EndpointName: 'fees', EndpointConfigName: 'old' });
    await sagemaker.waitForEndpoint('fees');
    server = await createHttpServer({ routes: endpointRoutes(sagemaker) });
  }, 60000);

  afterAll(async () => {
    await server?.close();
    sagemaker.close();
    home.dispose();
  });

  it('answers DeepAR\'s predictions as application/json', async () => {
    const res = await fetch(invocationsUrl(server.url, 'fees'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BODY) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const { predictions } = (await res.json()) as { predictions: Array<{ mean: number[] }> };
    expect(predictions).toHaveLength(1);
    expect(predictions[0].mean).toHaveLength(30);
  });

  it.each([
    ['no instances', { configuration: {} }, 'instances'],
    ['a target that is not a list', { instances: [{ start: '2025-01-01 00:00:00', target: 5 }] }, 'instances[0]'],
    ['an unknown output type', { instances: BODY.instances, configuration: { output_types: ['median'] } }, 'output_types'],
    ['num_samples 1e9', { instances: BODY.instances, configuration: { num_samples: 1e9 } }, 'configuration.num_samples'],
    ['num_samples beyond the limit', { instances: BODY.instances, configuration: { num_samples: invokeEndpoint.twinLimits.numSamples + 1 } }, 'num_samples'],
    ['more instances than the limit', { instances: Array.from({ length: invokeEndpoint.twinLimits.instancesPerRequest + 1 }, () => BODY.instances[0]) }, 'instances'],
  ])('answers 400 naming the field for %s', async (_, body, field) => {
    const res = await invoke(invocationsUrl(server.url, 'fees'), body);
    expect(res).toEqual({ status: 400, body: { message: expect.stringContaining(field), code: 'ModelError' } });
  });

  it('answers 400 ValidationError, not 500, for an endpoint name with a malformed %-encoding', async () => {
    const res = await invoke(`${server.url}/endpoints/fe%E0%A4%A/invocations`, BODY);
    expect(res.status).toBe(invokeEndpoint.errors.ValidationError.status);
    expect(res.body).toEqual({ message: expect.stringContaining('not valid %-encoding'), code: 'ValidationError' });
  });

  it('answers 404 for an unknown endpoint and 503 for one not in service', async () => {
    await expect(invoke(invocationsUrl(server.url, 'nope'), BODY)).resolves.toEqual({
      status: 404, body: { message: 'Endpoint nope of account 000000000000 not found.', code: 'ValidationError' },
    });
    const { ModelDataUrl } = (await sagemaker.describeModel({ ModelName: 'old' })).PrimaryContainer!;
    await sagemaker.createModel({ ModelName: 'old-copy', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl } });
    await sagemaker.createEndpointConfig({ EndpointConfigName: 'later', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'old-copy', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    slowLoadMs = 2000;
    await sagemaker.createEndpoint({ EndpointName: 'later', EndpointConfigName: 'later' });
    await expect(invoke(invocationsUrl(server.url, 'later'), BODY)).resolves.toEqual({
      status: 503, body: { message: 'Endpoint later is not in service (status Creating).', code: 'ServiceUnavailable' },
    });
    await sagemaker.deleteEndpoint({ EndpointName: 'later' });
    slowLoadMs = 0;
  });

  it('swaps the model atomically: no failed request during an update, old answers then new ones', async () => {
    // Prepare
    const url = invocationsUrl(server.url, 'fees');
    const oldAnswer = JSON.stringify((await invoke(url, BODY)).body);
    const failures: string[] = [];
    const seen: string[][] = [[], [], [], [], [], []];
    let stop = false;
    const client = async (i: number) => {
      while (!stop) {
        try {
          const res = await invoke(url, BODY);
          if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
          else seen[i].push(JSON.stringify(res.body));
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const clients = seen.map((_, i) => client(i));
    // Act
    await new Promise((r) => setTimeout(r, 300));
    slowLoadMs = 500; // the new model takes a while to load: requests keep flowing meanwhile
    await sagemaker.updateEndpoint({ EndpointName: 'fees', EndpointConfigName: 'new' });
    const updated = await sagemaker.waitForEndpoint('fees');
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(clients);
    slowLoadMs = 0;
    // Assess
    expect(updated).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });
    expect(failures).toEqual([]);
    const newAnswer = JSON.stringify((await invoke(url, BODY)).body);
    expect(newAnswer).not.toBe(oldAnswer);
    for (const answers of seen) {
      expect(answers.length).toBeGreaterThan(2);
      const firstNew = answers.indexOf(newAnswer);
      expect(firstNew).toBeGreaterThan(0); // old ones first...
      expect(answers.slice(0, firstNew).every((a) => a === oldAnswer)).toBe(true);
      expect(answers.slice(firstNew).every((a) => a === newAnswer)).toBe(true); // ...then only new ones
    }
  });

  it('keeps answering with the current model when an update fails', async () => {
    const url = invocationsUrl(server.url, 'fees');
    const before = await invoke(url, BODY);
    await sagemaker.updateEndpoint({ EndpointName: 'fees', EndpointConfigName: 'broken' });
    const failed = await sagemaker.waitForEndpoint('fees');
    // A failed update rolls back to InService on the previous config, as SageMaker documents (test/fixtures/aws/sagemaker-endpoint-lifecycle.json).
    expect(failed).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new', FailureReason: expect.any(String) });
    await expect(invoke(url, BODY)).resolves.toEqual(before);
  });
});
