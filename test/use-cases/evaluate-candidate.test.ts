import { evaluateCandidate, ENDPOINT_BATCH, type EvaluateCandidateInput } from '../../src/use-cases/evaluate-candidate';
import evaluationWindows from '../fixtures/aws/deepar-evaluation-windows.json';
import payloadLimit from '../fixtures/aws/step-functions-payload-limit.json';
import { FakeForecaster, InMemoryObjectStore } from './fakes';
import { flatForecast } from './mothers';

const PREFIX = 's3://artifacts/training/job-1';
const INPUT: EvaluateCandidateInput = {
  jobName: 'job-1',
  holdoutUri: `${PREFIX}/data/holdout.json`,
  trainUri: `${PREFIX}/data/train/train.json`,
  forecastUri: `${PREFIX}/forecast/input.json.out`,
  reportUri: `${PREFIX}/evaluation.json`,
  threshold: 0.3,
  minImprovement: 0.01,
  productionEndpoint: 'endpoint-production',
  stagingEndpoint: 'endpoint-staging',
};
const TRAIN = { start: '2025-03-05 00:00:00', target: [20, 'NaN', 20] };

/**
 * Two held-out windows of fees [10, 30] after a train series of 20s; the batch transform wrote one line
 * per window, in the windows' order, and the candidate forecast both exactly.
 */
async function aTrainingRun(windows = 2) {
  const objectStore = new InMemoryObjectStore();
  const held = Array.from({ length: windows }, (_, k) => ({ start: `window-${k + 1}`, values: [10, 30] }));
  await objectStore.put(INPUT.holdoutUri, JSON.stringify({ windows: held }));
  await objectStore.put(INPUT.trainUri, `${JSON.stringify(TRAIN)}\n`);
  await objectStore.put(INPUT.forecastUri, held.map(() => JSON.stringify(flatForecast([10, 30]))).join('\n') + '\n');
  return objectStore;
}

describe('Use case: evaluateCandidate', () => {
  it('scores every window for the candidate, seasonal naive and production, on the same instances, and writes the report', async () => {
    // Prepare: seasonal naive (no earlier day) repeats the last fee with no spread: window 1 forecasts 20
    // against [10, 30], each τ losing ((1−τ)·10 + τ·10)·2/40 = 0.5; window 2 forecasts 30: 2(1−τ)·20/40,
    // mean over τ 0.5. Production forecasts 40: 2(1−τ)(30 + 10)/40 = 2(1−τ), mean 1.0 on each window.
    const objectStore = await aTrainingRun();
    const forecaster = new FakeForecaster((instances, endpoint) => (endpoint === 'endpoint-production' ? instances.map(() => flatForecast([40, 40])) : undefined));

    // Act
    const result = await evaluateCandidate({ objectStore, forecaster }, INPUT);

    // Assess: the candidate is better on every window by the same 1.0: no spread, so beyond noise.
    expect(result).toEqual({
      meanWQuantileLoss: 0,
      rmse: 0,
      seasonalNaiveLoss: expect.closeTo(0.5, 12),
      productionLoss: expect.closeTo(1, 12),
      stagingLoss: null,
      windows: 2,
      threshold: 0.3,
      passesThreshold: true,
      beatsProduction: true,
      gateReason: expect.stringMatching(/^candidate 0 vs production 1 over 2 windows: .*better than production \(paired rule/),
      reportUri: INPUT.reportUri,
    });
    // Window k's instance is the train series and the windows before it, the transform's line k.
    const instances = [TRAIN, { start: TRAIN.start, target: [20, 'NaN', 20, 10, 30] }];
    expect(forecaster.calls.map((c) => [c.endpointName, c.instances])).toEqual([
      ['endpoint-production', instances],
      ['endpoint-staging', instances],
    ]);
    const report = objectStore.json(INPUT.reportUri) as Record<string, any>;
    expect(report).toMatchObject({
      jobName: 'job-1',
      holdout: { start: 'window-2', actual: [10, 30] },
      production: { endpoint: 'endpoint-production' },
      staging: null,
      beatsProduction: true,
      verdict: { register: true },
      comparison: { windows: 2, meanImprovement: expect.closeTo(1, 12) },
    });
    expect(report.windows).toEqual([
      { start: 'window-1', candidate: 0, seasonalNaive: expect.closeTo(0.5, 12), production: expect.closeTo(1, 12), staging: null },
      { start: 'window-2', candidate: 0, seasonalNaive: expect.closeTo(0.5, 12), production: expect.closeTo(1, 12), staging: null },
    ]);
  });

  it('does not let a candidate equal to production through, and says which rule held it back', async () => {
    // Prepare: production forecasts exactly what the candidate forecast.
    const objectStore = await aTrainingRun(4);
    const forecaster = new FakeForecaster((instances, endpoint) => (endpoint === 'endpoint-production' ? instances.map(() => flatForecast([10, 30])) : undefined));

    // Act
    const result = await evaluateCandidate({ objectStore, forecaster }, INPUT);

    // Assess
    expect(result).toMatchObject({ passesThreshold: true, beatsProduction: false, productionLoss: 0 });
    expect(result.gateReason).toMatch(/over 4 windows: mean improvement 0 \(0%\).*not better than production beyond noise/);
  });

  it('asks no endpoint when none serves yet, and the gate needs only the threshold', async () => {
    // Prepare
    const forecaster = new FakeForecaster(() => undefined);

    // Act
    const result = await evaluateCandidate({ objectStore: await aTrainingRun(), forecaster }, { ...INPUT, productionEndpoint: null, stagingEndpoint: null });

    // Assess
    expect(result).toMatchObject({ productionLoss: null, stagingLoss: null, beatsProduction: true, gateReason: expect.stringMatching(/no production model to compare with/) });
    expect(forecaster.calls).toEqual([]);
  });

  it('asks the endpoint in batches within its instance cap and SageMaker’s payload limit', async () => {
    // Prepare: 150 windows, one instance each.
    const objectStore = await aTrainingRun(150);
    const forecaster = new FakeForecaster((instances, endpoint) => (endpoint === 'endpoint-production' ? instances.map(() => flatForecast([40, 40])) : undefined));

    // Act
    const result = await evaluateCandidate({ objectStore, forecaster }, { ...INPUT, stagingEndpoint: null });

    // Assess
    expect(forecaster.calls.map((c) => c.instances.length)).toEqual([100, 50]);
    expect(ENDPOINT_BATCH.maxBytes).toBeLessThan(evaluationWindows.invokeEndpointPayload.maxBytes);
    expect(result).toMatchObject({ windows: 150, productionLoss: expect.closeTo(1, 12) });
    // What the state passes on is the verdict, however many windows: the report is in S3.
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(payloadLimit.maxBytes / 64);
  });

  it('splits the instances by SageMaker’s payload limit, each request a body of at most ENDPOINT_BATCH.maxBytes', async () => {
    // Prepare: a train series of 100,000 fees (~1.9 MB per instance), 6 windows: all six would be ~11 MB.
    const objectStore = new InMemoryObjectStore();
    const long = { start: TRAIN.start, target: Array.from({ length: 100_000 }, (_, i) => 100 + (i % 97) / 7) };
    const held = Array.from({ length: 6 }, (_, k) => ({ start: `window-${k + 1}`, values: [10, 30] }));
    await objectStore.put(INPUT.holdoutUri, JSON.stringify({ windows: held }));
    await objectStore.put(INPUT.trainUri, `${JSON.stringify(long)}\n`);
    await objectStore.put(INPUT.forecastUri, held.map(() => JSON.stringify(flatForecast([10, 30]))).join('\n') + '\n');
    const forecaster = new FakeForecaster((instances, endpoint) => (endpoint === 'endpoint-production' ? instances.map(() => flatForecast([40, 40])) : undefined));

    // Act
    await evaluateCandidate({ objectStore, forecaster }, { ...INPUT, stagingEndpoint: null });

    // Assess: several requests, each body within the limit, the instances in the windows' order.
    const bodies = forecaster.calls.map((c) => Buffer.byteLength(JSON.stringify({ instances: c.instances })));
    expect(bodies.length).toBeGreaterThan(1);
    for (const bytes of bodies) expect(bytes).toBeLessThanOrEqual(ENDPOINT_BATCH.maxBytes);
    expect(forecaster.calls.flatMap((c) => c.instances.map((i) => i.target.length))).toEqual([100_000, 100_002, 100_004, 100_006, 100_008, 100_010]);
  });

  it('refuses a transform output with a line missing for a window, naming the counts', async () => {
    // Prepare
    const objectStore = await aTrainingRun();
    await objectStore.put(INPUT.forecastUri, `${JSON.stringify(flatForecast([10, 30]))}\n`);

    // Act
    const attempt = evaluateCandidate({ objectStore, forecaster: new FakeForecaster(() => undefined) }, INPUT);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: 'the batch transform output has 1 forecasts for 2 evaluation windows' });
  });

  it('names the train channel that holds no target list', async () => {
    // Prepare
    const objectStore = await aTrainingRun();
    await objectStore.put(INPUT.trainUri, `${JSON.stringify({ start: TRAIN.start })}\n`);

    // Act
    const attempt = evaluateCandidate({ objectStore, forecaster: new FakeForecaster(() => undefined) }, INPUT);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: `the train channel at ${INPUT.trainUri} has no "target" list` });
  });

  it('names the file that is not JSON', async () => {
    // Prepare
    const objectStore = await aTrainingRun();
    await objectStore.put(INPUT.forecastUri, 'not json');

    // Act
    const attempt = evaluateCandidate({ objectStore, forecaster: new FakeForecaster(() => undefined) }, INPUT);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: `line 1 of the batch transform output at ${INPUT.forecastUri} is not JSON` });
  });
});
