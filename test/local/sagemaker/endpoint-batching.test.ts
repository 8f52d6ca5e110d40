/**
 * Issue 15: the endpoints' dynamic batching and bounded queue (local/sagemaker/inference-pool.ts, docs/serving.md).
 * Requests queued for the same model are answered by one worker in one batch, each with its own answer (the one it
 * gets alone) or its own error; a batch never mixes two models; beyond the queue's bound in work a request is
 * refused at once (503 with Retry-After: test/fixtures/aws/sagemaker-runtime-invoke-endpoint.json).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointRoutes, invocationsUrl } from '../../../local/http/endpoint-routes';
import { createHttpServer } from '../../../local/http/server';
import { EndpointInvocationError, overloaded } from '../../../local/sagemaker/endpoint-request';
import { InferencePool, InferenceQueueFullError } from '../../../local/sagemaker/inference-pool';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { aTwinHome } from '../../builders/twin-home';
import { endpointPredictBatch } from '../../../src/deepar/inference';
import { DeepARPredictor, endpointPredict, loadPredictor, runTrainingJob } from '../../../src/deepar/runtime';
import invokeEndpoint from '../../fixtures/aws/sagemaker-runtime-invoke-endpoint.json';
import { aLocalSageMaker, aTrainingJobRequest, DEEPAR_IMAGE, jsonLine, minuteSeries, ROLE_ARN, tinyHyperparameters, writeChannels } from './builders';

const root = mkdtempSync(join(tmpdir(), 'endpoint-batching-'));
/** Two tiny DeepAR models (trained in a second), as the twin unpacks them for its workers. */
function aModel(name: string, phase: number): string {
  writeFileSync(join(root, `${name}.json`), jsonLine(minuteSeries(300, phase)) + '\n');
  const modelDir = join(root, name);
  runTrainingJob({ hyperparameters: tinyHyperparameters(), trainPath: join(root, `${name}.json`), modelDir, numBatchesPerEpoch: 3 });
  return modelDir;
}
const A = aModel('a', 0);
const B = aModel('b', 17);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const instance = (n: number, phase = 0) => ({ start: '2025-01-01 00:00:00', target: minuteSeries(n, phase) });
const body = (instances: unknown[], numSamples = 20) => ({ instances, configuration: { num_samples: numSamples, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] } });
/** What a request gets alone, in this thread: the answer it must get in any batch. */
const alone = (dir: string, b: unknown, seed: number) => endpointPredict(loadPredictor(dir), b, seed);
/** Answers compared as the client reads them (JSON), across the worker's realm. */
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('Function: endpointPredictBatch', () => {
  const predictor = loadPredictor(A);
  const requests = [
    { body: body([instance(120)]), seed: 0 },
    { body: body([instance(90, 5), instance(150, 11), instance(61, 2)], 30), seed: 7 },
    { body: body([instance(200, 3)], 30), seed: 3 },
    { body: body([instance(45, 8), instance(130, 1)]), seed: 1 },
  ];

  it('answers each request exactly as it is answered alone, whatever its batch-mates, instances and num_samples', () => {
    // Act
    const batched = endpointPredictBatch(predictor, requests);
    const reversed = endpointPredictBatch(predictor, [...requests].reverse());
    // Assess
    requests.forEach(({ body: b, seed }, i) => {
      expect(batched[i]).toEqual(endpointPredict(predictor, b, seed));
      expect(reversed[requests.length - 1 - i]).toEqual(batched[i]);
    });
  });

  it('forecasts concurrent single-instance requests in one pass of the network (one sampleBatch)', () => {
    // Prepare
    const spy = jest.spyOn(DeepARPredictor.prototype, 'sampleBatch');
    try {
      // Act
      endpointPredictBatch(predictor, Array.from({ length: 6 }, (_, seed) => ({ body: body([instance(100 + seed)]), seed })));
      // Assess
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0]).toHaveLength(6);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a bad body alone, and answers a batch that fails from a fault request by request', () => {
    // Prepare: a predictor whose batched pass fails once (a fault, not a bad body)
    const faulty = loadPredictor(A);
    const batchOnce = faulty.sampleBatch.bind(faulty);
    let failures = 0;
    faulty.sampleBatch = (series, n, rng) => (series.length > 1 && failures++ === 0 ? (() => { throw new Error('out of memory'); })() : batchOnce(series, n, rng));
    const bad = { body: { instances: [instance(60), { start: 'yesterday', target: [1] }] }, seed: 0 };
    // Act
    const answers = endpointPredictBatch(faulty, [requests[0], bad, requests[3]]);
    // Assess
    expect(answers[0]).toEqual(endpointPredict(predictor, requests[0].body, 0));
    expect(answers[2]).toEqual(endpointPredict(predictor, requests[3].body, 1));
    expect((answers[1] as { error: Error }).error).toMatchObject({ name: 'DataValidationError', message: expect.stringContaining('"start" must be') });
    expect(failures).toBe(1);
  });
});

describe('Class: InferencePool, dynamic batching', () => {
  it('answers the requests queued for one model in one batch, each exactly as it is answered alone; a bad instance fails only its own request', async () => {
    // Prepare: one worker, busy with a first request, so the next four wait in the queue together
    const pool = new InferencePool({ size: 1 });
    const requests = [
      { b: body([instance(120)]), seed: 0 },
      { b: body([instance(90, 5), instance(150, 11)], 30), seed: 7 },
      { b: body([instance(120), { start: '2025-01-01 00:00:00', target: [1, 'x'] }]), seed: 0 },
      { b: body([instance(200, 3)], 10), seed: 3 },
    ];
    try {
      await pool.preload('a', A);
      // Act
      const first = pool.run('a', A, body([instance(60)]) as never, 0);
      const outcomes = requests.map(({ b, seed }) => pool.run('a', A, b as never, seed).then(json, (e: unknown) => e));
      await first;
      const [one, two, bad, four] = await Promise.all(outcomes);

      // Assess: two batches (the first request, then the four queued behind it)
      expect(pool.stats).toMatchObject({ batches: 2, batchedRequests: 5, largestBatch: 4 });
      expect(one).toEqual(json(alone(A, requests[0].b, 0)));
      expect(two).toEqual(json(alone(A, requests[1].b, 7)));
      expect(four).toEqual(json(alone(A, requests[3].b, 3)));
      expect(bad).toBeInstanceOf(EndpointInvocationError);
      expect(bad).toMatchObject({ name: 'ModelError', statusCode: 400, field: 'instances[1].target' });
      expect((bad as Error).message).toMatch(/target\[1\] must be a number/);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('never mixes two models in a batch: requests queued across a swap are each answered by the model they were queued for', async () => {
    // Prepare
    const pool = new InferencePool({ size: 1 });
    const b = body([instance(120)]);
    try {
      await pool.preload('a', A);
      await pool.preload('b', B);
      // Act: a, b, a, b queued behind a busy worker; then model a is released (the endpoint now serves b)
      const first = pool.run('a', A, b as never, 0);
      const outcomes = ['a', 'b', 'a', 'b'].map((key) => pool.run(key, key === 'a' ? A : B, b as never, 0).then(json));
      pool.release('a');
      await first;
      const answers = await Promise.all(outcomes);
      // Assess
      const [fromA, fromB] = [json(alone(A, b, 0)), json(alone(B, b, 0))];
      expect(fromA).not.toEqual(fromB);
      expect(answers).toEqual([fromA, fromB, fromA, fromB]);
      expect(pool.stats.largestBatch).toBe(2);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('keeps batches within their bounds: at most maxBatchRequests requests and maxBatchPaths sample paths (a bigger request alone)', async () => {
    // Prepare
    const pool = new InferencePool({ size: 1, maxBatchRequests: 3, maxBatchPaths: 100 });
    try {
      await pool.preload('a', A);
      // Act: behind a busy worker, 5 small requests (20 paths each), then one of 200 paths
      const first = pool.run('a', A, body([instance(60)]) as never, 0);
      const small = Array.from({ length: 5 }, () => pool.run('a', A, body([instance(60)]) as never, 0));
      const big = pool.run('a', A, body([instance(60)], 200) as never, 0);
      await Promise.all([first, ...small, big]);
      // Assess: [first], [3 small], [2 small], [big]
      expect(pool.stats).toMatchObject({ batches: 4, batchedRequests: 7, largestBatch: 3 });
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('Class: InferencePool, the bounded queue', () => {
  it('refuses at once a request that would wait longer than the bound in time, even with few requests waiting, and says how long to wait', async () => {
    // Prepare: room for 256 requests, but for 2 s of waiting at 1 ms per sample path (a pessimistic first estimate)
    const pool = new InferencePool({ size: 1, maxQueueWaitMs: 2000, initialMsPerPath: 1 });
    try {
      await pool.preload('a', A);
      const heavy = body([instance(120), instance(120)], 1000); // 2000 paths: 2 s each at that estimate
      // Act
      const t0 = performance.now();
      const outcomes = Array.from({ length: 4 }, () => pool.run('a', A, heavy as never, 0).then(() => 'answered', (e: unknown) => e));
      const refused = await Promise.race([outcomes[2], new Promise((r) => setTimeout(() => r('late'), 50))]);
      const refusedAfterMs = performance.now() - t0;
      const all = await Promise.all(outcomes);
      // Assess: one answering, one waiting (2 s of work); the third and fourth refused at once
      expect(refused).toBeInstanceOf(InferenceQueueFullError);
      expect(refused).toMatchObject({ queued: 1, estimatedWaitMs: 2000 });
      expect(overloaded('a', 1, (refused as InferenceQueueFullError).estimatedWaitMs).retryAfterSeconds).toBe(2);
      expect(refusedAfterMs).toBeLessThan(50);
      expect(all.slice(0, 2)).toEqual(['answered', 'answered']);
      expect(all.slice(2).every((o) => o instanceof InferenceQueueFullError)).toBe(true);
      expect(pool.stats.refused).toBe(2);
      // The workers measured what a path really costs (a tiny model: far less): the same requests now wait in the queue.
      expect(pool.waitMs(2000)).toBeLessThan(500);
      const again = await Promise.all(Array.from({ length: 3 }, () => pool.run('a', A, heavy as never, 0).then(() => 'answered', (e: unknown) => e)));
      expect(again).toEqual(['answered', 'answered', 'answered']);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('refuses at once while the request at the head of the queue has already waited longer than the bound (a machine slower than the estimate)', async () => {
    // Prepare: an estimate that never refuses (a path costs ~nothing), a bound of 200 ms, and one worker busy for longer
    const pool = new InferencePool({ size: 1, maxQueueWaitMs: 200, initialMsPerPath: 1e-6 });
    try {
      await pool.preload('a', A);
      const long = pool.run('a', A, body(Array.from({ length: 25 }, () => instance(120)), 1000) as never, 0);
      const waiting = pool.run('a', A, body([instance(60)]) as never, 0);
      // Act
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      const late = await pool.run('a', A, body([instance(60)]) as never, 0).then(() => 'answered', (e: unknown) => e);
      const refusedAfterMs = performance.now() - t0;
      // Assess
      expect(late).toBeInstanceOf(InferenceQueueFullError);
      // the head has waited ~300 ms (a timer may fire a few µs early): past the 200 ms bound, which is why it refuses
      expect((late as InferenceQueueFullError).estimatedWaitMs).toBeGreaterThan(250);
      expect(refusedAfterMs).toBeLessThan(50);
      await expect(Promise.all([long, waiting])).resolves.toHaveLength(2);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('over HTTP, a request beyond the bound reads 503 ServiceUnavailable with Retry-After at once, while the queued ones are answered', async () => {
    // Prepare: the endpoint route over a pool with one worker and one place in the queue
    const pool = new InferencePool({ size: 1, maxQueued: 1 });
    await pool.preload('a', A);
    const invoke = (_name: string, b: unknown) => pool.run('a', A, b as never, 0).catch((e: unknown) => Promise.reject(e instanceof InferenceQueueFullError ? overloaded('a', e.queued) : e));
    const server = await createHttpServer({ routes: endpointRoutes({ invokeEndpoint: invoke }) });
    const post = async (b: unknown) => {
      const t0 = performance.now();
      const res = await fetch(invocationsUrl(server.url, 'a'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json(), ms: performance.now() - t0 };
    };
    try {
      // Act: three at once, each a few hundred ms of work
      const heavy = body(Array.from({ length: 20 }, () => instance(120)), 1000);
      const answers = await Promise.all([post(heavy), post(heavy), post(heavy)]);
      // Assess
      const refused = answers.filter((a) => a.status === invokeEndpoint.errors.ServiceUnavailable.status);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 503]);
      expect(refused[0]).toMatchObject({ retryAfter: '1', body: { code: 'ServiceUnavailable', message: expect.stringContaining('Try your call again') } });
      const slowest = Math.max(...answers.filter((a) => a.status === 200).map((a) => a.ms));
      expect(refused[0].ms).toBeLessThan(slowest / 2);
    } finally {
      await server.close();
      await pool.close();
    }
  }, 30_000);
});

describe('Function: updateEndpoint under load', () => {
  const home = aTwinHome();
  const sagemaker = aLocalSageMaker(home);
  beforeAll(async () => {
    // Two DeepAR models (trained on different data) and an endpoint serving the first, its inference in worker threads.
    const store = new FsObjectStore(home.objectsDir);
    for (const [name, epochs] of [['first', '1'], ['second', '2']]) {
      await sagemaker.createTrainingJob(aTrainingJobRequest(name, await writeChannels(store, name), { HyperParameters: tinyHyperparameters({ epochs }) }));
      const trained = await sagemaker.waitForTrainingJob(name);
      await sagemaker.createModel({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
      await sagemaker.createEndpointConfig({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    }
    await sagemaker.createEndpoint({ EndpointName: 'fees', EndpointConfigName: 'first' });
    expect((await sagemaker.waitForEndpoint('fees')).EndpointStatus).toBe('InService');
  }, 60_000);
  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  it('loses no request: each is answered wholly by the old model or wholly by the new one, never a mix, and a client never goes back', async () => {
    // Prepare: a two-instance request (a split would answer one instance from each model), as 8 clients send it back to back
    const b = body([instance(120), instance(90, 20)]);
    const before = json(await sagemaker.invokeEndpoint('fees', b));
    const seen: string[][] = Array.from({ length: 8 }, () => []);
    let stop = false;
    const client = async (mine: string[]) => {
      while (!stop) {
        mine.push(await sagemaker.invokeEndpoint('fees', b).then((answer) => JSON.stringify(answer), (e: unknown) => `error: ${(e as Error).name}: ${(e as Error).message}`));
        await new Promise((r) => setImmediate(r)); // a refusal comes back without a turn of the event loop: let the timers run
      }
    };
    const clients = seen.map(client);
    // Act: the update lands while the clients keep sending
    await new Promise((r) => setTimeout(r, 200));
    await sagemaker.updateEndpoint({ EndpointName: 'fees', EndpointConfigName: 'second' });
    const updated = await sagemaker.waitForEndpoint('fees');
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(clients);
    const after = json(await sagemaker.invokeEndpoint('fees', b));
    // Assess
    expect(updated).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'second' });
    expect(after).not.toEqual(before);
    const [old, updatedAnswer] = [JSON.stringify(before), JSON.stringify(after)];
    const all = seen.flat();
    expect(all.filter((a) => a !== old && a !== updatedAnswer)).toEqual([]);
    expect(all).toContain(old);
    expect(all).toContain(updatedAnswer);
    const byClient = seen.map((answers) => answers.map((a) => (a === old ? 'old' : 'new')).join(' '));
    for (const answers of byClient) expect(answers).toMatch(/^(old )*new( new)*$/);
  }, 30_000);
});
