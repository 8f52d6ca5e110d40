import type { FeatureRecord, StoredFeatureRecord } from '../core/feature-record';

/** Half-open range of minutes: from <= tx_minute < to. */
export interface MinuteRange {
  from: Date;
  to: Date;
}

/** The feature group of per-minute fee aggregates. */
export interface FeatureStore {
  /** Validates every record, then writes all of them or none (a bad record rejects the batch). */
  putRecords(records: readonly FeatureRecord[]): Promise<void>;
  /** Every stored record whose minute lies in the range, as stored: duplicates and bad values included. */
  getRecords(range: MinuteRange): Promise<StoredFeatureRecord[]>;
}
