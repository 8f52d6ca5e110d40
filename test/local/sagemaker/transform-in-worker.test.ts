/**
 * Issue 13: a batch transform no longer blocks the twin. With DeepAR's own loader the local SageMaker forecasts
 * each input object in a worker thread (src/deepar/runtime/run-in-worker.ts): the event loop stays free while
 * it runs, and the output is the very same as the transform in this thread gives.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { batchTransform, loadPredictor } from '../../../src/deepar/runtime';
import { aTwinHome } from '../../builders/twin-home';
import { aLocalSageMaker, aTrainingJobRequest, aTransformJobRequest, BUCKET, DEEPAR_IMAGE, jsonLine, minuteSeries, ROLE_ARN, writeChannels } from './builders';

/** Heavy enough to hold a thread for most of a second: 12 series of 600 minutes, 300 sample paths each. */
const INPUT = Array.from({ length: 12 }, (_, i) => jsonLine(minuteSeries(600, i))).join('\n') + '\n';
const CONFIG = JSON.stringify({ num_samples: 300, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] });

describe('Function: TransformJobs with DeepAR in a worker thread', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  const sagemaker = aLocalSageMaker(home);
  beforeAll(async () => {
    await sagemaker.createTrainingJob(aTrainingJobRequest('fees', await writeChannels(store, 'fees')));
    const trained = await sagemaker.waitForTrainingJob('fees');
    expect(trained.TrainingJobStatus).toBe('Completed');
    await sagemaker.createModel({ ModelName: 'fees', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
    await store.put(`${BUCKET}/heavy/series.json`, INPUT);
  }, 60_000);
  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  it('keeps the event loop free while it forecasts, and writes what the transform in this thread writes', async () => {
    // Prepare
    const loop = monitorEventLoopDelay({ resolution: 10 });

    // Act
    loop.enable();
    const started = performance.now();
    await sagemaker.createTransformJob(aTransformJobRequest('heavy', 'fees', `${BUCKET}/heavy/`, { Environment: { DEEPAR_INFERENCE_CONFIG: CONFIG } }));
    const done = await sagemaker.waitForTransformJob('heavy');
    const tookMs = performance.now() - started;
    loop.disable();

    // Assess
    expect(done.TransformJobStatus).toBe('Completed');
    const out = (await store.get(`${BUCKET}/forecasts/heavy/series.json.out`)).toString('utf8');
    const modelsDir = join(home.dir, 'work', 'models');
    const inThisThread = batchTransform(loadPredictor(join(modelsDir, readdirSync(modelsDir)[0])), INPUT, CONFIG, 0);
    expect(out).toBe(inThisThread);
    const stalledMs = loop.max / 1e6;
    console.log(`transform of 12 series x 300 samples: ${tookMs.toFixed(0)} ms; longest event-loop stall meanwhile ${stalledMs.toFixed(0)} ms`);
    expect(stalledMs).toBeLessThan(Math.min(300, tookMs / 3));
  }, 60_000);

  it('fails the job with the worker\'s error, naming the line and the object, as before', async () => {
    // Prepare
    await store.put(`${BUCKET}/bad/series.json`, `${jsonLine(minuteSeries(60))}\n{"start": oops}\n`);

    // Act
    await sagemaker.createTransformJob(aTransformJobRequest('bad', 'fees', `${BUCKET}/bad/`));
    const done = await sagemaker.waitForTransformJob('bad');

    // Assess
    expect(done.TransformJobStatus).toBe('Failed');
    expect(done.FailureReason).toMatch(/^DataValidationError: line 2: invalid JSON/);
    expect(done.FailureReason).toContain(`(in ${BUCKET}/bad/series.json)`);
  }, 60_000);
});
