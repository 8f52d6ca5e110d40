/**
 * The decide-retraining handler: the event parsed (the start date in each of its wire forms, asOf from
 * the clock, a missing field named) and the local adapters wired to the use case. The decisions
 * themselves are src/use-cases/decide-retraining's, tested in test/use-cases/decide-retraining.test.ts.
 */
import { createHandler } from '../../functions/decide-retraining';
import { parameterName } from '../../src/core/run-config';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import { SqliteMonitoringStore } from '../../local/adapters/sqlite-monitoring-store';
import { SqliteParameterStore } from '../../local/adapters/sqlite-parameter-store';
import { aTwinHome } from '../builders/twin-home';
import { hour, productionLosses } from '../use-cases/mothers';
import { aSilentLogger } from './logs';

const PATH = '/btc-fee-deepar/test';

describe('Function: decide-retraining handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let parameterStore: SqliteParameterStore;
  let monitoringStore: SqliteMonitoringStore;

  beforeEach(async () => {
    home = aTwinHome();
    parameterStore = new SqliteParameterStore(home.db);
    monitoringStore = new SqliteMonitoringStore(home.db);
    await seedDefaultParameters(parameterStore, PATH); // K = 3, cool-down 6 h
    for (const check of productionLosses(0.6, 0.7, 0.8)) await monitoringStore.appendCheck(check);
  });
  afterEach(() => home.dispose());

  const decide = (event: Record<string, unknown>) =>
    createHandler({
      parameterStore: () => parameterStore,
      monitoringStore: () => monitoringStore,
      parameterPath: () => PATH,
      now: () => new Date(hour(10)),
      logger: aSilentLogger(),
    })(event, {} as never);

  it('decides through the local adapters, reading K from the parameters and recording the decision', async () => {
    // Prepare
    await parameterStore.put(parameterName(PATH, 'breachesBeforeRetraining'), '2', { overwrite: true });

    // Act
    const result = await decide({ asOf: hour(2), trainingRunning: false, lastTrainingStart: null });

    // Assess
    const reason = '2 consecutive checks of production over the threshold';
    expect(result).toEqual({ retrain: true, stage: 'production', consecutiveBreaches: 2, reason, staleData: false });
    expect(await monitoringStore.recentDecisions(10)).toEqual([{ at: hour(2), retrain: true, stage: 'production', consecutiveBreaches: 2, reason }]);
  });

  it.each([
    ['an ISO time', hour(1)],
    ['epoch seconds (the API wire form)', Date.parse(hour(1)) / 1000],
    ['epoch milliseconds', Date.parse(hour(1))],
  ])('reads the last training start as %s', async (_, lastTrainingStart) => {
    // Act
    const result = await decide({ asOf: hour(3), trainingRunning: false, lastTrainingStart });

    // Assess
    expect(result).toMatchObject({ retrain: false, reason: '3 consecutive breaches on production, but the last training started 2.0 h ago (cool-down 6 h)' });
  });

  it("decides at the clock's now when the event has no asOf", async () => {
    // Act
    await decide({ trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect((await monitoringStore.recentDecisions(1))[0]).toMatchObject({ at: hour(10) });
  });

  it('rejects an event without trainingRunning with a ValidationError', async () => {
    await expect(decide({ asOf: hour(1), lastTrainingStart: null })).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('trainingRunning') });
    expect(await monitoringStore.recentDecisions(10)).toEqual([]);
  });
});
