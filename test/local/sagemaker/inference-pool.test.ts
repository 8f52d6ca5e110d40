/**
 * Issue 13: an inference worker that dies is replaced. The request it was answering gets SageMaker Runtime's
 * ServiceUnavailable (503, "Try your call again": test/fixtures/aws/sagemaker-runtime-invoke-endpoint.json) at
 * once, not a hang; a new worker takes its place and the next requests are answered. The requests of a batch
 * it was answering are each tried once more alone: which one killed it is unknown, only that one should fail.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { endpointRoutes, invocationsUrl } from '../../../local/http/endpoint-routes';
import { createHttpServer } from '../../../local/http/server';
import { EndpointInvocationError } from '../../../local/sagemaker/endpoint-request';
import { InferencePool } from '../../../local/sagemaker/inference-pool';
import { aTwinHome } from '../../builders/twin-home';
import invokeEndpoint from '../../fixtures/aws/sagemaker-runtime-invoke-endpoint.json';
import { aLocalSageMaker, aTrainingJobRequest, DEEPAR_IMAGE, minuteSeries, ROLE_ARN, writeChannels } from './builders';

const INSTANCE = { start: '2025-01-01 00:00:00', target: minuteSeries(120) };
/** Long enough (a second or more of sampling) to be killed while it is being answered. */
const HEAVY = { instances: Array.from({ length: 20 }, () => INSTANCE), configuration: { num_samples: 1000, output_types: ['mean'] } };
const LIGHT = { instances: [INSTANCE], configuration: { num_samples: 10, output_types: ['mean'] } };

/** The length of the first instance's mean forecast (arrays from a worker are another realm's: no `expect.any(Array)`). */
const forecastLength = (result: { predictions: unknown[] }) => (result.predictions[0] as { mean: number[] }).mean.length;

describe('Class: InferencePool, a worker that dies', () => {
  const home = aTwinHome();
  const sagemaker = aLocalSageMaker(home);
  let modelDir: string;
  beforeAll(async () => {
    // A DeepAR model trained and served by an endpoint, as the twin unpacks it for its workers.
    const name = 'fees';
    await sagemaker.createTrainingJob(aTrainingJobRequest(name, await writeChannels(new FsObjectStore(home.objectsDir), name)));
    const trained = await sagemaker.waitForTrainingJob(name);
    await sagemaker.createModel({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
    await sagemaker.createEndpointConfig({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: name });
    expect((await sagemaker.waitForEndpoint(name)).EndpointStatus).toBe('InService');
    const modelsDir = join(home.dir, 'work', 'models');
    modelDir = join(modelsDir, readdirSync(modelsDir)[0]);
  }, 60_000);
  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  it('fails the request it was answering with a 503 at once, starts a replacement, and answers the next requests', async () => {
    // Prepare
    const pool = new InferencePool({ size: 1 });
    try {
      await pool.preload('fees', modelDir);
      const [dying] = pool.workers;
      const answering = pool.run('fees', modelDir, HEAVY as never, 0).catch((e: unknown) => e);
      const waiting = pool.run('fees', modelDir, LIGHT as never, 0);

      // Act
      const killedAt = performance.now();
      await dying.terminate();
      const failed = await answering;
      const failedAfterMs = performance.now() - killedAt;

      // Assess
      expect(failed).toBeInstanceOf(EndpointInvocationError);
      expect(failed).toMatchObject({ name: 'ServiceUnavailable', statusCode: invokeEndpoint.errors.ServiceUnavailable.status, retryAfterSeconds: 1 });
      expect((failed as Error).message).toMatch(/inference worker answering this request stopped \(it exited with code 1\).*Try your call again/);
      expect(failedAfterMs).toBeLessThan(1000);
      // The one queued behind it, and the next, are answered by the replacement.
      expect(pool.workers).toHaveLength(1);
      expect(pool.workers[0]).not.toBe(dying);
      expect(forecastLength(await waiting)).toBe(30);
      expect(forecastLength(await pool.run('fees', modelDir, LIGHT as never, 0))).toBe(30);
    } finally {
      await pool.close();
    }
  }, 60_000);

  /** The path and wait bounds raised so that heavy requests queue and batch: seconds of work, killed well before it ends. */
  const aOneWorkerPoolThatBatches = () => new InferencePool({ size: 1, maxBatchPaths: 100_000, maxQueueWaitMs: 60_000 });
  /** A heavy request keeps the one worker busy while three others queue; they go as one batch, now being answered. */
  async function threeRequestsInOneBatch(pool: InferencePool) {
    await pool.preload('fees', modelDir);
    const [dying] = pool.workers;
    const heavy = pool.run('fees', modelDir, HEAVY as never, 0);
    const batched = [1, 2, 3].map((seed) => pool.run('fees', modelDir, HEAVY as never, seed).catch((e: unknown) => e));
    await heavy;
    while (pool.stats.batches < 2) await new Promise((r) => setTimeout(r, 1));
    return { dying, batched };
  }

  it('tries each request of the batch it was answering once more alone: the replacement answers them all', async () => {
    // Prepare
    const pool = aOneWorkerPoolThatBatches();
    try {
      const { dying, batched } = await threeRequestsInOneBatch(pool);
      expect(pool.stats).toMatchObject({ batches: 2, largestBatch: 3 });

      // Act
      await dying.terminate();
      const answers = (await Promise.all(batched)) as Array<{ predictions: unknown[] }>;

      // Assess
      expect(answers.map(forecastLength)).toEqual([30, 30, 30]);
      expect(pool.stats).toMatchObject({ retriedAlone: 3, batches: 5 });
      expect(pool.workers[0]).not.toBe(dying);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a request tried alone that kills the replacement too gets the 503; the others of its batch are still answered', async () => {
    // Prepare: as above, a batch of three killed mid-way; then the replacement is killed answering the first retry.
    const pool = aOneWorkerPoolThatBatches();
    try {
      const { dying, batched } = await threeRequestsInOneBatch(pool);
      await dying.terminate();
      while (pool.stats.batches < 3) await new Promise((r) => setTimeout(r, 1));
      const replacement = pool.workers[0];

      // Act: the replacement dies answering the first request tried alone (it never answered before).
      await replacement.terminate();
      const [first, ...others] = await Promise.all(batched);

      // Assess
      expect(first).toMatchObject({ name: 'ServiceUnavailable', retryAfterSeconds: 1 });
      expect(others.map((a) => forecastLength(a as { predictions: unknown[] }))).toEqual([30, 30]);
      expect(pool.workers).toHaveLength(1);
      expect(pool.workers[0]).not.toBe(replacement);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('over HTTP the client reads 503 ServiceUnavailable with Retry-After, and its retry is answered', async () => {
    // Prepare
    const pool = new InferencePool({ size: 1 });
    await pool.preload('fees', modelDir);
    let arrived: () => void = () => undefined;
    const reachedTheWorker = new Promise<void>((r) => (arrived = r));
    const invokeEndpoint = (_name: string, body: unknown) => {
      const answer = pool.run('fees', modelDir, body as never, 0); // handed to the free worker at once
      arrived();
      return answer;
    };
    const server = await createHttpServer({ routes: endpointRoutes({ invokeEndpoint }) });
    const post = (body: unknown) => fetch(invocationsUrl(server.url, 'fees'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      // Act
      const [dying] = pool.workers;
      const answering = post(HEAVY);
      await reachedTheWorker;
      await dying.terminate();
      const res = await answering;
      const retried = await post(LIGHT);

      // Assess
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      await expect(res.json()).resolves.toEqual({ code: 'ServiceUnavailable', message: expect.stringContaining('Try your call again') });
      expect(retried.status).toBe(200);
    } finally {
      await server.close();
      await pool.close();
    }
  }, 60_000);

  it('a worker that dies before it ever answered is not restarted in a loop: the waiting requests are refused, the next request starts one', async () => {
    // Prepare: a pool whose first worker starts with the first request
    const pool = new InferencePool({ size: 1 });
    try {
      const first = pool.run('fees', modelDir, LIGHT as never, 0).catch((e: unknown) => e);
      const queued = pool.run('fees', modelDir, LIGHT as never, 0).catch((e: unknown) => e);

      // Act
      await pool.workers[0].terminate();

      // Assess
      expect(await first).toMatchObject({ name: 'ServiceUnavailable' });
      expect(await queued).toMatchObject({ name: 'ServiceUnavailable' });
      expect(pool.workers).toHaveLength(0);
      expect(forecastLength(await pool.run('fees', modelDir, LIGHT as never, 0))).toBe(30);
      expect(pool.workers).toHaveLength(1);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

