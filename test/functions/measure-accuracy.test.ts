import { createHandler, type MonitoringSettings } from '../../functions/measure-accuracy';
import { MAX_DATA_AGE_MINUTES } from '../../src/core/monitoring-policy';
import type { DeepArLine } from '../../src/core/deepar-channels';
import type { DeepArForecast } from '../../src/core/evaluation';
import { DEFAULT_QUANTILES } from '../../src/core/metrics';
import { parameterName } from '../../src/core/run-config';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import type { EndpointForecaster, InferenceConfiguration } from '../../src/ports/endpoint-forecaster';
import { SqliteFeatureStore } from '../../local/adapters/sqlite-feature-store';
import { SqliteMetricsPublisher } from '../../local/adapters/sqlite-metrics-publisher';
import { SqliteMonitoringStore } from '../../local/adapters/sqlite-monitoring-store';
import { SqliteParameterStore } from '../../local/adapters/sqlite-parameter-store';
import { T0, aRecord, range } from '../builders/feature-records';
import { aTwinHome } from '../builders/twin-home';
import { aSilentLogger } from './logs';

const PATH = '/btc-fee-deepar/test';
const SETTINGS: MonitoringSettings = {
  PARAMETER_PATH: PATH,
  STAGING_ENDPOINT_NAME: 'btc-fee-deepar-test-staging',
  PRODUCTION_ENDPOINT_NAME: 'btc-fee-deepar-test-production',
};
const MINUTE = 60_000;
/** 6 h of conditioning history + 2 windows of 30 minutes: minutes 0..419 of the builders' T0. */
const HISTORY = 360;
const MINUTES = HISTORY + 60;
const AS_OF = new Date(T0 + MINUTES * MINUTE).toISOString();
const QUANTILE_KEYS = DEFAULT_QUANTILES.map(String);

/** Minute index of a DeepAR `start` ("YYYY-MM-DD HH:MM:SS", UTC) relative to T0. */
const minuteIndexOf = (start: string) => (Date.parse(`${start.replace(' ', 'T')}Z`) - T0) / MINUTE;

/** The same path for the mean and every quantile. */
const flatForecast = (path: number[]): DeepArForecast => ({
  mean: path,
  quantiles: Object.fromEntries(QUANTILE_KEYS.map((k) => [k, path])),
});

type Answer = (instances: DeepArLine[], endpointName: string) => DeepArForecast[] | undefined;

/** An endpoint whose answers the test controls; it remembers every call. */
class FakeForecaster implements EndpointForecaster {
  readonly calls: Array<{ endpointName: string; instances: DeepArLine[]; configuration: InferenceConfiguration }> = [];
  constructor(private readonly answer: Answer) {}
  async forecast(endpointName: string, instances: DeepArLine[], configuration: InferenceConfiguration) {
    this.calls.push({ endpointName, instances, configuration });
    return this.answer(instances, endpointName);
  }
}

/** Forecasts exactly what happened: every quantile equals the actual fee, so the loss is 0. */
const perfect =
  (level: (minute: number) => number): Answer =>
  (instances) =>
    instances.map(({ start, target }) => flatForecast(range(30, minuteIndexOf(start) + target.length).map(level)));

/** Forecasts the same fee for every minute and every quantile. */
const constant =
  (value: number): Answer =>
  (instances) =>
    instances.map(() => flatForecast(new Array(30).fill(value)));

describe('Function: measure-accuracy handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let featureStore: SqliteFeatureStore;
  let parameterStore: SqliteParameterStore;
  let monitoringStore: SqliteMonitoringStore;
  let metrics: SqliteMetricsPublisher;

  beforeEach(async () => {
    home = aTwinHome();
    featureStore = new SqliteFeatureStore(home.db);
    parameterStore = new SqliteParameterStore(home.db);
    monitoringStore = new SqliteMonitoringStore(home.db);
    metrics = new SqliteMetricsPublisher(home.db);
    await seedDefaultParameters(parameterStore, PATH);
  });
  afterEach(() => home.dispose());

  const writeMinutes = (minutes: number[], level: (minute: number) => number = () => 100) =>
    featureStore.putRecords(minutes.map((i) => aRecord(i, { avg_fee_1min: level(i) })));

  const newHandler = (forecaster: EndpointForecaster) =>
    createHandler({
      featureStore: () => featureStore,
      parameterStore: () => parameterStore,
      forecaster: () => forecaster,
      metrics: () => metrics,
      monitoringStore: () => monitoringStore,
      settings: () => SETTINGS,
      now: () => new Date(AS_OF),
      logger: aSilentLogger(),
    });

  const measure = (forecaster: EndpointForecaster, event: Record<string, unknown>) => newHandler(forecaster)(event, {} as never);

  it('asks the stage endpoint once for every window, conditioned on the minutes before each', async () => {
    // Prepare
    const level = (i: number) => 1000 + 10 * i;
    await writeMinutes(range(MINUTES), level);
    const forecaster = new FakeForecaster(perfect(level));

    // Act
    await measure(forecaster, { stage: 'production', asOf: AS_OF });

    // Assess
    expect(forecaster.calls).toHaveLength(1);
    const [{ endpointName, instances, configuration }] = forecaster.calls;
    expect(endpointName).toBe('btc-fee-deepar-test-production');
    expect(configuration).toEqual({ num_samples: 100, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] });
    expect(instances).toEqual([
      { start: '2025-03-05 00:00:00', target: range(HISTORY, 0).map(level) },
      { start: '2025-03-05 00:30:00', target: range(HISTORY, 30).map(level) },
    ]);
  });

  it('measures a loss of 0 for a forecast whose quantiles are what happened, and publishes it', async () => {
    // Prepare
    const level = (i: number) => 1000 + 10 * i;
    await writeMinutes(range(MINUTES), level);

    // Act
    const check = await measure(new FakeForecaster(perfect(level)), { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check).toEqual({
      at: AS_OF,
      stage: 'production',
      outcome: 'measured',
      loss: 0,
      rmse: 0,
      threshold: 0.5,
      endpoint: 'btc-fee-deepar-test-production',
      windows: 2,
    });
    expect(await monitoringStore.recentChecks(10)).toEqual([check]);
    expect(metrics.series('MeanWQuantileLoss', 'production')).toEqual([{ at: AS_OF, value: 0 }]);
    expect(metrics.series('Threshold', 'production')).toEqual([{ at: AS_OF, value: 0.5 }]);
    expect(metrics.series('RMSE', 'production')).toEqual([{ at: AS_OF, value: 0 }]);
  });

  it('pools the windows: a constant 80 against fees of 100 then 300 loses (20+220)/(100+300) = 0.6', async () => {
    // Prepare: below every actual, wQuantileLoss[τ] = 2τ·Σ(y−80)/Σy, whose mean over τ is Σ(y−80)/Σy.
    // Pooled: (30·20 + 30·220) / (30·100 + 30·300) = 0.6, where averaging the windows would give (0.2 + 0.733)/2.
    await writeMinutes(range(MINUTES), (i) => (i < HISTORY + 30 ? 100 : 300));

    // Act
    const check = await measure(new FakeForecaster(constant(80)), { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check.outcome).toBe('measured');
    expect(check.loss).toBeCloseTo(0.6, 12);
    expect(check.rmse).toBeCloseTo(Math.sqrt((30 * 20 ** 2 + 30 * 220 ** 2) / 60), 9);
    expect(metrics.series('MeanWQuantileLoss', 'production')[0].value).toBeCloseTo(0.6, 12);
  });

  it('scores a forecast above the actuals by (1−τ): a constant 150 against fees of 100 loses 0.5', async () => {
    // Prepare
    await writeMinutes(range(MINUTES));

    // Act
    const check = await measure(new FakeForecaster(constant(150)), { stage: 'staging', asOf: AS_OF });

    // Assess
    expect(check.loss).toBeCloseTo(0.5, 12);
    expect(check.rmse).toBeCloseTo(50, 12);
  });

  it('measures each stage against its own endpoint, never staging for both', async () => {
    // Prepare
    await writeMinutes(range(MINUTES));
    const forecaster = new FakeForecaster((instances, endpointName) =>
      endpointName === SETTINGS.PRODUCTION_ENDPOINT_NAME ? constant(80)(instances, endpointName) : constant(100)(instances, endpointName),
    );

    // Act
    const staging = await measure(forecaster, { stage: 'staging', asOf: AS_OF });
    const production = await measure(forecaster, { stage: 'production', asOf: AS_OF });

    // Assess
    expect(forecaster.calls.map((c) => c.endpointName)).toEqual(['btc-fee-deepar-test-staging', 'btc-fee-deepar-test-production']);
    expect(staging).toMatchObject({ stage: 'staging', endpoint: 'btc-fee-deepar-test-staging', outcome: 'measured', loss: 0 });
    expect(production).toMatchObject({ stage: 'production', endpoint: 'btc-fee-deepar-test-production', outcome: 'measured' });
    expect(production.loss).toBeCloseTo(0.2, 12);
    expect(metrics.series('MeanWQuantileLoss', 'staging')).toEqual([{ at: AS_OF, value: 0 }]);
    expect(metrics.series('MeanWQuantileLoss', 'production').map((p) => p.value)).toEqual([expect.closeTo(0.2, 12)]);
    expect((await monitoringStore.recentChecks(10)).map((c) => c.stage)).toEqual(['production', 'staging']);
  });

  it('reads the threshold from SSM at run time', async () => {
    // Prepare
    await writeMinutes(range(MINUTES));
    await parameterStore.put(parameterName(PATH, 'threshold'), '0.15', { overwrite: true });

    // Act
    const check = await measure(new FakeForecaster(constant(80)), { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check.threshold).toBe(0.15);
    expect(metrics.series('Threshold', 'production')).toEqual([{ at: AS_OF, value: 0.15 }]);
  });

  it('skips missing actuals: 15 of 30 observed minutes still measure, on the observed ones only', async () => {
    // Prepare: minutes 360..374 of the first window are missing.
    await writeMinutes(range(MINUTES).filter((i) => i < HISTORY || i >= HISTORY + 15));

    // Act
    const check = await measure(new FakeForecaster(constant(80)), { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check.outcome).toBe('measured');
    expect(check.loss).toBeCloseTo(0.2, 12);
  });

  it(`records stale-data, without asking the endpoint, when the latest minute is over ${MAX_DATA_AGE_MINUTES} minutes old`, async () => {
    // Prepare: ingestion stopped 21 minutes before asOf.
    await writeMinutes(range(MINUTES - 20));
    const forecaster = new FakeForecaster(constant(100));

    // Act
    const check = await measure(forecaster, { stage: 'production', asOf: AS_OF });

    // Assess
    expect(forecaster.calls).toHaveLength(0);
    expect(check).toMatchObject({ at: AS_OF, stage: 'production', outcome: 'stale-data', threshold: 0.5, endpoint: 'btc-fee-deepar-test-production' });
    expect(check.detail).toContain('the latest stored minute is 2025-03-05T06:39:00Z, 21 minutes before');
    expect(check.loss).toBeUndefined();
    expect(await monitoringStore.recentChecks(10)).toEqual([check]);
    expect(metrics.series('MeanWQuantileLoss', 'production')).toEqual([]);
  });

  it('is not stale when the latest minute is exactly 10 minutes old', async () => {
    // Prepare: the latest minute is 410, asOf is minute 420.
    await writeMinutes(range(MINUTES - 9));

    // Act
    const check = await measure(new FakeForecaster(constant(100)), { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check.outcome).toBe('measured');
  });

  it('records stale-data when there is no record at all', async () => {
    // Act
    const check = await measure(new FakeForecaster(constant(100)), { stage: 'staging', asOf: AS_OF });

    // Assess
    expect(check).toMatchObject({ outcome: 'stale-data', detail: 'no feature record between 2025-03-05T00:00:00Z and 2025-03-05T07:00:00Z: is ingestion stalled?' });
  });

  it('records stale-data when a window has fewer than half its actuals', async () => {
    // Prepare: 16 minutes of the first window are missing, 14 observed.
    await writeMinutes(range(MINUTES).filter((i) => i < HISTORY || i >= HISTORY + 16));
    const forecaster = new FakeForecaster(constant(100));

    // Act
    const check = await measure(forecaster, { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check).toMatchObject({ outcome: 'stale-data', detail: 'only 14 of the 30 minutes from 2025-03-05T06:00:00Z were observed: too few to score a forecast against' });
    expect(forecaster.calls).toHaveLength(0);
  });

  it('records no-endpoint when no endpoint serves in that stage', async () => {
    // Prepare
    await writeMinutes(range(MINUTES));

    // Act
    const check = await measure(new FakeForecaster(() => undefined), { stage: 'staging', asOf: AS_OF });

    // Assess
    expect(check).toEqual({
      at: AS_OF,
      stage: 'staging',
      outcome: 'no-endpoint',
      threshold: 0.5,
      endpoint: 'btc-fee-deepar-test-staging',
      windows: 2,
      detail: 'no endpoint btc-fee-deepar-test-staging is in service',
    });
    expect(await monitoringStore.recentChecks(10)).toEqual([check]);
    expect(metrics.series('MeanWQuantileLoss', 'staging')).toEqual([]);
  });

  it("records an endpoint's error by name and message instead of throwing", async () => {
    // Prepare
    await writeMinutes(range(MINUTES));
    const failure = Object.assign(new Error('Received server error (500) from primary'), { name: 'ModelError' });
    const forecaster = new FakeForecaster(() => {
      throw failure;
    });

    // Act
    const check = await measure(forecaster, { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check).toMatchObject({ outcome: 'endpoint-error', detail: 'ModelError: Received server error (500) from primary', stage: 'production' });
    expect(await monitoringStore.recentChecks(10)).toEqual([check]);
    expect(metrics.series('MeanWQuantileLoss', 'production')).toEqual([]);
  });

  it('records endpoint-error when the answer does not hold one forecast per window', async () => {
    // Prepare
    await writeMinutes(range(MINUTES));

    // Act
    const check = await measure(new FakeForecaster((instances) => constant(100)(instances.slice(1), '')), { stage: 'production', asOf: AS_OF });

    // Assess
    expect(check).toMatchObject({ outcome: 'endpoint-error', detail: 'ValidationError: the endpoint answered 1 forecasts for 2 instances' });
  });

  it('measures more windows and a shorter history when the event asks', async () => {
    // Prepare
    await writeMinutes(range(MINUTES));
    const forecaster = new FakeForecaster(constant(100));

    // Act
    const check = await measure(forecaster, { stage: 'production', asOf: AS_OF, windows: 4, historyMinutes: 60 });

    // Assess
    expect(check).toMatchObject({ outcome: 'measured', windows: 4, loss: 0 });
    expect(forecaster.calls[0].instances.map((i) => [i.start, i.target.length])).toEqual([
      ['2025-03-05 04:00:00', 60],
      ['2025-03-05 04:30:00', 60],
      ['2025-03-05 05:00:00', 60],
      ['2025-03-05 05:30:00', 60],
    ]);
  });

  it("takes the clock's now when the event has no asOf", async () => {
    // Prepare
    await writeMinutes(range(MINUTES));

    // Act
    const check = await measure(new FakeForecaster(constant(100)), { stage: 'production' });

    // Assess
    expect(check).toMatchObject({ at: AS_OF, outcome: 'measured' });
  });

  it('rejects an unknown stage with a ValidationError', async () => {
    await expect(measure(new FakeForecaster(constant(100)), { stage: 'dev', asOf: AS_OF })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('stage'),
    });
  });
});
