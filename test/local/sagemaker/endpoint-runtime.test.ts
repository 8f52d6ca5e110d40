/**
 * The endpoints' data plane under load: request bounds (400 naming the field), inference off the event loop (a
 * concurrent GET stays fast), and the bounded queue (a quick 503 with Retry-After beyond it).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { endpointRoutes, invocationsUrl } from '../../../local/http/endpoint-routes';
import { createHttpServer, sendJson, type RunningHttpServer } from '../../../local/http/server';
import type { LocalSageMaker } from '../../../local/sagemaker';
import { EndpointInvocationError, overloaded } from '../../../local/sagemaker/endpoint-request';
import { InferencePool, InferenceQueueFullError } from '../../../local/sagemaker/inference-pool';
import { aTwinHome } from '../../builders/twin-home';
import { naivePredictor } from '../../contracts/fakes/naive-model';
import invokeEndpoint from '../../fixtures/aws/sagemaker-runtime-invoke-endpoint.json';
import { aFakeTrainer, aLocalSageMaker, aTrainingJobRequest, DEEPAR_IMAGE, minuteSeries, ROLE_ARN, writeChannels } from './builders';

const INSTANCE = { start: '2025-01-01 00:00:00', target: minuteSeries(120) };

async function deploy(sagemaker: LocalSageMaker, home: { objectsDir: string }, name: string): Promise<void> {
  await sagemaker.createTrainingJob(aTrainingJobRequest(name, await writeChannels(new FsObjectStore(home.objectsDir), name)));
  const trained = await sagemaker.waitForTrainingJob(name);
  expect(trained.TrainingJobStatus).toBe('Completed');
  await sagemaker.createModel({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
  await sagemaker.createEndpointConfig({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
  await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: name });
  expect((await sagemaker.waitForEndpoint(name)).EndpointStatus).toBe('InService');
}

describe('Function: EndpointRuntime.invoke, request bounds', () => {
  const home = aTwinHome();
  const sagemaker = aLocalSageMaker(home, { trainer: aFakeTrainer(), modelLoader: naivePredictor });
  beforeAll(() => deploy(sagemaker, home, 'naive'));
  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  it.each([
    ['num_samples 1e9', { instances: [INSTANCE], configuration: { num_samples: 1e9 } }, 'configuration.num_samples'],
    ['num_samples one beyond the limit', { instances: [INSTANCE], configuration: { num_samples: invokeEndpoint.twinLimits.numSamples + 1 } }, 'configuration.num_samples'],
    ['one instance beyond the limit', { instances: Array.from({ length: invokeEndpoint.twinLimits.instancesPerRequest + 1 }, () => INSTANCE) }, 'instances'],
  ])('refuses %s with a ModelError (400) naming the field', async (_, body, field) => {
    // Act
    const refused = await sagemaker.invokeEndpoint('naive', body).catch((e: unknown) => e);
    // Assess
    expect(refused).toBeInstanceOf(EndpointInvocationError);
    expect(refused).toMatchObject({ name: 'ModelError', statusCode: 400, field });
    expect((refused as Error).message).toMatch(/at most/);
  });

  it('answers at the limits themselves', async () => {
    const body = { instances: Array.from({ length: invokeEndpoint.twinLimits.instancesPerRequest }, () => INSTANCE), configuration: { num_samples: invokeEndpoint.twinLimits.numSamples } };
    await expect(sagemaker.invokeEndpoint('naive', body)).resolves.toMatchObject({ predictions: expect.any(Array) });
  });
});

describe('Function: EndpointRuntime with DeepAR in worker threads', () => {
  const home = aTwinHome();
  const sagemaker = aLocalSageMaker(home);
  let server: RunningHttpServer;
  beforeAll(async () => {
    await deploy(sagemaker, home, 'fees');
    server = await createHttpServer({ routes: [...endpointRoutes(sagemaker), { method: 'GET', pattern: /^\/ping$/, handle: (_req, res) => sendJson(res, 200, { ok: true }) }] });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    sagemaker.close();
    home.dispose();
  });

  it('keeps the event loop free: a GET answers fast while heavy invocations keep coming', async () => {
    // Prepare: two clients post, back to back, 20 series x 1000 samples each (a second or more of inference)
    const heavy = JSON.stringify({ instances: Array.from({ length: 20 }, () => INSTANCE), configuration: { num_samples: 1000, output_types: ['mean'] } });
    const statuses: number[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        try {
          const res = await fetch(invocationsUrl(server.url, 'fees'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: heavy });
          await res.arrayBuffer();
          statuses.push(res.status);
        } catch {
          statuses.push(0);
        }
      }
    };
    const clients = [client(), client()];
    // Act
    const pings: number[] = [];
    await new Promise((r) => setTimeout(r, 300)); // both requests are being answered
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      expect((await fetch(`${server.url}/ping`)).status).toBe(200);
      pings.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await Promise.all(clients);
    // Assess
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...pings)).toBeLessThan(300);
  }, 60_000);

  it('beyond its bounded queue, refuses at once; requests queued before still get their answer', async () => {
    // Prepare: one worker, two places in the queue, the model the endpoint serves
    const modelsDir = join(home.dir, 'work', 'models');
    const dir = join(modelsDir, readdirSync(modelsDir)[0]);
    const pool = new InferencePool({ size: 1, maxQueued: 2 });
    try {
      await pool.preload('fees', dir);
      const body = { instances: Array.from({ length: 10 }, () => INSTANCE), configuration: { num_samples: 500 } };
      // Act
      const t0 = performance.now();
      const outcomes = Array.from({ length: 6 }, () => pool.run('fees', dir, body, 0).then(() => 'answered', (e: unknown) => e));
      const refused = await Promise.race([outcomes[5], new Promise((r) => setTimeout(() => r('late'), 50))]);
      const refusedAfterMs = performance.now() - t0;
      const all = await Promise.all(outcomes);
      // Assess
      expect(refused).toBeInstanceOf(InferenceQueueFullError);
      expect(refusedAfterMs).toBeLessThan(50);
      expect(all.slice(0, 3)).toEqual(['answered', 'answered', 'answered']);
      expect(all.slice(3).every((o) => o instanceof InferenceQueueFullError)).toBe(true);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('reports a model the workers cannot load with the loader\'s error, so the deployment fails', async () => {
    const pool = new InferencePool({ size: 1 });
    try {
      await expect(pool.preload('missing', join(home.dir, 'no-such-model'))).rejects.toMatchObject({ name: 'ModelArtifactError', message: expect.stringContaining('cannot read a DeepAR model') });
    } finally {
      await pool.close();
    }
  });

  it('answers 503 ServiceUnavailable with Retry-After over HTTP when the queue is full', async () => {
    // Prepare
    const busy = await createHttpServer({ routes: endpointRoutes({ invokeEndpoint: async () => Promise.reject(overloaded('fees', 256)) }) });
    try {
      // Act
      const res = await fetch(invocationsUrl(busy.url, 'fees'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [INSTANCE] }) });
      // Assess
      expect(res.status).toBe(invokeEndpoint.errors.ServiceUnavailable.status);
      expect(res.headers.get('retry-after')).toBe('1');
      await expect(res.json()).resolves.toEqual({ message: expect.stringContaining('Try your call again'), code: 'ServiceUnavailable' });
    } finally {
      await busy.close();
    }
  });
});
