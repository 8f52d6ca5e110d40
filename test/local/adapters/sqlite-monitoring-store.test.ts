import Database from 'better-sqlite3';
import type { DecisionRecord, MonitoringCheck } from '../../../src/ports/monitoring-store';
import { SqliteMonitoringStore } from '../../../local/adapters/sqlite-monitoring-store';
import { migrate } from '../../../local/db/migrations';
import { aTwinHome } from '../../builders/twin-home';

const T0 = Date.parse('2025-05-01T00:00:00.000Z');
const hour = (h: number) => new Date(T0 + h * 3_600_000).toISOString();

const aCheck = (overrides: Partial<MonitoringCheck> = {}): MonitoringCheck => ({
  at: hour(1),
  stage: 'production',
  outcome: 'measured',
  loss: 0.31,
  threshold: 0.5,
  endpoint: 'btc-fee-deepar-test-production',
  windows: 2,
  rmse: 12.5,
  ...overrides,
});

const aDecision = (overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  at: hour(1),
  retrain: false,
  reason: 'accuracy holds: 0 of 3 consecutive breaches (production)',
  consecutiveBreaches: 0,
  ...overrides,
});

describe('Function: SqliteMonitoringStore', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteMonitoringStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteMonitoringStore(home.db);
  });
  afterEach(() => home.dispose());

  it("works in any SQLite database the twin's migrations ran on, and migrating twice is harmless", async () => {
    // Prepare
    const db = new Database(':memory:');

    // Act
    migrate(db);
    migrate(db);
    const again = new SqliteMonitoringStore(db);
    await again.appendCheck(aCheck());

    // Assess
    expect(await again.recentChecks(1)).toEqual([aCheck()]);
    db.close();
  });

  it('reads a check back as it was, without fields it did not have', async () => {
    // Prepare
    const stale: MonitoringCheck = { at: hour(2), stage: 'staging', outcome: 'stale-data', threshold: 0.5, detail: 'no feature record' };

    // Act
    await store.appendCheck(aCheck());
    await store.appendCheck(stale);

    // Assess
    expect(await store.recentChecks(10)).toEqual([aCheck(), stale]);
  });

  it('returns the latest checks, oldest first, both stages together', async () => {
    // Prepare
    for (let h = 1; h <= 4; h++) {
      await store.appendCheck(aCheck({ at: hour(h), stage: 'staging' }));
      await store.appendCheck(aCheck({ at: hour(h), stage: 'production' }));
    }

    // Act
    const recent = await store.recentChecks(3);

    // Assess
    expect(recent.map((c) => [c.at, c.stage])).toEqual([
      [hour(3), 'staging'],
      [hour(4), 'production'],
      [hour(4), 'staging'],
    ]);
  });

  it('orders by time whatever the form of the ISO string appended', async () => {
    // Act
    await store.appendCheck(aCheck({ at: '2025-05-01T02:00:00Z' }));
    await store.appendCheck(aCheck({ at: '2025-05-01T01:30:00+00:00' }));

    // Assess
    expect((await store.recentChecks(10)).map((c) => c.at)).toEqual(['2025-05-01T01:30:00.000Z', '2025-05-01T02:00:00.000Z']);
  });

  it('replaces a check appended again for the same time and stage (a retried task)', async () => {
    // Act
    await store.appendCheck(aCheck({ outcome: 'endpoint-error', loss: undefined, rmse: undefined, detail: 'ModelError: 500' }));
    await store.appendCheck(aCheck());

    // Assess
    expect(await store.recentChecks(10)).toEqual([aCheck()]);
  });

  it('stores a figure that is not a number as absent', async () => {
    // Act
    await store.appendCheck(aCheck({ rmse: NaN }));

    // Assess
    expect((await store.recentChecks(1))[0]).not.toHaveProperty('rmse');
  });

  it('refuses a time that is not ISO 8601 and a limit under 1', async () => {
    await expect(store.appendCheck(aCheck({ at: 'yesterday' }))).rejects.toThrow(RangeError);
    await expect(store.recentChecks(0)).rejects.toThrow(RangeError);
  });

  it('records decisions with and without a stage and returns the latest, oldest first', async () => {
    // Prepare
    const retrain = aDecision({ at: hour(3), retrain: true, stage: 'production', consecutiveBreaches: 3, reason: '3 consecutive checks of production over the threshold' });

    // Act
    await store.appendDecision(aDecision({ at: hour(1) }));
    await store.appendDecision(aDecision({ at: hour(2) }));
    await store.appendDecision(retrain);

    // Assess
    expect(await store.recentDecisions(2)).toEqual([aDecision({ at: hour(2) }), retrain]);
  });

  it('keeps a training execution ARN with its decision', async () => {
    // Prepare
    const record = aDecision({ retrain: true, stage: 'staging', trainingExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:training:x' });

    // Act
    await store.appendDecision(record);

    // Assess
    expect(await store.recentDecisions(1)).toEqual([record]);
  });
});
