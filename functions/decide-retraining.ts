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
import { once, requireEnv, taskHandler } from './lib/middleware';

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time');
/** ListExecutions' StartDate: an ISO string, or epoch seconds (the API's wire form) or milliseconds. */
const startDate = z.union([isoTime, z.number().positive()]).transform((v) => (typeof v === 'number' ? new Date(v < 1e11 ? v * 1000 : v) : new Date(v)));

const DecideEvent = z.object({
  /** The time of the decision (the execution's start); the clock's now when absent. */
  asOf: isoTime.optional(),
  trainingRunning: z.boolean(),
  /** When the latest training execution started, null if never. */
  lastTrainingStart: startDate.nullable(),
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
