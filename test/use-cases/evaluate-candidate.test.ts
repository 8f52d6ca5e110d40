import { evaluateCandidate, type EvaluateCandidateInput } from '../../src/use-cases/evaluate-candidate';
import { FakeForecaster, InMemoryObjectStore } from './fakes';
import { flatForecast } from './mothers';

const PREFIX = 's3://artifacts/training/job-1';
const INPUT: EvaluateCandidateInput = {
  jobName: 'job-1',
  holdoutUri: `${PREFIX}/data/holdout.json`,
  trainUri: `${PREFIX}/data/train/train.jsonl`,
  forecastUri: `${PREFIX}/forecast/input.jsonl.out`,
  reportUri: `${PREFIX}/evaluation.json`,
  threshold: 0.3,
  productionEndpoint: 'endpoint-production',
  stagingEndpoint: 'endpoint-staging',
};

/** Held-out fees [10, 30] after a train series of 20s: the candidate forecast them exactly. */
async function aTrainingRun() {
  const objectStore = new InMemoryObjectStore();
  await objectStore.put(INPUT.holdoutUri, JSON.stringify({ start: '2025-03-05 00:03:00', values: [10, 30] }));
  await objectStore.put(INPUT.trainUri, `${JSON.stringify({ start: '2025-03-05 00:00:00', target: [20, 'NaN', 20] })}\n`);
  await objectStore.put(INPUT.forecastUri, `${JSON.stringify(flatForecast([10, 30]))}\n`);
  return objectStore;
}

describe('Use case: evaluateCandidate', () => {
  it('scores the candidate beside seasonal naive and the model in production, on the same points, and writes the report', async () => {
    // Prepare: with no earlier day, seasonal naive repeats the last fee, 20, with no spread: against [10, 30]
    // each τ loses ((1−τ)·10 + τ·10)·2/40 = 0.5. Production forecasts 40: 2(1−τ)(30 + 10)/40 = 2(1−τ), mean 1.0.
    const objectStore = await aTrainingRun();
    const forecaster = new FakeForecaster((instances, endpoint) => (endpoint === 'endpoint-production' ? instances.map(() => flatForecast([40, 40])) : undefined));

    // Act
    const result = await evaluateCandidate({ objectStore, forecaster }, INPUT);

    // Assess
    expect(result).toEqual({
      meanWQuantileLoss: 0,
      rmse: 0,
      seasonalNaiveLoss: expect.closeTo(0.5, 12),
      productionLoss: expect.closeTo(1, 12),
      stagingLoss: null,
      threshold: 0.3,
      passesThreshold: true,
      reportUri: INPUT.reportUri,
    });
    expect(forecaster.calls.map((c) => [c.endpointName, c.instances])).toEqual([
      ['endpoint-production', [{ start: '2025-03-05 00:00:00', target: [20, 'NaN', 20] }]],
      ['endpoint-staging', [{ start: '2025-03-05 00:00:00', target: [20, 'NaN', 20] }]],
    ]);
    expect(objectStore.json(INPUT.reportUri)).toMatchObject({
      jobName: 'job-1',
      holdout: { start: '2025-03-05 00:03:00', actual: [10, 30] },
      production: { endpoint: 'endpoint-production' },
      staging: null,
      noWorseThanProduction: true,
    });
  });

  it('asks no endpoint when none serves yet', async () => {
    // Prepare
    const forecaster = new FakeForecaster(() => undefined);

    // Act
    const result = await evaluateCandidate({ objectStore: await aTrainingRun(), forecaster }, { ...INPUT, productionEndpoint: null, stagingEndpoint: null });

    // Assess
    expect(result).toMatchObject({ productionLoss: null, stagingLoss: null });
    expect(forecaster.calls).toEqual([]);
  });

  it('names the file that is not JSON', async () => {
    // Prepare
    const objectStore = await aTrainingRun();
    await objectStore.put(INPUT.forecastUri, 'not json');

    // Act
    const attempt = evaluateCandidate({ objectStore, forecaster: new FakeForecaster(() => undefined) }, INPUT);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: `the batch transform output at ${INPUT.forecastUri} is not JSON` });
  });
});
