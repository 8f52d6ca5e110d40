/**
 * Ingest records: writes per-minute aggregates to the feature group. The store validates every record
 * first, so a bad record rejects the whole batch, naming the record and the field.
 */
import type { FeatureRecord } from '../core/feature-record';
import type { FeatureStore } from '../ports/feature-store';

export async function ingestRecords(deps: { featureStore: FeatureStore }, input: { records: readonly unknown[] }): Promise<{ written: number }> {
  await deps.featureStore.putRecords(input.records as FeatureRecord[]);
  return { written: input.records.length };
}
