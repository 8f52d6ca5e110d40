/** EvaluateForecast: the candidate scored on many windows beside seasonal naive and the serving models, and the gate's verdict (src/use-cases/evaluate-candidate). */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DEFAULT_PARAMETERS } from '../src/core/run-config';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import { SageMakerEndpointForecaster } from '../src/adapters/aws/sagemaker-endpoint-forecaster';
import type { EndpointForecaster } from '../src/ports/endpoint-forecaster';
import type { ObjectStore } from '../src/ports/object-store';
import { evaluateCandidate } from '../src/use-cases/evaluate-candidate';
import { once, taskHandler } from './lib/middleware';

const EvaluateEvent = z.object({
  jobName: z.string().min(1),
  holdoutUri: z.string().startsWith('s3://'),
  trainUri: z.string().startsWith('s3://'),
  forecastUri: z.string().startsWith('s3://'),
  reportUri: z.string().startsWith('s3://'),
  threshold: z.number().positive(),
  minImprovement: z.number().min(0).lt(1).default(Number(DEFAULT_PARAMETERS.minImprovement)),
  productionEndpoint: z.string().min(1).nullable(),
  stagingEndpoint: z.string().min(1).nullable().default(null),
});

export function createHandler(deps: { objectStore: () => ObjectStore; forecaster: () => EndpointForecaster; logger: Logger }) {
  return taskHandler({ schema: EvaluateEvent, logger: deps.logger }, (input) =>
    evaluateCandidate({ objectStore: deps.objectStore(), forecaster: deps.forecaster() }, input),
  );
}

export const handler = createHandler({
  objectStore: once(() => new S3ObjectStore()),
  forecaster: once(() => new SageMakerEndpointForecaster()),
  logger: new Logger(),
});
