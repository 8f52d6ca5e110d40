/**
 * The feature group in the twin's SQLite file. Every write is kept (as in Feature Store's offline
 * store), so reads may return several versions of a minute; the core keeps the latest event_time.
 */
import type Database from 'better-sqlite3';
import { formatMinute, MINUTE_MS, parseMinute, validateFeatureRecords, type FeatureRecord, type StoredFeatureRecord } from '../../src/core/feature-record';
import { findGaps } from '../../src/core/series';
import type { FeatureStore, MinuteRange } from '../../src/ports/feature-store';

export const DEFAULT_FEATURE_GROUP = 'btc-tx-fees-1min';

export interface FeatureStoreSummary {
  featureGroup: string;
  rows: number;
  minutes: number;
  first?: string;
  last?: string;
  gaps: Array<{ from: string; to: string; minutes: number }>;
  missingMinutes: number;
}

/** The first minute start at or after `time`. */
const minuteStartFrom = (time: Date): string => formatMinute(Math.ceil(time.getTime() / MINUTE_MS) * MINUTE_MS);

export class SqliteFeatureStore implements FeatureStore {
  constructor(
    private readonly db: Database.Database,
    readonly featureGroup = DEFAULT_FEATURE_GROUP,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async putRecords(records: readonly FeatureRecord[]): Promise<void> {
    const valid = validateFeatureRecords(records);
    const insert = this.db.prepare(
      `INSERT INTO feature_records (feature_group, tx_minute, total_nb_trx_1min, total_fee_1min, avg_fee_1min, event_time, written_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const writtenAt = this.now().toISOString();
    // One transaction: the batch is written whole or not at all.
    this.db.transaction(() => {
      for (const r of valid) {
        insert.run(this.featureGroup, r.tx_minute, r.total_nb_trx_1min, r.total_fee_1min, r.avg_fee_1min, r.event_time, writtenAt);
      }
    })();
  }

  async getRecords({ from, to }: MinuteRange): Promise<StoredFeatureRecord[]> {
    // tx_minute is fixed-width ISO 8601, so string order is time order. A bound inside a minute is
    // rounded up, as the port says (and as the AWS adapter's minute identifiers are).
    return this.db
      .prepare(
        `SELECT tx_minute, total_nb_trx_1min, total_fee_1min, avg_fee_1min, event_time FROM feature_records
         WHERE feature_group = ? AND tx_minute >= ? AND tx_minute < ? ORDER BY id`,
      )
      .all(this.featureGroup, minuteStartFrom(from), minuteStartFrom(to)) as StoredFeatureRecord[];
  }

  /** The latest stored minute, or undefined when the group is empty. */
  latestMinute(): Date | undefined {
    const row = this.db
      .prepare(`SELECT MAX(tx_minute) AS last FROM feature_records WHERE feature_group = ?`)
      .get(this.featureGroup) as { last: string | null };
    return row.last ? new Date(parseMinute(row.last)!) : undefined;
  }

  summary(): FeatureStoreSummary {
    const { rows } = this.db
      .prepare(`SELECT COUNT(*) AS rows FROM feature_records WHERE feature_group = ?`)
      .get(this.featureGroup) as { rows: number };
    const minutes = (
      this.db
        .prepare(`SELECT DISTINCT tx_minute FROM feature_records WHERE feature_group = ? ORDER BY tx_minute`)
        .pluck()
        .all(this.featureGroup) as string[]
    ).map((m) => parseMinute(m)!);
    const gaps = findGaps(minutes).map((g) => ({ from: formatMinute(g.from), to: formatMinute(g.to), minutes: g.minutes }));
    return {
      featureGroup: this.featureGroup,
      rows,
      minutes: minutes.length,
      first: minutes.length ? formatMinute(minutes[0]) : undefined,
      last: minutes.length ? formatMinute(minutes[minutes.length - 1]) : undefined,
      gaps,
      missingMinutes: gaps.reduce((s, g) => s + g.minutes, 0),
    };
  }
}
