/**
 * The twin's composition root: local Step Functions running the project's definitions, with their Tasks
 * resolved to the same Lambda handlers (local adapters), the local SageMaker, and local SNS. It only wires:
 * building a pipeline writes nothing to the home (local/recovery.ts holds the steps that do).
 */
import { join } from 'node:path';
import { LocalEndpointForecaster } from './adapters/local-endpoint-forecaster';
import { SageMakerServingModels } from '../src/adapters/aws/sagemaker-serving-models';
import { localEndpointExists } from './adapters/local-endpoint-existence';
import { OutboxMailer } from './adapters/outbox-mailer';
import { SqliteApprovalStore } from './adapters/sqlite-approval-store';
import { SqliteMetricsPublisher } from './adapters/sqlite-metrics-publisher';
import { SqliteMonitoringStore } from './adapters/sqlite-monitoring-store';
import { approvalMailer } from './approval-mailer';
import { approveFromMail } from './auto-approve';
import { executionName } from './executor/execution-names';
import { LocalStepFunctions } from './executor/local-step-functions';
import { readServerlessConfig, type Json } from './executor/definitions';
import { createRefResolver, functionNameOf } from './executor/references';
import { stepFunctionsSdkIntegrations } from './executor/sdk-integrations';
import { createTaskResolver, type LocalLambda } from './executor/task-resolver';
import { LocalTaskTokens } from './executor/task-tokens';
import { localLambdas } from './lambdas';
import { LocalNotifications } from './notifications';
import { LocalSageMaker, type LocalSageMakerOptions } from './sagemaker';
import type { LocalSageMakerEvent } from './sagemaker/context';
import { LOCAL_ACCOUNT, LOCAL_REFS, LOCAL_REGION, LOCAL_SERVICE, LOCAL_SETTINGS, LOCAL_STAGE } from './settings';
import type { Twin } from './twin';

export interface PipelineOptions {
  /** Divides Wait and Retry pauses (an accelerated clock); 0 skips them. Default 1. */
  timeScale?: number;
  /** Local SageMaker settings: a trainer that fails, batches per epoch, a throttling rehearsal… */
  sageMaker?: Partial<Pick<LocalSageMakerOptions, 'trainer' | 'numBatchesPerEpoch' | 'beforeCall' | 'seed' | 'modelLoader'>>;
  /** Lines the twin prints (notifications, progress); default silent. */
  print?: (line: string) => void;
  /** Receives training jobs' epochs and status changes (a progress line); when set, epochs are not printed as lines. */
  trainingProgress?: (event: Extract<LocalSageMakerEvent, { type: 'TrainingJobProgress' | 'TrainingJobStatusChanged' }>) => void;
  now?: () => Date;
  /** The twin's HTTP server (approval links and endpoints); default http://127.0.0.1:8080. */
  baseUrl?: () => string;
  /** Approve every request as soon as it is mailed, through the same decision path a person uses. */
  autoApprove?: boolean;
}

export interface Pipeline {
  stepFunctions: LocalStepFunctions;
  taskTokens: LocalTaskTokens;
  sageMaker: LocalSageMaker;
  notifications: LocalNotifications;
  approvals: SqliteApprovalStore;
  mailer: OutboxMailer;
  /** The approval API's handler, wired locally: the HTTP routes and `mlops approve` call it. */
  approvalApi: LocalLambda;
  monitoringStore: SqliteMonitoringStore;
  metrics: SqliteMetricsPublisher;
  settings: typeof LOCAL_SETTINGS;
  /** Starts the monitoring state machine (the twin's scheduler does, on the hour of its clock). */
  startMonitoring(asOf: Date): ReturnType<LocalStepFunctions['startExecution']>;
  /** Starts the training state machine; `asOf` is the twin clock's now (the end of the data window). */
  startTraining(input: { asOf: Date; reason?: string; [key: string]: Json | Date | undefined }): ReturnType<LocalStepFunctions['startExecution']>;
  close(): void;
}


export async function createPipeline(twin: Twin, options: PipelineOptions = {}): Promise<Pipeline> {
  const now = options.now ?? (() => new Date());
  const settings = LOCAL_SETTINGS;
  const sageMaker = new LocalSageMaker({
    db: twin.home.db,
    objectStore: twin.objectStore,
    workDir: join(twin.home.dir, 'sagemaker'),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    ...options.sageMaker,
    onEvent: (event) => {
      if (options.trainingProgress && (event.type === 'TrainingJobProgress' || event.type === 'TrainingJobStatusChanged')) options.trainingProgress(event);
      else if (event.type === 'TrainingJobProgress') {
        options.print?.(`training ${event.name}: epoch ${event.epoch}/${event.epochs}, loss ${event.loss.toFixed(4)} (${event.seconds.toFixed(1)} s)`);
      }
    },
  });
  const notifications = new LocalNotifications(twin.home.db, now, options.print);
  const approvals = new SqliteApprovalStore(twin.home.db);
  const monitoringStore = new SqliteMonitoringStore(twin.home.db);
  const metrics = new SqliteMetricsPublisher(twin.home.db);
  const baseUrl = options.baseUrl ?? (() => 'http://127.0.0.1:8080');
  const taskTokens = new LocalTaskTokens(twin.home.db);
  const outbox = new OutboxMailer({ home: twin.home.dir, now, print: options.print });
  const mailer = approvalMailer(outbox, {
    autoApprove: options.autoApprove ? (text) => approveFromMail(text, { approvals, callbacks: taskTokens, now }, options.print) : undefined,
    print: options.print,
    baseUrl,
  });
  const lambdas = localLambdas({
    twin,
    settings,
    forecaster: new LocalEndpointForecaster(sageMaker),
    endpointExists: localEndpointExists(sageMaker),
    // The AWS adapter itself: the twin's SageMaker answers the same four reads in the same shapes.
    servingModels: new SageMakerServingModels(sageMaker, settings.MODEL_PACKAGE_GROUP),
    approvals,
    mailer,
    callbacks: taskTokens,
    baseUrl,
    now,
    monitoringStore,
    metrics,
  });

  // Assigned below: the resolver's SFN integrations call back into the executor it configures.
  let stepFunctions: LocalStepFunctions;
  const resolveTask = createTaskResolver({
    taskTokens,
    timeScale: options.timeScale ?? 1,
    stepFunctions: { startExecution: (params) => stepFunctions.startExecution(params) },
    lambdas,
    functionName: (arn) => {
      const name = functionNameOf(arn, `${LOCAL_SERVICE}-${LOCAL_STAGE}`);
      return name && lambdas[name] ? name : undefined;
    },
    sageMaker,
    sdk: stepFunctionsSdkIntegrations(() => stepFunctions),
    publish: (message) => notifications.publish(message),
  });
  stepFunctions = new LocalStepFunctions({
    db: twin.home.db,
    service: LOCAL_SERVICE,
    stage: LOCAL_STAGE,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    ref: createRefResolver(readServerlessConfig().stateMachines, (name) => stepFunctions.stateMachineArn(name), LOCAL_REFS),
    resolveTask,
    timeScale: options.timeScale,
    now,
  });
  const start = (machine: string, input: Record<string, Json>, at: Date) =>
    stepFunctions.startExecution({ stateMachineArn: stepFunctions.stateMachineArn(machine), input, name: executionName(machine, at) });

  return {
    stepFunctions,
    taskTokens,
    sageMaker,
    notifications,
    approvals,
    mailer: outbox,
    approvalApi: lambdas.approvalApi,
    monitoringStore,
    metrics,
    settings,
    startMonitoring: (asOf) => start('monitoring', { asOf: asOf.toISOString() }, asOf),
    startTraining: ({ asOf, reason, ...rest }) =>
      start('training', { ...(rest as Record<string, Json>), asOf: asOf.toISOString(), reason: reason ?? 'manual start' }, asOf),
    close: () => {
      stepFunctions.close();
      taskTokens.close();
      sageMaker.close();
    },
  };
}
