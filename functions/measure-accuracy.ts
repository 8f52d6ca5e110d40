/** MeasureAccuracy: one stage's live accuracy, measured through its own endpoint and recorded (src/use-cases/measure-accuracy). */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { WINDOW_MINUTES } from '../src/core/accuracy-windows';
import { MAX_MONITORING_WINDOWS, MAX_WINDOW_DAYS } from '../src/core/run-config';
import { DynamoDbMonitoringStore } from '../src/adapters/aws/dynamodb-monitoring-store';
import { EmfMetricsPublisher, METRICS_NAMESPACE } from '../src/adapters/aws/emf-metrics-publisher';
import { SageMakerEndpointForecaster } from '../src/adapters/aws/sagemaker-endpoint-forecaster';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import { SageMakerServingModels, sageMakerRegistryReads } from '../src/adapters/aws/sagemaker-serving-models';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { EndpointForecaster } from '../src/ports/endpoint-forecaster';
import type { FeatureStore } from '../src/ports/feature-store';
import type { MetricsPublisher } from '../src/ports/metrics-publisher';
import type { MonitoringStore } from '../src/ports/monitoring-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import type { ServingModels } from '../src/ports/serving-models';
import { measureAccuracy } from '../src/use-cases/measure-accuracy';
import { isoTime } from './lib/event-schemas';
import { once, requireEnv, taskHandler } from './lib/middleware';
import type { DeploymentSettings } from '../src/core/deployment-settings';

/** What the monitoring Lambdas need of the deployment settings (their environment holds only these). */
export type MonitoringSettings = Pick<DeploymentSettings, 'PARAMETER_PATH' | 'STAGING_ENDPOINT_NAME' | 'PRODUCTION_ENDPOINT_NAME'>;


const MeasureEvent = z.object({
  stage: z.enum(['staging', 'production']),
  /** The time the check is for (the execution's start); the clock's now when absent. */
  asOf: isoTime.optional(),
  /** Windows of 30 minutes measured, the latest ending at the last closed minute before asOf; `monitoring/windows` when absent. */
  windows: z.number().int().min(1).max(MAX_MONITORING_WINDOWS).optional(),
  /** Minutes of the series read up to asOf, every window forecast from all of it before the window; the training window (`training/window-days`) when absent. */
  seriesMinutes: z.number().int().min(WINDOW_MINUTES + 1).max(MAX_WINDOW_DAYS * 24 * 60).optional(),
});

export interface MeasureAccuracyDeps {
  featureStore: () => FeatureStore;
  parameterStore: () => ParameterStore;
  forecaster: () => EndpointForecaster;
  metrics: () => MetricsPublisher;
  monitoringStore: () => MonitoringStore;
  servingModels: () => ServingModels;
  settings: () => MonitoringSettings;
  now: () => Date;
  logger: Logger;
}

export function createHandler(deps: MeasureAccuracyDeps) {
  return taskHandler({ schema: MeasureEvent, logger: deps.logger }, ({ asOf, ...input }) => {
    const settings = deps.settings();
    return measureAccuracy(
      {
        featureStore: deps.featureStore(),
        parameterStore: deps.parameterStore(),
        forecaster: deps.forecaster(),
        metrics: deps.metrics(),
        monitoringStore: deps.monitoringStore(),
        servingModels: deps.servingModels(),
        parameterPath: settings.PARAMETER_PATH,
        endpoints: { staging: settings.STAGING_ENDPOINT_NAME, production: settings.PRODUCTION_ENDPOINT_NAME },
      },
      { ...input, asOf: asOf === undefined ? deps.now() : new Date(asOf) },
    );
  });
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  parameterStore: once(() => new SsmParameterStore()),
  forecaster: once(() => new SageMakerEndpointForecaster()),
  metrics: once(() => new EmfMetricsPublisher({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE })),
  monitoringStore: once(() => new DynamoDbMonitoringStore({ tableName: requireEnv('MONITORING_TABLE') })),
  servingModels: once(() => new SageMakerServingModels(sageMakerRegistryReads(), requireEnv('MODEL_PACKAGE_GROUP'))),
  // The monitoring Lambdas' environment holds only these settings, not the training ones readSettings requires.
  settings: once(() => ({
    PARAMETER_PATH: requireEnv('PARAMETER_PATH'),
    STAGING_ENDPOINT_NAME: requireEnv('STAGING_ENDPOINT_NAME'),
    PRODUCTION_ENDPOINT_NAME: requireEnv('PRODUCTION_ENDPOINT_NAME'),
  })),
  now: () => new Date(),
  logger: new Logger(),
});
