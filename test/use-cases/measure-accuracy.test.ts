import { range } from '../builders/feature-records';
import { ENDPOINT_BATCH } from '../../src/core/evaluation';
import { extractSeries } from '../../src/use-cases/extract-series';
import { measureAccuracy, type MeasureAccuracyInput } from '../../src/use-cases/measure-accuracy';
import { FakeForecaster, FakeServingModels, InMemoryMonitoringStore, InMemoryObjectStore, RecordingMetrics, type Answer } from './fakes';
import { MINUTE, PARAMETER_PATH, aFeatureStoreWith, aParameterStore, constant, flatForecast, minutesAfterT0 } from './mothers';
import { T0 } from '../builders/feature-records';
import type { ParameterKey } from '../../src/core/run-config';

/** 6 h of history + 2 windows of 30 minutes: minutes 0..419 of the builders' T0. */
const HISTORY = 360;
const MINUTES = HISTORY + 60;
const AS_OF = minutesAfterT0(MINUTES);
/** The series a check reads: from a day before the data (so a missing minute is missing, not out of range). */
const SERIES = MINUTES + 1440;
const ENDPOINTS = { staging: 'endpoint-staging', production: 'endpoint-production' };

/** Minute index of a DeepAR `start` ("YYYY-MM-DD HH:MM:SS", UTC) relative to T0. */
const minuteIndexOf = (start: string) => (Date.parse(`${start.replace(' ', 'T')}Z`) - T0) / MINUTE;

/** Forecasts exactly what happened: every quantile equals the actual fee, so the loss is 0. */
const perfect =
  (level: (minute: number) => number): Answer =>
  (instances) =>
    instances.map(({ start, target }) => flatForecast(range(30, minuteIndexOf(start) + target.length).map(level)));

async function aMeasurement(options: { minutes?: number[]; level?: (minute: number) => number; answer?: Answer; threshold?: string; parameters?: Partial<Record<ParameterKey, string>>; served?: ConstructorParameters<typeof FakeServingModels>[0] } = {}) {
  const deps = {
    servingModels: new FakeServingModels(options.served),
    featureStore: await aFeatureStoreWith(options.minutes ?? range(MINUTES), options.level),
    parameterStore: await aParameterStore({ ...(options.threshold ? { threshold: options.threshold } : {}), ...options.parameters }),
    forecaster: new FakeForecaster(options.answer ?? constant(100)),
    metrics: new RecordingMetrics(),
    monitoringStore: new InMemoryMonitoringStore(),
    parameterPath: PARAMETER_PATH,
    endpoints: ENDPOINTS,
  };
  const measure = (input: Partial<MeasureAccuracyInput> = {}) =>
    measureAccuracy(deps, { stage: 'production', asOf: AS_OF, windows: 2, seriesMinutes: SERIES, ...input });
  return { ...deps, measure };
}

describe('Use case: measureAccuracy', () => {
  it('measures a loss of 0 for a forecast whose quantiles are what happened, each window from the whole series before it', async () => {
    // Prepare
    const level = (i: number) => 1000 + 10 * i;
    const m = await aMeasurement({ level, answer: perfect(level) });

    // Act
    const check = await m.measure();

    // Assess
    // Seasonal naive, with no day before the data, forecasts the last observed fee (4590, then 4890) with no
    // spread: under the actuals by 10, 20, … 300 in each window, it loses Σ(y − q)/Σy = 9300/293700.
    expect(check).toEqual({
      at: AS_OF.toISOString(), stage: 'production', outcome: 'measured', loss: 0, rmse: 0, threshold: 0.5, endpoint: 'endpoint-production', windows: 2,
      criterion: 'skill', maxSkill: 1, approvedLossFactor: 1, naiveLoss: expect.closeTo(9300 / 293700, 12), skill: 0,
    });
    expect(m.forecaster.calls.map((c) => c.instances)).toEqual([
      [
        { start: '2025-03-05 00:00:00', target: range(HISTORY, 0).map(level) },
        { start: '2025-03-05 00:00:00', target: range(HISTORY + 30, 0).map(level) },
      ],
    ]);
    expect(m.metrics.published).toEqual([{ at: AS_OF.toISOString(), stage: 'production', meanWQuantileLoss: 0, threshold: 0.5, rmse: 0 }]);
  });

  it('pools the windows: a constant 80 against fees of 100 then 300 loses (20+220)/(100+300) = 0.6, recorded and published', async () => {
    // Prepare: below every actual, wQuantileLoss[τ] = 2τ·Σ(y−80)/Σy, whose mean over τ is Σ(y−80)/Σy.
    // Pooled: (30·20 + 30·220) / (30·100 + 30·300) = 0.6, where averaging the windows would give (0.2 + 0.733)/2.
    const m = await aMeasurement({ level: (i) => (i < HISTORY + 30 ? 100 : 300), answer: constant(80) });

    // Act
    const check = await m.measure();

    // Assess
    // Seasonal naive forecasts the last observed fee, 100, for both windows: it loses 30·200/(30·100 + 30·300) = 0.5.
    expect(check).toEqual({
      at: AS_OF.toISOString(), stage: 'production', outcome: 'measured', loss: expect.closeTo(0.6, 12), rmse: expect.closeTo(Math.sqrt((30 * 20 ** 2 + 30 * 220 ** 2) / 60), 9), threshold: 0.5, endpoint: 'endpoint-production', windows: 2,
      criterion: 'skill', maxSkill: 1, approvedLossFactor: 1, naiveLoss: expect.closeTo(0.5, 12), skill: expect.closeTo(1.2, 12),
    });
    expect(m.monitoringStore.checks).toEqual([check]);
    expect(m.metrics.published).toEqual([{ at: AS_OF.toISOString(), stage: 'production', meanWQuantileLoss: check.loss, threshold: 0.5, rmse: check.rmse }]);
  });

  it('scores a forecast above the actuals by (1−τ): a constant 150 against fees of 100 loses 0.5, RMSE 50', async () => {
    // Prepare: wQuantileLoss[τ] = 2(1−τ)·50/100 = 1−τ, whose mean over τ = 0.1…0.9 is 0.5.
    const m = await aMeasurement({ answer: constant(150) });

    // Act
    const check = await m.measure({ stage: 'staging' });

    // Assess
    expect(check.loss).toBeCloseTo(0.5, 12);
    expect(check.rmse).toBeCloseTo(50, 12);
  });

  it('asks each stage its own endpoint once, for every window, conditioned on the series from its first observed minute', async () => {
    // Prepare
    const m = await aMeasurement();

    // Act
    await m.measure({ stage: 'staging', windows: 4 });
    await m.measure({ stage: 'production' });

    // Assess: the range starts a day before the data; the series starts at its first stored minute, T0.
    expect(m.forecaster.calls.map((c) => c.endpointName)).toEqual(['endpoint-staging', 'endpoint-production']);
    expect(m.forecaster.calls[0].instances.map((i) => [i.start, i.target.length])).toEqual([
      ['2025-03-05 00:00:00', 300],
      ['2025-03-05 00:00:00', 330],
      ['2025-03-05 00:00:00', 360],
      ['2025-03-05 00:00:00', 390],
    ]);
    expect(m.forecaster.calls[0].configuration).toEqual({ num_samples: 100, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] });
  });

  it("scores and publishes each stage by its own endpoint's forecast", async () => {
    // Prepare: production forecasts 80 (loses 0.2 against fees of 100), staging forecasts 100 (loses 0).
    const m = await aMeasurement({ answer: (instances, name) => constant(name === 'endpoint-production' ? 80 : 100)(instances, name) });

    // Act
    const staging = await m.measure({ stage: 'staging' });
    const production = await m.measure({ stage: 'production' });

    // Assess
    expect(staging).toMatchObject({ stage: 'staging', endpoint: 'endpoint-staging', loss: 0 });
    expect(production).toMatchObject({ stage: 'production', endpoint: 'endpoint-production', loss: expect.closeTo(0.2, 12) });
    expect(m.metrics.published.map((p) => [p.stage, p.meanWQuantileLoss])).toEqual([
      ['staging', 0],
      ['production', expect.closeTo(0.2, 12)],
    ]);
  });

  it('reads the threshold at run time', async () => {
    // Prepare
    const m = await aMeasurement({ threshold: '0.15' });

    // Act
    const check = await m.measure();

    // Assess
    expect(check.threshold).toBe(0.15);
    expect(m.metrics.published[0].threshold).toBe(0.15);
  });

  it('records stale-data, asking no endpoint and publishing nothing, when the latest minute is 11 minutes old', async () => {
    // Prepare: the latest stored minute starts at 06:49, 11 minutes before 07:00 (more than the 10 allowed).
    const m = await aMeasurement({ minutes: range(MINUTES - 10) });

    // Act
    const check = await m.measure();

    // Assess
    expect(check).toMatchObject({ outcome: 'stale-data', detail: 'the latest stored minute is 2025-03-05T06:49:00Z, 11 minutes before 2025-03-05T07:00:00.000Z: is ingestion stalled?' });
    expect(m.forecaster.calls).toEqual([]);
    expect(m.metrics.published).toEqual([]);
    expect(m.monitoringStore.checks).toEqual([check]);
  });

  it('is not stale when the latest minute is exactly 10 minutes old', async () => {
    // Prepare: the latest minute is 410, the check is for minute 420.
    const m = await aMeasurement({ minutes: range(MINUTES - 9) });

    // Act
    const check = await m.measure();

    // Assess
    expect(check.outcome).toBe('measured');
  });

  it('records stale-data when there is no record at all', async () => {
    // Prepare
    const m = await aMeasurement({ minutes: [] });

    // Act
    const check = await m.measure({ stage: 'staging' });

    // Assess
    // The check reads the day before the windows' history too: seasonal naive forecasts from it.
    expect(check).toMatchObject({ outcome: 'stale-data', detail: 'no feature record between 2025-03-04T00:00:00Z and 2025-03-05T07:00:00Z: is ingestion stalled?' });
  });

  it('skips missing actuals: 15 of 30 observed minutes still measure, on the observed ones only', async () => {
    // Prepare: minutes 360..374 of the first window are missing; a constant 80 against 100 loses Σ(y−80)/Σy = 0.2.
    const m = await aMeasurement({ minutes: range(MINUTES).filter((i) => i < HISTORY || i >= HISTORY + 15), answer: constant(80) });

    // Act
    const check = await m.measure();

    // Assess
    expect(check.outcome).toBe('measured');
    expect(check.loss).toBeCloseTo(0.2, 12);
  });

  it('records stale-data when a window has fewer than half its actuals', async () => {
    // Prepare: 16 minutes of the first window are missing, 14 observed.
    const m = await aMeasurement({ minutes: range(MINUTES).filter((i) => i < HISTORY || i >= HISTORY + 16) });

    // Act
    const check = await m.measure();

    // Assess
    expect(check).toMatchObject({ outcome: 'stale-data', detail: 'only 14 of the 30 minutes from 2025-03-05T06:00:00Z were observed: too few to score a forecast against' });
    expect(m.forecaster.calls).toEqual([]);
  });

  it('records stale-data when none of the minutes before a window was observed', async () => {
    // Prepare: the series' only minutes are the window's (390..419).
    const m = await aMeasurement({ minutes: range(30, 390) });

    // Act
    const check = await m.measure({ windows: 1 });

    // Assess
    expect(check).toMatchObject({ outcome: 'stale-data', detail: `none of the ${SERIES - 30} minutes before 2025-03-05T06:30:00Z was observed: nothing to forecast from` });
    expect(m.forecaster.calls).toEqual([]);
  });

  it('records no-endpoint when no endpoint serves in that stage', async () => {
    // Prepare
    const m = await aMeasurement({ answer: () => undefined });

    // Act
    const check = await m.measure({ stage: 'staging' });

    // Assess
    expect(check).toEqual({ at: AS_OF.toISOString(), stage: 'staging', outcome: 'no-endpoint', threshold: 0.5, endpoint: 'endpoint-staging', windows: 2, detail: 'no endpoint endpoint-staging is in service' });
    expect(m.metrics.published).toEqual([]);
  });

  it("records an endpoint's error by name and message instead of throwing", async () => {
    // Prepare
    const m = await aMeasurement({
      answer: () => {
        throw Object.assign(new Error('Received server error (500) from primary'), { name: 'ModelError' });
      },
    });

    // Act
    const check = await m.measure();

    // Assess
    expect(check).toMatchObject({ outcome: 'endpoint-error', detail: 'ModelError: Received server error (500) from primary' });
    expect(m.monitoringStore.checks).toEqual([check]);
  });

  it('records endpoint-error when the answer does not hold one forecast per window', async () => {
    // Prepare
    const m = await aMeasurement({ answer: (instances, name) => constant(100)(instances.slice(1), name) });

    // Act
    const check = await m.measure();

    // Assess
    expect(check).toMatchObject({ outcome: 'endpoint-error', detail: 'ValidationError: the endpoint answered 1 forecasts for 2 instances' });
  });
  describe('skill against seasonal naive on the same windows', () => {
    /** Yesterday and today's history at 100, the window at 300: naive forecasts yesterday's 100 with no spread. */
    const aDayThenAJump = (i: number) => (i < HISTORY ? 100 : 300);
    const aDayAndTheWindow = range(HISTORY + 30 + 1440, -1440);
    const oneWindowAsOf = minutesAfterT0(HISTORY + 30);

    it('scores naive on the very same window and records skill = loss / naive loss, 0.5 / (2/3) = 0.75', async () => {
      // Prepare: the model's 150 against 300 loses mean(2τ·150/300) = 0.5; naive's 100 loses mean(2τ·200/300) = 2/3.
      const m = await aMeasurement({ minutes: aDayAndTheWindow, level: aDayThenAJump, answer: constant(150) });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ outcome: 'measured', criterion: 'skill', loss: expect.closeTo(0.5, 12), naiveLoss: expect.closeTo(2 / 3, 12), skill: expect.closeTo(0.75, 12) });
      expect(m.monitoringStore.checks).toEqual([check]);
    });

    it('judges by skill unless monitoring/criterion says otherwise: skill is the default, with max skill 1', async () => {
      // Prepare
      const m = await aMeasurement({ minutes: aDayAndTheWindow, level: aDayThenAJump, answer: constant(150) });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ criterion: 'skill', maxSkill: 1 });
    });

    it('records the loss the serving model was approved at, read from the registry for the stage\'s own endpoint', async () => {
      // Prepare
      const m = await aMeasurement({
        minutes: aDayAndTheWindow, level: aDayThenAJump, answer: constant(150),
        served: { [ENDPOINTS.production]: { modelName: 'job-2', modelPackageArn: 'arn:package/2', approvedLoss: 0.4 } },
      });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ outcome: 'measured', loss: expect.closeTo(0.5, 12), approvedLoss: 0.4, approvedLossFactor: 1 });
      expect(m.servingModels.asked).toEqual([ENDPOINTS.production]);
      expect(m.monitoringStore.checks).toEqual([check]);
    });

    it('measures without the approved loss when the registry cannot be read: skill alone judges, the check is not lost', async () => {
      // Prepare
      const m = await aMeasurement({
        minutes: aDayAndTheWindow, level: aDayThenAJump, answer: constant(150),
        served: { [ENDPOINTS.production]: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) },
      });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ outcome: 'measured', skill: expect.closeTo(0.75, 12) });
      expect(check.approvedLoss).toBeUndefined();
      expect(check.detail).toBe('the approved loss could not be read, skill alone judged: ThrottlingException: Rate exceeded');
    });

    it('records the criterion absolute, with no skill limit, when monitoring/criterion says absolute (the seed rule)', async () => {
      // Prepare
      const m = await aMeasurement({ minutes: aDayAndTheWindow, level: aDayThenAJump, answer: constant(150), parameters: { monitoringCriterion: 'absolute' } });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ criterion: 'absolute', threshold: 0.5, skill: expect.closeTo(0.75, 12) });
      expect(check.maxSkill).toBeUndefined();
      expect(check.approvedLossFactor).toBeUndefined();
    });

    it('records the criterion skill and its limit when monitoring/criterion says skill', async () => {
      // Prepare
      const m = await aMeasurement({ minutes: aDayAndTheWindow, level: aDayThenAJump, answer: constant(150), parameters: { monitoringCriterion: 'skill', maxSkill: '0.9' } });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ criterion: 'skill', maxSkill: 0.9, skill: expect.closeTo(0.75, 12), threshold: 0.5 });
    });

    it('leaves skill out when naive is perfect (its loss 0): the ratio says nothing', async () => {
      // Prepare: every fee 100, yesterday too: naive forecasts 100 exactly.
      const m = await aMeasurement({ minutes: aDayAndTheWindow, answer: constant(150) });

      // Act
      const check = await m.measure({ asOf: oneWindowAsOf, windows: 1 });

      // Assess
      expect(check).toMatchObject({ outcome: 'measured', loss: expect.closeTo(0.5, 12), naiveLoss: 0 });
      expect(check.skill).toBeUndefined();
    });
  });

  it('scores the number of windows monitoring/windows says when the input names none', async () => {
    // Prepare
    const m = await aMeasurement({ parameters: { monitoringWindows: '3' } });

    // Act
    const check = await m.measure({ windows: undefined });

    // Assess
    expect(check).toMatchObject({ outcome: 'measured', windows: 3 });
    expect(m.forecaster.calls[0].instances.map((i) => i.target.length)).toEqual([330, 360, 390]);
  });

  it.each([
    ['monitoringWindows', '-12', 'parameter /btc-fee-deepar/test/monitoring/windows is "-12", expected a whole number of windows from 1 to 48'],
    ['monitoringCriterion', 'relative', 'parameter /btc-fee-deepar/test/monitoring/criterion is "relative", expected one of absolute, skill'],
    ['maxSkill', '0', 'parameter /btc-fee-deepar/test/monitoring/max-skill is "0", expected a positive ratio of losses'],
  ] as const)('fails naming the parameter when %s is %s, and records nothing', async (key, value, message) => {
    // Prepare
    const m = await aMeasurement({ parameters: { [key]: value } });

    // Act / Assess
    await expect(m.measure()).rejects.toMatchObject({ name: 'ValidationError', message });
    expect(m.monitoringStore.checks).toEqual([]);
  });
  describe('the same history as the gate', () => {
    /** The batch transform's instances of a training at AS_OF with a one-day window and 2 evaluation windows. */
    const theGatesInstances = async (featureStore: Awaited<ReturnType<typeof aMeasurement>>['featureStore']) => {
      const objectStore = new InMemoryObjectStore();
      const training = await extractSeries(
        { featureStore, objectStore },
        { asOf: AS_OF, windowDays: 1, predictionLength: 30, minValidPoints: 90, evaluationWindows: 2, dataPrefix: 's3://artifacts/training/job-1' },
      );
      return String(await objectStore.get(`${training.transformInputUri}input.json`)).trim().split('\n').map((line) => JSON.parse(line));
    };

    it('sends the endpoint the very instances a training at that hour sends the batch transform for the same windows', async () => {
      // Prepare: a one-day training window; the data (minutes 0..419) is younger than it.
      const level = (i: number) => 1000 + 10 * i + (i % 7) / 3;
      const m = await aMeasurement({ level, parameters: { windowDays: '1' } });
      const transformInput = await theGatesInstances(m.featureStore);

      // Act
      await m.measure({ seriesMinutes: undefined });

      // Assess
      expect(m.forecaster.calls[0].instances).toEqual(transformInput);
      expect(transformInput.map((i: { start: string; target: unknown[] }) => [i.start, i.target.length])).toEqual([
        ['2025-03-05 00:00:00', 360],
        ['2025-03-05 00:00:00', 390],
      ]);
    });

    it('starts the series at the first stored minute even when its fee is bad, as the training does', async () => {
      // Prepare: minutes 0..2 stored with a negative fee (read as missing), the rest valid.
      const level = (i: number) => (i < 3 ? -1 : 1000 + 10 * i);
      const m = await aMeasurement({ level, parameters: { windowDays: '1' } });
      const transformInput = await theGatesInstances(m.featureStore);

      // Act
      await m.measure({ seriesMinutes: undefined });

      // Assess
      expect(m.forecaster.calls[0].instances).toEqual(transformInput);
      expect(m.forecaster.calls[0].instances.map((i) => [i.start, i.target.slice(0, 4)])).toEqual([
        ['2025-03-05 00:00:00', ['NaN', 'NaN', 'NaN', 1030]],
        ['2025-03-05 00:00:00', ['NaN', 'NaN', 'NaN', 1030]],
      ]);
    });

    it('reads the training window (training/window-days) up to the check when the input names no series', async () => {
      // Prepare: a quarter-day window, 360 minutes before AS_OF: from minute 60.
      const m = await aMeasurement({ parameters: { windowDays: '0.25' } });

      // Act
      await m.measure({ seriesMinutes: undefined });

      // Assess
      expect(m.forecaster.calls[0].instances.map((i) => [i.start, i.target.length])).toEqual([
        ['2025-03-05 01:00:00', 300],
        ['2025-03-05 01:00:00', 330],
      ]);
    });

    it('fails naming both parameters when the windows fill the whole training window, and records nothing', async () => {
      // Prepare: 12 windows of 30 minutes are the whole quarter-day window: nothing precedes the first.
      const m = await aMeasurement({ parameters: { windowDays: '0.25', monitoringWindows: '12' } });

      // Act / Assess
      await expect(m.measure({ windows: undefined, seriesMinutes: undefined })).rejects.toMatchObject({
        name: 'ValidationError',
        message:
          'parameter /btc-fee-deepar/test/monitoring/windows asks for 12 windows of 30 minutes (360), but parameter /btc-fee-deepar/test/training/window-days ' +
          'holds 360 minutes: no minute would precede the first window to forecast it from; lower the windows or lengthen the series',
      });
      expect(m.monitoringStore.checks).toEqual([]);
      expect(m.forecaster.calls).toEqual([]);
    });

    it("splits the windows into requests under SageMaker's payload limit and scores their answers in order", async () => {
      // Prepare: a week's series of long decimals, 48 windows: ~7 MB of instances, over one request's 5 MB.
      const week = 7 * 1440;
      const level = (i: number) => 12345.678901 + i / 7;
      const m = await aMeasurement({ minutes: range(week), level, answer: constant(100) });

      // Act
      const check = await m.measure({ asOf: minutesAfterT0(week), windows: 48, seriesMinutes: week });

      // Assess
      const bodies = m.forecaster.calls.map((c) => Buffer.byteLength(JSON.stringify(c.instances)));
      expect(bodies.length).toBeGreaterThan(1);
      for (const bytes of bodies) expect(bytes).toBeLessThanOrEqual(ENDPOINT_BATCH.maxBytes);
      expect(m.forecaster.calls.flatMap((c) => c.instances.map((i) => i.target.length))).toEqual(range(48).map((w) => week - (48 - w) * 30));
      expect(check).toMatchObject({ outcome: 'measured', windows: 48 });
    });
  });
});
