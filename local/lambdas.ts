/**
 * The twin's Lambdas: each function of serverless.yml, by its handler module, built with the module's
 * own `createHandler` and local adapters. The twin finds a function's module through serverless.yml,
 * so a function added there without a local wiring is an error at start, not a silent gap.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createHandler as evaluateForecast } from '../functions/evaluate-forecast';
import { createHandler as extractSeries } from '../functions/extract-series';
import { createHandler as ingestRecords } from '../functions/ingest-records';
import { createHandler as loadRunConfig } from '../functions/load-run-config';
import { createHandler as requestApproval } from '../functions/request-approval';
import { createHandler as expireApproval } from '../functions/expire-approval';
import { createHandler as approvalApi } from '../functions/approval-api';
import { createHandler as redeliverDecisions } from '../functions/redeliver-decisions';
import { createHandler as updateThreshold } from '../functions/update-threshold';
import { createHandler as measureAccuracy } from '../functions/measure-accuracy';
import { createHandler as decideRetraining } from '../functions/decide-retraining';
import { createHandler as checkHistory } from '../functions/check-history';
import type { MetricsPublisher } from '../src/ports/metrics-publisher';
import type { MonitoringStore } from '../src/ports/monitoring-store';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { Mailer } from '../src/ports/mailer';
import type { TaskCallbacks } from '../src/ports/task-callbacks';
import type { DeploymentSettings } from '../src/core/deployment-settings';
import type { EndpointForecaster } from '../src/ports/endpoint-forecaster';
import type { ServingModels } from '../src/ports/serving-models';
import type { Json } from './executor/definitions';
import { readServerlessConfig } from './executor/definitions';
import type { LocalLambda } from './executor/task-resolver';
import type { Twin } from './twin';
import { readAllowedApprovers } from '../src/use-cases/allowed-approvers';
import { DEFAULT_TO } from './adapters/outbox-mailer';

export interface LambdaDeps {
  twin: Twin;
  settings: DeploymentSettings;
  forecaster: EndpointForecaster;
  /** Whether an endpoint exists, in any status (local/adapters/local-endpoint-existence). */
  endpointExists: (name: string) => Promise<boolean>;
  /** The model each endpoint serves and the loss it was approved at (the twin's SageMaker registry). */
  servingModels: ServingModels;
  approvals: ApprovalStore;
  mailer: Mailer;
  callbacks: TaskCallbacks;
  /** Where the twin's HTTP server answers (the approval links point there). */
  baseUrl: () => string;
  now: () => Date;
  monitoringStore: MonitoringStore;
  metrics: MetricsPublisher;
}

type Handler = (event: never, context: Context) => Promise<unknown>;

/** By handler module path, as serverless.yml names it (without the exported name). */
const WIRINGS: Record<string, (deps: LambdaDeps, logger: Logger) => Handler> = {
  'functions/ingest-records': ({ twin }, logger) => ingestRecords({ featureStore: () => twin.featureStore, logger }),
  'functions/load-run-config': ({ twin, settings }, logger) => loadRunConfig({ parameterStore: () => twin.parameterStore, settings: () => settings, logger }),
  'functions/extract-series': ({ twin }, logger) => extractSeries({ featureStore: () => twin.featureStore, objectStore: () => twin.objectStore, logger }),
  'functions/evaluate-forecast': ({ twin, forecaster }, logger) => evaluateForecast({ objectStore: () => twin.objectStore, forecaster: () => forecaster, logger }),
  'functions/update-threshold': ({ twin, settings }, logger) =>
    updateThreshold({ parameterStore: () => twin.parameterStore, parameterPath: () => settings.PARAMETER_PATH, logger }),
  'functions/request-approval': ({ approvals, mailer, callbacks, baseUrl, now }, logger) =>
    requestApproval({ store: () => approvals, mailer: () => mailer, callbacks: () => callbacks, sentTo: async () => [DEFAULT_TO], baseUrl, now, logger }),
  'functions/expire-approval': ({ approvals, now }, logger) => expireApproval({ store: () => approvals, now, logger }),
  'functions/approval-api': ({ twin, settings, approvals, callbacks, now }, logger) =>
    approvalApi({
      store: () => approvals,
      callbacks: () => callbacks,
      objectStore: () => twin.objectStore,
      allowedApprovers: () => readAllowedApprovers(twin.parameterStore, settings.PARAMETER_PATH),
      now,
      logger,
    }) as unknown as Handler,
  'functions/redeliver-decisions': ({ approvals, callbacks, now }, logger) => redeliverDecisions({ store: () => approvals, callbacks: () => callbacks, now, logger }),
  'functions/measure-accuracy': ({ twin, settings, forecaster, servingModels, monitoringStore, metrics, now }, logger) =>
    measureAccuracy({
      featureStore: () => twin.featureStore,
      parameterStore: () => twin.parameterStore,
      forecaster: () => forecaster,
      metrics: () => metrics,
      monitoringStore: () => monitoringStore,
      servingModels: () => servingModels,
      settings: () => settings,
      now,
      logger,
    }),
  'functions/check-history': ({ twin, settings, monitoringStore, endpointExists }, logger) =>
    checkHistory({
      featureStore: () => twin.featureStore,
      parameterStore: () => twin.parameterStore,
      monitoringStore: () => monitoringStore,
      endpointExists: () => endpointExists,
      settings: () => settings,
      logger,
    }),
  'functions/decide-retraining': ({ twin, settings, monitoringStore, now }, logger) =>
    decideRetraining({ parameterStore: () => twin.parameterStore, monitoringStore: () => monitoringStore, parameterPath: () => settings.PARAMETER_PATH, now, logger }),
};

/** The Lambdas' structured logs go to CloudWatch in the cloud; in the twin's terminal only with MLOPS_DEBUG. */
export function twinLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: process.env.MLOPS_DEBUG ? 'DEBUG' : 'SILENT' });
}

/** Functions only the cloud runs, each with what the twin does instead. */
const CLOUD_ONLY: Record<string, string> = {
  'functions/seed-parameters': 'a CloudFormation custom resource; the twin seeds its parameters with the same seedDefaultParameters at start',
  'functions/poll-fee-source': 'scheduled by EventBridge, not a state machine Task; `mlops up --live` builds the same handler (local/ingestion/live-feed.ts)',
};

const LOCAL_CONTEXT = { functionName: 'local', awsRequestId: 'local', getRemainingTimeInMillis: () => 900_000 } as unknown as Context;

export function localLambdas(deps: LambdaDeps): Record<string, LocalLambda> {
  const lambdas: Record<string, LocalLambda> = {};
  for (const [name, fn] of Object.entries(readServerlessConfig().functions)) {
    const module = fn.handler.replace(/\.[A-Za-z_]+$/, '');
    if (CLOUD_ONLY[module]) continue;
    const wire = WIRINGS[module];
    if (!wire) throw new Error(`serverless.yml function ${name} (${fn.handler}) has no local wiring in local/lambdas.ts`);
    const handler = wire(deps, twinLogger(name));
    lambdas[name] = async (event: Json) => (await handler(event as never, LOCAL_CONTEXT)) as Json;
  }
  return lambdas;
}
