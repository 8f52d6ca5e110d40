/**
 * The twin's pipeline: local Step Functions running the project's definitions, with their Tasks
 * resolved to the same Lambda handlers (local adapters), the local SageMaker, and local SNS.
 */
import { join } from 'node:path';
import { seedDefaultParameters } from '../src/core/seed-parameters';
import { LocalEndpointForecaster } from './adapters/local-endpoint-forecaster';
import { OutboxMailer } from './adapters/outbox-mailer';
import { SqliteApprovalStore } from './adapters/sqlite-approval-store';
import { SqliteMetricsPublisher } from './adapters/sqlite-metrics-publisher';
import { SqliteMonitoringStore } from './adapters/sqlite-monitoring-store';
import { approveFromMail, linkIdFrom } from './auto-approve';
import type { Json } from './executor/definitions';
import type { LocalLambda } from './executor/task-resolver';
import { LocalStepFunctions } from './executor/local-step-functions';
import { readServerlessConfig } from './executor/definitions';
import { createTaskResolver } from './executor/task-resolver';
import { LocalTaskTokens } from './executor/task-tokens';
import { localLambdas } from './lambdas';
import { LocalNotifications } from './notifications';
import { LocalSageMaker, type LocalSageMakerOptions } from './sagemaker';
import { LOCAL_ACCOUNT, LOCAL_REFS, LOCAL_REGION, LOCAL_SERVICE, LOCAL_SETTINGS, LOCAL_STAGE } from './settings';
import type { Twin } from './twin';

export interface PipelineOptions {
  /** Divides Wait and Retry pauses (an accelerated clock); 0 skips them. Default 1. */
  timeScale?: number;
  /** Local SageMaker settings: a trainer that fails, batches per epoch, a throttling rehearsal… */
  sageMaker?: Partial<Pick<LocalSageMakerOptions, 'trainer' | 'numBatchesPerEpoch' | 'beforeCall' | 'seed' | 'modelLoader'>>;
  /** Lines the twin prints (notifications, progress); default silent. */
  print?: (line: string) => void;
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
  await seedDefaultParameters(twin.parameterStore, settings.PARAMETER_PATH);
  const sageMaker = new LocalSageMaker({
    db: twin.home.db,
    objectStore: twin.objectStore,
    workDir: join(twin.home.dir, 'sagemaker'),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    ...options.sageMaker,
    onEvent: (event) => {
      if (event.type === 'TrainingJobProgress') {
        options.print?.(`training ${event.name}: epoch ${event.epoch}/${event.epochs}, loss ${event.loss.toFixed(4)} (${event.seconds.toFixed(1)} s)`);
      }
    },
  });
  await sageMaker.ensureModelPackageGroup(settings.MODEL_PACKAGE_GROUP);
  const notifications = new LocalNotifications(twin.home.db, now, options.print);
  const approvals = new SqliteApprovalStore(twin.home.db);
  const monitoringStore = new SqliteMonitoringStore(twin.home.db);
  const metrics = new SqliteMetricsPublisher(twin.home.db);
  const baseUrl = options.baseUrl ?? (() => 'http://127.0.0.1:8080');
  const taskTokens = new LocalTaskTokens(twin.home.db);
  const outbox = new OutboxMailer({ home: twin.home.dir, now, print: options.print });
  // The terminal is the twin's stand-in for the approvers' inbox: it shows the link the mail carries.
  const printLink = (text: string) => {
    const id = linkIdFrom(text);
    if (id) options.print?.(`approve or reject at ${baseUrl()}/approvals/${id}  (or: mlops approve ${id})`);
  };
  // With --auto-approve, each approval mail is answered by the same decision a person's click reaches.
  const mailer = {
    send: async (message: Parameters<OutboxMailer['send']>[0]) => {
      const sent = await outbox.send(message);
      if (options.autoApprove) setImmediate(() => void approveFromMail(message.text, { approvals, callbacks: taskTokens, now }, options.print));
      else printLink(message.text);
      return sent;
    },
  };
  const lambdas = localLambdas({
    twin,
    settings,
    forecaster: new LocalEndpointForecaster(sageMaker),
    approvals,
    mailer,
    callbacks: taskTokens,
    baseUrl,
    now,
    monitoringStore,
    metrics,
  });

  const machines = readServerlessConfig().stateMachines;
  const timeScale = options.timeScale ?? 1;
  // Assigned below: the resolver's SFN integrations call back into the executor it configures.
  let stepFunctions: LocalStepFunctions;
  const resolveTask = createTaskResolver({
    taskTokens,
    timeScale,
    stepFunctions: { startExecution: (params) => stepFunctions.startExecution(params) },
    lambdas,
    functionName: (arn) => {
      const name = arn.split(':function:')[1]?.replace(`${LOCAL_SERVICE}-${LOCAL_STAGE}-`, '');
      return name && lambdas[name] ? name : undefined;
    },
    sageMaker,
    sdk: {
      'sfn:listExecutions': async (params) => {
        const { executions } = stepFunctions.listExecutions({
          stateMachineArn: params.StateMachineArn as string,
          statusFilter: params.StatusFilter as never,
          maxResults: params.MaxResults as number,
        });
        return {
          Executions: executions.map((e) => ({ ExecutionArn: e.executionArn, StateMachineArn: e.stateMachineArn, Name: e.name, Status: e.status, StartDate: e.startDate })),
        } as Json;
      },
      'sfn:startExecution': async (params) => {
        const started = stepFunctions.startExecution({
          stateMachineArn: params.StateMachineArn as string,
          input: params.Input ? JSON.parse(String(params.Input)) : {},
          name: params.Name as string | undefined,
        });
        return { ExecutionArn: started.executionArn, StartDate: started.startDate };
      },
    },
    publish: (message) => notifications.publish(message),
  });
  stepFunctions = new LocalStepFunctions({
    db: twin.home.db,
    service: LOCAL_SERVICE,
    stage: LOCAL_STAGE,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    ref: (id) => {
      // A state machine's logical id (serverless.yml `id:`) refers to its ARN.
      const machine = Object.values(machines).find((m) => m.logicalId === id);
      if (machine) return stepFunctions.stateMachineArn(machine.name);
      const value = LOCAL_REFS[id];
      if (!value) throw new Error(`the twin has no local resource for Ref ${id}`);
      return value;
    },
    resolveTask,
    timeScale: options.timeScale,
    now,
  });

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
    startMonitoring: (asOf) =>
      stepFunctions.startExecution({
        stateMachineArn: stepFunctions.stateMachineArn('monitoring'),
        input: { asOf: asOf.toISOString() },
        name: `monitoring-${asOf.toISOString().replace(/[-:]/g, '').slice(0, 13)}-${Math.random().toString(16).slice(2, 8)}`,
      }),
    settings,
    startTraining: ({ asOf, reason, ...rest }) =>
      stepFunctions.startExecution({
        stateMachineArn: stepFunctions.stateMachineArn('training'),
        input: { ...(rest as Record<string, Json>), asOf: asOf.toISOString(), reason: reason ?? 'manual start' },
        name: `training-${asOf.toISOString().replace(/[-:]/g, '').slice(0, 13)}-${Math.random().toString(16).slice(2, 8)}`,
      }),
    close: () => {
      stepFunctions.close();
      taskTokens.close();
      sageMaker.close();
    },
  };
}
