/**
 * Maps a Task's Resource to the twin's local service, as Step Functions maps it to AWS:
 *
 *   arn:aws:lambda:…:function:<service>-<stage>-<fn>   the same handler as the Lambda, local adapters
 *   arn:aws:states:::lambda:invoke                      idem, through the optimized integration
 *   arn:aws:states:::sagemaker:<action>[.sync]          the local SageMaker (.sync waits for the job)
 *   arn:aws:states:::aws-sdk:<service>:<action>         the local service's SDK action
 *   arn:aws:states:::sns:publish                        the local notifications outbox
 *
 * Errors carry the names Step Functions gives them, so the definitions' Retry/Catch match both runtimes.
 */
import type { Json } from './definitions';
import { StatesError, TaskFailure } from './errors';
import type { TaskContext, TaskHandler } from './local-step-functions';
import { withToken, type LocalTaskTokens } from './task-tokens';

/** A Lambda handler as the twin calls it: the event in, plain JSON out. */
export type LocalLambda = (event: Json) => Promise<Json>;

export interface LocalSageMakerPort {
  call(action: string, params: Record<string, unknown>): Promise<unknown>;
  waitForTrainingJob(name: string): Promise<{ TrainingJobStatus?: string }>;
  waitForTransformJob(name: string): Promise<{ TransformJobStatus?: string }>;
}

export interface LocalServices {
  taskTokens: LocalTaskTokens;
  /** Divides `.waitForTaskToken` timeouts, as the twin's clock runs faster. */
  timeScale: number;
  /** Step Functions itself, for `states:startExecution` (and its `.sync` forms). */
  stepFunctions: {
    startExecution(params: { stateMachineArn: string; input?: Json; name?: string }): { executionArn: string; startDate: string; done: Promise<{ status: string; output?: Json; error?: string; cause?: string }> };
  };
  lambdas: Record<string, LocalLambda>;
  /** Function name in serverless.yml from a Lambda ARN. */
  functionName(arn: string): string | undefined;
  sageMaker: LocalSageMakerPort;
  /** aws-sdk:<service>:<action> integrations other than SageMaker, keyed `service:action`. */
  sdk: Record<string, (params: Record<string, unknown>, context: TaskContext) => Promise<Json>>;
  publish(message: { TopicArn: string; Subject?: string; Message: string }): Promise<{ MessageId: string }>;
}

/** Dates become epoch milliseconds, as in Step Functions' JSON. */
export function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Date ? v.getTime() : v)));
}

function lambdaError(error: unknown): Error {
  // Step Functions names a Lambda's failure after its errorType and puts the payload in the cause.
  const e = error as Error;
  return new TaskFailure(e?.name ?? 'Error', JSON.stringify({ errorType: e?.name ?? 'Error', errorMessage: e?.message ?? String(error) }));
}

/** The exceptions SageMaker's API models; any other error (ValidationException, ThrottlingException…) is its generic one. */
const MODELED_SAGEMAKER_ERRORS = new Set(['ResourceNotFound', 'ResourceInUse', 'ResourceLimitExceeded', 'ConflictException']);

function sageMakerApiError(error: unknown, style: 'optimized' | 'sdk'): Error {
  const e = error as Error;
  const code = e?.name ?? 'InternalFailure';
  // Optimized integrations report every API error as AmazonSageMakerException; aws-sdk ones name the
  // modeled exception, or the service's generic SageMakerException.
  if (style === 'optimized') return new TaskFailure('SageMaker.AmazonSageMakerException', `${code}: ${e?.message}`);
  const name = MODELED_SAGEMAKER_ERRORS.has(code) ? `SageMaker.${code.endsWith('Exception') ? code : `${code}Exception`}` : 'SageMaker.SageMakerException';
  return new TaskFailure(name, `${code}: ${e?.message}`);
}

export function createTaskResolver(services: LocalServices): (resource: string, stateName: string) => TaskHandler {
  return (resource, stateName) => {
    const invokeLambda = (fn: string) => {
      const lambda = services.lambdas[fn];
      if (!lambda) throw new Error(`state ${stateName}: the twin has no local handler for function ${fn}`);
      return async (event: Json) => {
        try {
          return toJson(await lambda(event));
        } catch (error) {
          throw lambdaError(error);
        }
      };
    };

    if (resource.startsWith('arn:aws:lambda:')) {
      const fn = services.functionName(resource);
      if (!fn) throw new Error(`state ${stateName}: ${resource} is not a function of this project`);
      return invokeLambda(fn);
    }

    if (resource === 'arn:aws:states:::lambda:invoke') {
      return async (input) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload?: Json };
        const fn = services.functionName(FunctionName) ?? FunctionName;
        return { Payload: await invokeLambda(fn)(Payload ?? {}), StatusCode: 200 };
      };
    }

    if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      return async (input, context) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload?: Record<string, Json> };
        const fn = services.functionName(FunctionName) ?? FunctionName;
        const token = services.taskTokens.issue(context.executionArn, context.stateName);
        const payload = withToken(Payload ?? {}, token);
        const timeoutSeconds = Number((Payload ?? {}).timeoutSeconds) || 365 * 24 * 3600;
        // The twin enforces the wait's timeout itself, on its clock (0 means "do not accelerate").
        const outcome = services.taskTokens.wait(token, (timeoutSeconds * 1000) / (services.timeScale > 0 ? services.timeScale : 1));
        outcome.catch(() => {}); // observed below; a failure before the invoke must not go unhandled
        await invokeLambda(fn)(payload);
        return outcome;
      };
    }

    const states = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/.exec(resource);
    if (states) {
      const [, sync, version2] = states;
      return async (input): Promise<Json> => {
        const { StateMachineArn, Input, Name } = input as { StateMachineArn: string; Input?: Json; Name?: string };
        const started = services.stepFunctions.startExecution({
          stateMachineArn: StateMachineArn,
          input: typeof Input === 'string' ? JSON.parse(Input) : (Input ?? {}),
          name: Name,
        });
        if (!sync) return { ExecutionArn: started.executionArn, StartDate: Date.parse(started.startDate) };
        const ended = await started.done;
        if (ended.status !== 'SUCCEEDED') {
          throw new StatesError('States.TaskFailed', JSON.stringify({ ExecutionArn: started.executionArn, Status: ended.status, Error: ended.error, Cause: ended.cause }));
        }
        return { ExecutionArn: started.executionArn, Status: ended.status, Output: version2 ? (ended.output ?? null) : JSON.stringify(ended.output ?? null) };
      };
    }

    const sagemaker = /^arn:aws:states:::sagemaker:(\w+?)(\.sync)?$/.exec(resource);
    if (sagemaker) {
      const [, action, sync] = sagemaker;
      return async (input) => {
        const params = input as Record<string, unknown>;
        let created: unknown;
        try {
          created = await services.sageMaker.call(action, params);
        } catch (error) {
          throw sageMakerApiError(error, 'optimized');
        }
        if (!sync) return toJson(created);
        const described =
          action === 'createTrainingJob'
            ? await services.sageMaker.waitForTrainingJob(String(params.TrainingJobName))
            : action === 'createTransformJob'
              ? await services.sageMaker.waitForTransformJob(String(params.TransformJobName))
              : undefined;
        if (!described) throw new Error(`state ${stateName}: ${action}.sync is not supported by the twin`);
        const status = 'TrainingJobStatus' in described ? described.TrainingJobStatus : (described as { TransformJobStatus?: string }).TransformJobStatus;
        if (status !== 'Completed') {
          // As in AWS: the task fails with States.TaskFailed and the job's description as the cause.
          throw new StatesError('States.TaskFailed', JSON.stringify(toJson(described)));
        }
        return toJson(described);
      };
    }

    const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(resource);
    if (sdk) {
      const [, service, action] = sdk;
      if (service === 'sagemaker') {
        return async (input) => {
          try {
            return toJson(await services.sageMaker.call(action, input as Record<string, unknown>));
          } catch (error) {
            throw sageMakerApiError(error, 'sdk');
          }
        };
      }
      const call = services.sdk[`${service}:${action}`];
      if (!call) throw new Error(`state ${stateName}: the twin does not implement ${service}:${action}`);
      return async (input, context) => call(input as Record<string, unknown>, context);
    }

    if (resource === 'arn:aws:states:::sns:publish') {
      return async (input) => toJson(await services.publish(input as { TopicArn: string; Subject?: string; Message: string }));
    }

    throw new Error(`state ${stateName}: the twin cannot run resource ${resource}`);
  };
}
