/** UpdateThreshold: after an approval, the quality gate moves toward a better model's loss (src/use-cases/update-threshold). */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { updateThreshold } from '../src/use-cases/update-threshold';
import { once, requireEnv, taskHandler } from './lib/middleware';

const UpdateThresholdEvent = z.object({ loss: z.number().positive(), modelPackageArn: z.string().min(1) });

export function createHandler(deps: { parameterStore: () => ParameterStore; parameterPath: () => string; logger: Logger }) {
  return taskHandler({ schema: UpdateThresholdEvent, logger: deps.logger }, (input) =>
    updateThreshold({ parameterStore: deps.parameterStore(), parameterPath: deps.parameterPath() }, input),
  );
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  parameterPath: () => requireEnv('PARAMETER_PATH'),
  logger: new Logger(),
});
