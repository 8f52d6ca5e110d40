/**
 * The twin's metric store: one row per metric point (name, stage, value, at) in its SQLite file, what
 * CloudWatch keeps from the embedded metric format in the cloud. The dashboard reads `series`.
 */
import type Database from 'better-sqlite3';
import type { Stage } from '../../src/core/monitoring-policy';
import { ACCURACY_METRICS, type AccuracyMetric, type MetricsPublisher } from '../../src/ports/metrics-publisher';
import { normalizeTime } from './sqlite-monitoring-store';


export interface MetricPoint {
  /** ISO 8601 */
  at: string;
  value: number;
}

export class SqliteMetricsPublisher implements MetricsPublisher {
  constructor(private readonly db: Database.Database) {}

  /** Writes the three points in one transaction; a point published again at the same time replaces it. */
  async publishAccuracy(metric: AccuracyMetric): Promise<void> {
    const at = normalizeTime(metric.at);
    const insert = this.db.prepare(`INSERT OR REPLACE INTO metrics (name, stage, value, at) VALUES (?, ?, ?, ?)`);
    const points: Array<[string, number]> = [
      [ACCURACY_METRICS.meanWQuantileLoss, metric.meanWQuantileLoss],
      [ACCURACY_METRICS.threshold, metric.threshold],
      [ACCURACY_METRICS.rmse, metric.rmse],
    ];
    this.db.transaction(() => {
      // A value that is not a number is not a point (as CloudWatch rejects it), not a zero.
      for (const [name, value] of points) if (Number.isFinite(value)) insert.run(name, metric.stage, value, at);
    })();
  }

  /** The latest `limit` points of one metric of one stage, oldest first. */
  series(name: string, stage: Stage, limit = 500): MetricPoint[] {
    const rows = this.db
      .prepare(`SELECT at, value FROM metrics WHERE name = ? AND stage = ? ORDER BY at DESC LIMIT ?`)
      .all(name, stage, limit) as MetricPoint[];
    return rows.reverse();
  }
}
