/**
 * The check-history handler: the event parsed (which machine asks, a bad time or minimum named) and the
 * local adapters wired to the use cases, tested in test/use-cases/check-history.test.ts.
 */
import { createHandler } from '../../functions/check-history';
import { SqliteFeatureStore } from '../../local/adapters/sqlite-feature-store';
import { SqliteMonitoringStore } from '../../local/adapters/sqlite-monitoring-store';
import { SqliteParameterStore } from '../../local/adapters/sqlite-parameter-store';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import { aRecord, range } from '../builders/feature-records';
import { aTwinHome } from '../builders/twin-home';
import { minutesAfterT0 } from '../use-cases/mothers';
import LIST_EXECUTIONS from '../fixtures/aws/sfn-list-executions.json';
import { aSilentLogger } from './logs';

const PATH = '/btc-fee-deepar/test';

describe('Function: check-history handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let monitoringStore: SqliteMonitoringStore;
  let check: (event: Record<string, unknown>) => Promise<unknown>;

  beforeEach(async () => {
    home = aTwinHome();
    const featureStore = new SqliteFeatureStore(home.db);
    await featureStore.putRecords(range(90).map((i) => aRecord(i)));
    const parameterStore = new SqliteParameterStore(home.db);
    await seedDefaultParameters(parameterStore, PATH);
    monitoringStore = new SqliteMonitoringStore(home.db);
    const handler = createHandler({
      featureStore: () => featureStore,
      parameterStore: () => parameterStore,
      monitoringStore: () => monitoringStore,
      endpointExists: () => async () => false,
      settings: () => ({ PARAMETER_PATH: PATH, STAGING_ENDPOINT_NAME: 'e-staging', PRODUCTION_ENDPOINT_NAME: 'e-production' }),
      logger: aSilentLogger(),
    });
    check = (event) => handler(event, {} as never);
  });
  afterEach(() => home.dispose());

  it("counts for training with the run's window and minimum", async () => {
    await expect(check({ machine: 'training', asOf: minutesAfterT0(90).toISOString(), windowDays: 7, minHistoryMinutes: 1440 })).resolves.toEqual({
      minutes: 90, required: 1440, enough: false, message: 'waiting for data: 90 of 1440 minutes',
    });
  });

  it('waits for monitoring on a stack with no endpoint, with the minimum read from SSM (one day, raised to the 48 evaluation windows plus one context: 1530)', async () => {
    await expect(check({ machine: 'monitoring', asOf: minutesAfterT0(90).toISOString() })).resolves.toMatchObject({
      anyModelDeployed: false, stagesWithModel: [], firstDay: { status: 'waiting-for-data', message: 'waiting for data: 90 of 1530 minutes', notify: true },
    });
  });

  it("decides a training retry from ListExecutions' listings as the integration returns them (the fixture's example), and records it", async () => {
    const { runningTrainings, latestTrainings } = LIST_EXECUTIONS.example;
    const event = { machine: 'training-retry', asOf: '2026-01-01T16:20:00Z', runningTrainings: runningTrainings.Executions, runningDeployments: [], latestTrainings: latestTrainings.Executions };

    await expect(check(event)).resolves.toMatchObject({ status: 'training-retry', startFirstTraining: true, message: expect.stringContaining('the last training failed 6.0 h ago') });
    expect(await monitoringStore.recentDecisions(10)).toEqual([expect.objectContaining({ at: '2026-01-01T16:20:00.000Z', retrain: true })]);
  });

  it('reads timestamps given as epoch seconds too (the wire form of the API)', async () => {
    const seconds = (iso: string) => Date.parse(iso) / 1000;
    const [latest] = LIST_EXECUTIONS.example.latestTrainings.Executions;
    const listed = { ...latest, StartDate: seconds(latest.StartDate), StopDate: seconds(latest.StopDate) };

    await expect(check({ machine: 'training-retry', asOf: '2026-01-01T12:20:00Z', runningTrainings: [], runningDeployments: [], latestTrainings: [listed] })).resolves.toMatchObject({
      startFirstTraining: false, message: expect.stringContaining('the last training failed 2.0 h ago'),
    });
  });

  it.each([
    [{ machine: 'training-retry', asOf: '2026-01-01T16:20:00Z', runningTrainings: [], runningDeployments: [], latestTrainings: [{ Status: 'FAILED', StartDate: 'yesterday' }] }, 'latestTrainings.0.StartDate: expected an ISO 8601 time or epoch seconds, got "yesterday"'],
    [{ machine: 'training-retry', asOf: '2026-01-01T16:20:00Z', runningTrainings: [], latestTrainings: [] }, 'runningDeployments'],
    [{ machine: 'training', asOf: 'yesterday', windowDays: 7, minHistoryMinutes: 1440 }, 'asOf'],
    [{ machine: 'training', asOf: minutesAfterT0(90).toISOString(), windowDays: 7, minHistoryMinutes: 0.5 }, 'minHistoryMinutes'],
    [{ machine: 'deployment', asOf: minutesAfterT0(90).toISOString() }, 'machine'],
  ])('rejects %j with a ValidationError naming %s, recording nothing', async (event, field) => {
    await expect(check(event)).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining(field) });
    expect(await monitoringStore.recentChecks(10)).toEqual([]);
    expect(await monitoringStore.recentDecisions(10)).toEqual([]);
  });
});
