/**
 * DecideRetraining: after each hourly measurement, whether to retrain and why, and whether the data is
 * stale so the state machine notifies instead (src/use-cases/decide-retraining).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DynamoDbMonitoringStore } from '../src/adapters/aws/dynamodb-monitoring-store';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { MonitoringStore } from '../src/ports/monitoring-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { decideRetraining } from '../src/use-cases/decide-retraining';
import { executionTimestamp, isoTime } from './lib/event-schemas';
import { once, requireEnv, taskHandler } from './lib/middleware';


const DecideEvent = z.object({
  /** The time of the decision (the execution's start); the clock's now when absent. */
  asOf: isoTime.optional(),
  trainingRunning: z.boolean(),
  /** When the latest training execution started, null if never. */
  lastTrainingStart: executionTimestamp.nullable(),
});

export interface DecideRetrainingDeps {
  parameterStore: () => ParameterStore;
  monitoringStore: () => MonitoringStore;
  parameterPath: () => string;
  now: () => Date;
  logger: Logger;
}

export function createHandler(deps: DecideRetrainingDeps) {
  return taskHandler({ schema: DecideEvent, logger: deps.logger }, ({ asOf, trainingRunning, lastTrainingStart }) =>
    decideRetraining(
      { parameterStore: deps.parameterStore(), monitoringStore: deps.monitoringStore(), parameterPath: deps.parameterPath() },
      { asOf: asOf === undefined ? deps.now() : new Date(asOf), trainingRunning, ...(lastTrainingStart ? { lastTrainingStart } : {}) },
    ),
  );
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  monitoringStore: once(() => new DynamoDbMonitoringStore({ tableName: requireEnv('MONITORING_TABLE') })),
  parameterPath: once(() => requireEnv('PARAMETER_PATH')),
  now: () => new Date(),
  logger: new Logger(),
});
