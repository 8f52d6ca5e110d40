/**
 * The measure-accuracy handler: the event parsed (defaults, asOf from the clock, a bad stage named),
 * the settings' endpoint names and the local adapters wired to the use case. What a measurement
 * finds is src/use-cases/measure-accuracy's, tested in test/use-cases/measure-accuracy.test.ts.
 */
import { createHandler, type MonitoringSettings } from '../../functions/measure-accuracy';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import { SqliteFeatureStore } from '../../local/adapters/sqlite-feature-store';
import { SqliteMetricsPublisher } from '../../local/adapters/sqlite-metrics-publisher';
import { SqliteMonitoringStore } from '../../local/adapters/sqlite-monitoring-store';
import { SqliteParameterStore } from '../../local/adapters/sqlite-parameter-store';
import { T0, aRecord, range } from '../builders/feature-records';
import { aTwinHome } from '../builders/twin-home';
import { FakeForecaster, FakeServingModels } from '../use-cases/fakes';
import { constant } from '../use-cases/mothers';
import { aSilentLogger } from './logs';

const PATH = '/btc-fee-deepar/test';
const SETTINGS: MonitoringSettings = {
  PARAMETER_PATH: PATH,
  STAGING_ENDPOINT_NAME: 'btc-fee-deepar-test-staging',
  PRODUCTION_ENDPOINT_NAME: 'btc-fee-deepar-test-production',
};
/** 6 h of history + 2 windows of 30 minutes: minutes 0..419 of the builders' T0. */
const MINUTES = 420;
const AS_OF = new Date(T0 + MINUTES * 60_000).toISOString();

describe('Function: measure-accuracy handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let monitoringStore: SqliteMonitoringStore;
  let metrics: SqliteMetricsPublisher;
  let measure: (event: Record<string, unknown>) => ReturnType<ReturnType<typeof createHandler>>;
  let forecaster: FakeForecaster;

  beforeEach(async () => {
    home = aTwinHome();
    const featureStore = new SqliteFeatureStore(home.db);
    const parameterStore = new SqliteParameterStore(home.db);
    monitoringStore = new SqliteMonitoringStore(home.db);
    metrics = new SqliteMetricsPublisher(home.db);
    await seedDefaultParameters(parameterStore, PATH);
    // The data holds 2 windows after 6 h of history: monitoring/windows says how many a check scores.
    await parameterStore.put(`${PATH}/monitoring/windows`, '2', { overwrite: true });
    await featureStore.putRecords(range(MINUTES).map((i) => aRecord(i, { avg_fee_1min: 100 })));
    forecaster = new FakeForecaster(constant(100));
    const handler = createHandler({
      featureStore: () => featureStore,
      parameterStore: () => parameterStore,
      forecaster: () => forecaster,
      metrics: () => metrics,
      servingModels: () => new FakeServingModels(),
      monitoringStore: () => monitoringStore,
      settings: () => SETTINGS,
      now: () => new Date(AS_OF),
      logger: aSilentLogger(),
    });
    measure = (event) => handler(event, {} as never);
  });
  afterEach(() => home.dispose());

  it('measures through the local adapters: the check recorded, the loss and threshold published', async () => {
    // Act
    const check = await measure({ stage: 'production', asOf: AS_OF });

    // Assess
    expect(check).toEqual({ at: AS_OF, stage: 'production', outcome: 'measured', loss: 0, rmse: 0, threshold: 0.5, endpoint: 'btc-fee-deepar-test-production', windows: 2, criterion: 'skill', maxSkill: 1, approvedLossFactor: 1, naiveLoss: 0 });
    expect(await monitoringStore.recentChecks(10)).toEqual([check]);
    expect(metrics.series('MeanWQuantileLoss', 'production')).toEqual([{ at: AS_OF, value: 0 }]);
    expect(metrics.series('Threshold', 'production')).toEqual([{ at: AS_OF, value: 0.5 }]);
    expect(metrics.series('RMSE', 'production')).toEqual([{ at: AS_OF, value: 0 }]);
  });

  it("asks each stage's endpoint by the settings' names, never staging for both", async () => {
    // Act
    await measure({ stage: 'staging', asOf: AS_OF });
    await measure({ stage: 'production', asOf: AS_OF });

    // Assess
    expect(forecaster.calls.map((c) => c.endpointName)).toEqual(['btc-fee-deepar-test-staging', 'btc-fee-deepar-test-production']);
  });

  it('measures the windows monitoring/windows says (2 here), each from the training window before it, by default', async () => {
    // Act
    await measure({ stage: 'production', asOf: AS_OF });

    // Assess: the week's window holds the data from its first minute, T0.
    expect(forecaster.calls[0].instances.map((i) => [i.start, i.target.length])).toEqual([
      ['2025-03-05 00:00:00', 360],
      ['2025-03-05 00:00:00', 390],
    ]);
  });

  it('measures more windows over a shorter series when the event asks', async () => {
    // Act
    const check = await measure({ stage: 'production', asOf: AS_OF, windows: 4, seriesMinutes: 180 });

    // Assess
    expect(check).toMatchObject({ outcome: 'measured', windows: 4, loss: 0 });
    expect(forecaster.calls[0].instances.map((i) => [i.start, i.target.length])).toEqual([
      ['2025-03-05 04:00:00', 60],
      ['2025-03-05 04:00:00', 90],
      ['2025-03-05 04:00:00', 120],
      ['2025-03-05 04:00:00', 150],
    ]);
  });

  it("takes the clock's now when the event has no asOf", async () => {
    // Act
    const check = await measure({ stage: 'production' });

    // Assess
    expect(check).toMatchObject({ at: AS_OF, outcome: 'measured' });
  });

  it.each([
    ['an unknown stage', { stage: 'dev', asOf: AS_OF }, 'stage'],
    ['a series no longer than a window', { stage: 'staging', seriesMinutes: 30 }, 'seriesMinutes'],
    ['more than 48 windows', { stage: 'staging', windows: 49 }, 'windows'],
  ])('rejects %s with a ValidationError naming the field', async (_, event, field) => {
    await expect(measure(event)).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining(`invalid event: ${field}:`) });
    expect(forecaster.calls).toEqual([]);
  });
});
