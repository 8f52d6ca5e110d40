import { createHandler } from '../../functions/decide-retraining';
import { RECENT_CHECKS } from '../../src/use-cases/decide-retraining';
import type { Stage } from '../../src/core/monitoring-policy';
import { parameterName } from '../../src/core/run-config';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import type { MonitoringCheck } from '../../src/ports/monitoring-store';
import { SqliteMonitoringStore } from '../../local/adapters/sqlite-monitoring-store';
import { SqliteParameterStore } from '../../local/adapters/sqlite-parameter-store';
import { aTwinHome } from '../builders/twin-home';
import { aSilentLogger } from './logs';

const PATH = '/btc-fee-deepar/test';
const T0 = Date.parse('2025-05-01T00:00:00.000Z');
const HOUR = 3_600_000;
const hour = (h: number) => new Date(T0 + h * HOUR).toISOString();

/** A measured check at hour `h` (threshold 0.5): a loss over it is a breach. */
const aCheck = (h: number, stage: Stage, loss: number): MonitoringCheck => ({
  at: hour(h),
  stage,
  outcome: 'measured',
  loss,
  threshold: 0.5,
  endpoint: `btc-fee-deepar-test-${stage}`,
  windows: 2,
  rmse: 10,
});
const aStaleCheck = (h: number, stage: Stage): MonitoringCheck => ({ at: hour(h), stage, outcome: 'stale-data', threshold: 0.5, detail: 'no feature record' });

describe('Function: decide-retraining handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let parameterStore: SqliteParameterStore;
  let monitoringStore: SqliteMonitoringStore;

  beforeEach(async () => {
    home = aTwinHome();
    parameterStore = new SqliteParameterStore(home.db);
    monitoringStore = new SqliteMonitoringStore(home.db);
    await seedDefaultParameters(parameterStore, PATH); // K = 3, cool-down 6 h
  });
  afterEach(() => home.dispose());

  const given = async (...checks: MonitoringCheck[]) => {
    for (const check of checks) await monitoringStore.appendCheck(check);
  };
  /** Hourly checks of both stages: staging holds, production's losses as given, from hour 1. */
  const productionLosses = (...losses: number[]) => given(...losses.flatMap((loss, i) => [aCheck(i + 1, 'staging', 0.2), aCheck(i + 1, 'production', loss)]));

  const decide = (event: Record<string, unknown>) =>
    createHandler({
      parameterStore: () => parameterStore,
      monitoringStore: () => monitoringStore,
      parameterPath: () => PATH,
      logger: aSilentLogger(),
      now: () => new Date(hour(10)),
    })(event, {} as never);

  it('retrains after K consecutive breaches on a stage, and records the decision with its reason', async () => {
    // Prepare
    await productionLosses(0.3, 0.6, 0.7, 0.8);

    // Act
    const result = await decide({ asOf: hour(4), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toEqual({ retrain: true, stage: 'production', consecutiveBreaches: 3, reason: '3 consecutive checks of production over the threshold', staleData: false });
    expect(await monitoringStore.recentDecisions(10)).toEqual([
      { at: hour(4), retrain: true, stage: 'production', consecutiveBreaches: 3, reason: '3 consecutive checks of production over the threshold' },
    ]);
  });

  it('holds below K and records why', async () => {
    // Prepare
    await productionLosses(0.6, 0.3, 0.6, 0.7);

    // Act
    const result = await decide({ asOf: hour(4), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toEqual({ retrain: false, consecutiveBreaches: 2, reason: 'accuracy holds: 2 of 3 consecutive breaches (production)', staleData: false });
    expect(await monitoringStore.recentDecisions(10)).toEqual([
      { at: hour(4), retrain: false, consecutiveBreaches: 2, reason: 'accuracy holds: 2 of 3 consecutive breaches (production)' },
    ]);
  });

  it('reads K from SSM at run time', async () => {
    // Prepare
    await productionLosses(0.3, 0.6, 0.7);
    await parameterStore.put(parameterName(PATH, 'breachesBeforeRetraining'), '2', { overwrite: true });

    // Act
    const result = await decide({ asOf: hour(3), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toMatchObject({ retrain: true, stage: 'production', consecutiveBreaches: 2 });
  });

  it('does not retrain within the cool-down since the last training started', async () => {
    // Prepare
    await productionLosses(0.6, 0.7, 0.8);

    // Act
    const result = await decide({ asOf: hour(3), trainingRunning: false, lastTrainingStart: hour(1) });

    // Assess
    expect(result).toEqual({
      retrain: false,
      consecutiveBreaches: 3,
      reason: '3 consecutive breaches on production, but the last training started 2.0 h ago (cool-down 6 h)',
      staleData: false,
    });
    expect((await monitoringStore.recentDecisions(1))[0]).toMatchObject({ retrain: false, reason: result.reason });
  });

  it('reads the cool-down from SSM and takes a start date in epoch seconds', async () => {
    // Prepare
    await productionLosses(0.6, 0.7, 0.8);
    await parameterStore.put(parameterName(PATH, 'cooldownHours'), '1', { overwrite: true });

    // Act
    const result = await decide({ asOf: hour(3), trainingRunning: false, lastTrainingStart: Date.parse(hour(1)) / 1000 });

    // Assess
    expect(result).toMatchObject({ retrain: true, stage: 'production' });
  });

  it('does not retrain while a training runs', async () => {
    // Prepare
    await productionLosses(0.6, 0.7, 0.8);

    // Act
    const result = await decide({ asOf: hour(3), trainingRunning: true, lastTrainingStart: hour(-10) });

    // Assess
    expect(result).toMatchObject({ retrain: false, reason: '3 consecutive breaches on production, but a training is already running', staleData: false });
  });

  it('says the data is stale when the latest check of every stage found stale data, and does not retrain on old breaches', async () => {
    // Prepare
    await productionLosses(0.6, 0.7, 0.8);
    await given(aStaleCheck(4, 'staging'), aStaleCheck(4, 'production'));

    // Act
    const result = await decide({ asOf: hour(4), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toEqual({
      retrain: false,
      consecutiveBreaches: 3,
      reason: '3 consecutive checks of production over the threshold, but the latest checks found stale data: no retraining until data flows again',
      staleData: true,
    });
    expect((await monitoringStore.recentDecisions(1))[0]).toMatchObject({ retrain: false, consecutiveBreaches: 3 });
  });

  it('is not stale when one stage still measured', async () => {
    // Prepare
    await given(aStaleCheck(1, 'staging'), aCheck(1, 'production', 0.2));

    // Act
    const result = await decide({ asOf: hour(1), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toMatchObject({ retrain: false, staleData: false });
  });

  it('decides only on the checks known at asOf', async () => {
    // Prepare: the breaches of hours 3 to 5 came after the decision's time.
    await productionLosses(0.2, 0.2, 0.6, 0.7, 0.8);

    // Act
    const result = await decide({ asOf: hour(2), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toMatchObject({ retrain: false, consecutiveBreaches: 0 });
  });

  it(`reads the latest ${RECENT_CHECKS} checks only`, async () => {
    // Prepare
    await productionLosses(...new Array(30).fill(0.1));
    const spy = jest.spyOn(monitoringStore, 'recentChecks');

    // Act
    await decide({ asOf: hour(40), trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(spy).toHaveBeenCalledWith(RECENT_CHECKS);
  });

  it('says nothing was measured yet, and records it', async () => {
    // Act
    const result = await decide({ trainingRunning: false, lastTrainingStart: null });

    // Assess
    expect(result).toEqual({ retrain: false, consecutiveBreaches: 0, reason: 'nothing measured yet', staleData: false });
    expect(await monitoringStore.recentDecisions(10)).toEqual([{ at: hour(10), retrain: false, consecutiveBreaches: 0, reason: 'nothing measured yet' }]);
  });

  it('rejects an event without trainingRunning with a ValidationError', async () => {
    await expect(decide({ asOf: hour(1), lastTrainingStart: null })).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('trainingRunning') });
  });
});
