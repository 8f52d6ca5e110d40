/**
 * Writes per-minute aggregates to the feature group: the entry point an ingestion producer (the seed
 * system's one-minute window, or a replay) invokes. A bad record rejects the whole batch, naming the
 * record and the field.
 */
import { z } from 'zod';
import type { FeatureRecord } from '../src/core/feature-record';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import type { FeatureStore } from '../src/ports/feature-store';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';

const IngestEvent = z.object({
  records: z.array(z.unknown()).min(1, 'needs at least one record').max(1000, 'at most 1000 records per call'),
});

export function createHandler(deps: { featureStore: () => FeatureStore }) {
  return taskHandler(async (event: unknown) => {
    const { records } = parseEvent(IngestEvent, event);
    await deps.featureStore().putRecords(records as FeatureRecord[]);
    return { written: records.length };
  });
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
});
