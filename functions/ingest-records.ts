/**
 * IngestRecords: the entry point an ingestion producer (the seed system's one-minute window, or a
 * replay) invokes with per-minute aggregates (src/use-cases/ingest-records).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import type { FeatureStore } from '../src/ports/feature-store';
import { ingestRecords } from '../src/use-cases/ingest-records';
import { once, requireEnv, taskHandler } from './lib/middleware';

const IngestEvent = z.object({
  records: z.array(z.unknown()).min(1, 'needs at least one record').max(1000, 'at most 1000 records per call'),
});

export function createHandler(deps: { featureStore: () => FeatureStore; logger: Logger }) {
  return taskHandler({ schema: IngestEvent, logger: deps.logger }, (input) => ingestRecords({ featureStore: deps.featureStore() }, input));
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  logger: new Logger(),
});
