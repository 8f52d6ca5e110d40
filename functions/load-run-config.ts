/** LoadRunConfig: the run's parameters read at run time, the job's names and locations derived (src/use-cases/load-run-config). */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { loadRunConfig } from '../src/use-cases/load-run-config';
import { once, taskHandler } from './lib/middleware';
import { readSettings, type DeploymentSettings } from '../src/core/deployment-settings';

const LoadRunConfigEvent = z.object({
  executionName: z.string().min(1),
  startTime: z.string().min(1),
  input: z
    .object({ asOf: z.string().datetime({ offset: true }).optional(), reason: z.string().optional() })
    .passthrough()
    .nullish(),
});

export function createHandler(deps: { parameterStore: () => ParameterStore; settings: () => DeploymentSettings; logger: Logger }) {
  return taskHandler({ schema: LoadRunConfigEvent, logger: deps.logger }, (input) =>
    loadRunConfig({ parameterStore: deps.parameterStore(), settings: deps.settings() }, input),
  );
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  settings: once(() => readSettings(process.env)),
  logger: new Logger(),
});
