/**
 * The twin's pipeline: local Step Functions running the project's definitions, with their Tasks
 * resolved to the same Lambda handlers (local adapters), the local SageMaker, and local SNS.
 */
import { join } from 'node:path';
import { seedDefaultParameters } from '../src/core/seed-parameters';
import type { EndpointForecaster } from '../src/ports/endpoint-forecaster';
import type { Json } from './executor/definitions';
import { LocalStepFunctions } from './executor/local-step-functions';
import { createTaskResolver } from './executor/task-resolver';
import { localLambdas } from './lambdas';
import { LocalNotifications } from './notifications';
import { LocalSageMaker, type LocalSageMakerOptions } from './sagemaker';
import { LOCAL_ACCOUNT, LOCAL_REFS, LOCAL_REGION, LOCAL_SERVICE, LOCAL_SETTINGS, LOCAL_STAGE } from './settings';
import type { Twin } from './twin';

export interface PipelineOptions {
  /** Divides Wait and Retry pauses (an accelerated clock); 0 skips them. Default 1. */
  timeScale?: number;
  /** Local SageMaker settings: a trainer that fails, batches per epoch, a throttling rehearsal… */
  sageMaker?: Partial<Pick<LocalSageMakerOptions, 'trainer' | 'numBatchesPerEpoch' | 'beforeCall' | 'seed'>>;
  /** Lines the twin prints (notifications, progress); default silent. */
  print?: (line: string) => void;
  now?: () => Date;
}

export interface Pipeline {
  stepFunctions: LocalStepFunctions;
  sageMaker: LocalSageMaker;
  notifications: LocalNotifications;
  settings: typeof LOCAL_SETTINGS;
  /** Starts the training state machine; `asOf` is the twin clock's now (the end of the data window). */
  startTraining(input: { asOf: Date; reason?: string; [key: string]: Json | Date | undefined }): ReturnType<LocalStepFunctions['startExecution']>;
  close(): void;
}

/** Forecasts through the twin's endpoints; none exist until deployment (issue 5), so none answers yet. */
const noEndpoints: EndpointForecaster = { forecast: async () => undefined };

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
  const lambdas = localLambdas({ twin, settings, forecaster: noEndpoints });

  // eslint-disable-next-line prefer-const
  let stepFunctions: LocalStepFunctions;
  const resolveTask = createTaskResolver({
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
    sageMaker,
    notifications,
    settings,
    startTraining: ({ asOf, reason, ...rest }) =>
      stepFunctions.startExecution({
        stateMachineArn: stepFunctions.stateMachineArn('training'),
        input: { ...(rest as Record<string, Json>), asOf: asOf.toISOString(), reason: reason ?? 'manual start' },
        name: `training-${asOf.toISOString().replace(/[-:]/g, '').slice(0, 13)}-${Math.random().toString(16).slice(2, 8)}`,
      }),
    close: () => sageMaker.close(),
  };
}
