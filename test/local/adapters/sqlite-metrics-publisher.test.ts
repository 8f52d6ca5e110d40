import Database from 'better-sqlite3';
import type { AccuracyMetric } from '../../../src/ports/metrics-publisher';
import { SqliteMetricsPublisher } from '../../../local/adapters/sqlite-metrics-publisher';
import { migrate } from '../../../local/db/migrations';
import { aTwinHome } from '../../builders/twin-home';

const T0 = Date.parse('2025-05-01T00:00:00.000Z');
const hour = (h: number) => new Date(T0 + h * 3_600_000).toISOString();

const aMetric = (overrides: Partial<AccuracyMetric> = {}): AccuracyMetric => ({
  at: hour(1),
  stage: 'production',
  meanWQuantileLoss: 0.31,
  threshold: 0.5,
  rmse: 12.5,
  ...overrides,
});

describe('Function: SqliteMetricsPublisher', () => {
  let home: ReturnType<typeof aTwinHome>;
  let metrics: SqliteMetricsPublisher;
  beforeEach(() => {
    home = aTwinHome();
    metrics = new SqliteMetricsPublisher(home.db);
  });
  afterEach(() => home.dispose());

  it('writes the loss, the threshold and the RMSE as three points of the metrics table', async () => {
    // Act
    await metrics.publishAccuracy(aMetric());

    // Assess
    expect(home.db.prepare(`SELECT name, stage, value, at FROM metrics ORDER BY name`).all()).toEqual([
      { name: 'MeanWQuantileLoss', stage: 'production', value: 0.31, at: hour(1) },
      { name: 'RMSE', stage: 'production', value: 12.5, at: hour(1) },
      { name: 'Threshold', stage: 'production', value: 0.5, at: hour(1) },
    ]);
  });

  it('reads a series of one metric and one stage, the latest points oldest first', async () => {
    // Prepare
    for (let h = 1; h <= 4; h++) {
      await metrics.publishAccuracy(aMetric({ at: hour(h), meanWQuantileLoss: h / 10 }));
      await metrics.publishAccuracy(aMetric({ at: hour(h), stage: 'staging', meanWQuantileLoss: h }));
    }

    // Act
    const series = metrics.series('MeanWQuantileLoss', 'production', 2);

    // Assess
    expect(series).toEqual([
      { at: hour(3), value: 0.3 },
      { at: hour(4), value: 0.4 },
    ]);
    expect(metrics.series('MeanWQuantileLoss', 'staging').map((p) => p.value)).toEqual([1, 2, 3, 4]);
    expect(metrics.series('Threshold', 'staging')).toHaveLength(4);
  });

  it('replaces a point published again at the same time, and leaves out one that is not a number', async () => {
    // Act
    await metrics.publishAccuracy(aMetric({ meanWQuantileLoss: 0.9 }));
    await metrics.publishAccuracy(aMetric({ rmse: NaN }));

    // Assess
    expect(metrics.series('MeanWQuantileLoss', 'production')).toEqual([{ at: hour(1), value: 0.31 }]);
    expect(metrics.series('RMSE', 'production')).toEqual([{ at: hour(1), value: 12.5 }]);
  });

  it("works in any SQLite database the twin's migrations ran on", async () => {
    // Prepare
    const db = new Database(':memory:');
    migrate(db);
    const publisher = new SqliteMetricsPublisher(db);

    // Act
    await publisher.publishAccuracy(aMetric({ at: '2025-05-01T01:00:00Z' }));

    // Assess
    expect(publisher.series('Threshold', 'production')).toEqual([{ at: hour(1), value: 0.5 }]);
    db.close();
  });
});
