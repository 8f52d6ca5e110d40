/**
 * CheckHistory: the minutes of history the feature group holds against the minimum a training needs;
 * for monitoring, also which stages have a model and what a stack with none does on its first day
 * (src/use-cases/check-history), and, once it trained without a model deployed, whether to train again
 * (src/use-cases/decide-training-retry).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import { sageMakerEndpointExists } from '../src/adapters/aws/sagemaker-endpoint-existence';
import { DynamoDbMonitoringStore } from '../src/adapters/aws/dynamodb-monitoring-store';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { FeatureStore } from '../src/ports/feature-store';
import type { MonitoringStore } from '../src/ports/monitoring-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { checkMonitoringHistory, checkTrainingHistory, markStaleDataNotified } from '../src/use-cases/check-history';
import { recordTrainingRetryDecision } from '../src/use-cases/decide-training-retry';
import { executionTimestamp, isoTime } from './lib/event-schemas';
import { once, requireEnv, taskHandler } from './lib/middleware';
import type { DeploymentSettings } from '../src/core/deployment-settings';

/** What it needs of the deployment settings (its environment is the monitoring Lambdas'). */
type CheckHistorySettings = Pick<DeploymentSettings, 'PARAMETER_PATH' | 'STAGING_ENDPOINT_NAME' | 'PRODUCTION_ENDPOINT_NAME'>;

const isoDate = isoTime.transform((s) => new Date(s));

/** One ExecutionListItem as the aws-sdk:sfn:listExecutions integration returns it (test/fixtures/aws/sfn-list-executions.json). */
const ListedExecution = z
  .object({ Name: z.string().optional(), Status: z.string().min(1), StartDate: executionTimestamp, StopDate: executionTimestamp.optional() })
  .transform((e) => ({ status: e.Status, startDate: e.StartDate, ...(e.Name ? { name: e.Name } : {}), ...(e.StopDate ? { stopDate: e.StopDate } : {}) }));

const CheckEvent = z.discriminatedUnion('machine', [
  z.object({
    machine: z.literal('training'),
    asOf: isoDate,
    windowDays: z.number().positive(),
    minHistoryMinutes: z.number().int().positive(),
  }),
  z.object({ machine: z.literal('monitoring'), asOf: isoDate }),
  /** Monitoring sent the stale-data notification: the rest of this outage stays quiet. */
  z.object({ machine: z.literal('stale-data-notified') }),
  /** A stack that trained before has no model deployed: train again? From the machine's ListExecutions results. */
  z.object({
    machine: z.literal('training-retry'),
    asOf: isoDate,
    runningTrainings: z.array(ListedExecution),
    runningDeployments: z.array(ListedExecution),
    latestTrainings: z.array(ListedExecution),
  }),
]);

export interface CheckHistoryDeps {
  featureStore: () => FeatureStore;
  parameterStore: () => ParameterStore;
  monitoringStore: () => MonitoringStore;
  endpointExists: () => (name: string) => Promise<boolean>;
  settings: () => CheckHistorySettings;
  logger: Logger;
}

export function createHandler(deps: CheckHistoryDeps) {
  return taskHandler({ schema: CheckEvent, logger: deps.logger }, (input): Promise<object> => {
    const settings = deps.settings();
    const common = { featureStore: deps.featureStore(), parameterStore: deps.parameterStore(), parameterPath: settings.PARAMETER_PATH };
    if (input.machine === 'training') return checkTrainingHistory(common, input);
    if (input.machine === 'stale-data-notified') return markStaleDataNotified(common);
    if (input.machine === 'training-retry') return recordTrainingRetryDecision({ ...common, monitoringStore: deps.monitoringStore() }, input);
    return checkMonitoringHistory(
      {
        ...common,
        monitoringStore: deps.monitoringStore(),
        endpointExists: deps.endpointExists(),
        endpoints: { staging: settings.STAGING_ENDPOINT_NAME, production: settings.PRODUCTION_ENDPOINT_NAME },
      },
      input,
    );
  });
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  parameterStore: once(() => new SsmParameterStore()),
  monitoringStore: once(() => new DynamoDbMonitoringStore({ tableName: requireEnv('MONITORING_TABLE') })),
  endpointExists: once(() => sageMakerEndpointExists()),
  settings: once(() => ({
    PARAMETER_PATH: requireEnv('PARAMETER_PATH'),
    STAGING_ENDPOINT_NAME: requireEnv('STAGING_ENDPOINT_NAME'),
    PRODUCTION_ENDPOINT_NAME: requireEnv('PRODUCTION_ENDPOINT_NAME'),
  })),
  logger: new Logger(),
});
