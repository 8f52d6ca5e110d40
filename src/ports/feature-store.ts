import type { FeatureRecord, StoredFeatureRecord } from '../core/feature-record';

/**
 * Half-open range of minutes: from <= tx_minute < to, both taken as minute starts (a bound inside a
 * minute is rounded up). The AWS adapter reads one identifier per minute, so keep ranges to days.
 */
export interface MinuteRange {
  from: Date;
  to: Date;
}

/** The feature group of per-minute fee aggregates. */
export interface FeatureStore {
  /**
   * Validates every record first: a bad record rejects the batch before anything is written. The local
   * store then writes the batch in one transaction; Feature Store has no batch write, so a failure part
   * way may leave some records written there, and re-sending the same batch is safe.
   */
  putRecords(records: readonly FeatureRecord[]): Promise<void>;
  /**
   * The stored records whose minute lies in the range, values as stored (bad ones included). The local
   * store keeps every version of a minute, like the offline store; Feature Store's online store returns
   * only the latest. Either way the core resolves duplicates by event_time.
   */
  getRecords(range: MinuteRange): Promise<StoredFeatureRecord[]>;
}
