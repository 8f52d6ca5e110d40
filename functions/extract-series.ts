/** ExtractSeries: the training's series, cleaned and split into DeepAR's channels (src/use-cases/extract-series). */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import type { FeatureStore } from '../src/ports/feature-store';
import type { ObjectStore } from '../src/ports/object-store';
import { extractSeries } from '../src/use-cases/extract-series';
import { once, requireEnv, taskHandler } from './lib/middleware';

const ExtractEvent = z.object({
  jobName: z.string().min(1),
  asOf: z.string().datetime({ offset: true }).transform((s) => new Date(s)),
  windowDays: z.number().positive(),
  predictionLength: z.number().int().positive(),
  minValidPoints: z.number().int().positive(),
  evaluationWindows: z.number().int().positive().optional(),
  dataPrefix: z.string().startsWith('s3://'),
});

export function createHandler(deps: { featureStore: () => FeatureStore; objectStore: () => ObjectStore; logger: Logger }) {
  return taskHandler({ schema: ExtractEvent, logger: deps.logger }, (input) =>
    extractSeries({ featureStore: deps.featureStore(), objectStore: deps.objectStore() }, input),
  );
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  objectStore: once(() => new S3ObjectStore()),
  logger: new Logger(),
});
