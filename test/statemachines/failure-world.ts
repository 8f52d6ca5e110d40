/**
 * A small AWS for the failure matrix: the twin's executor (LocalStepFunctions) runs the real definitions,
 * and every Task resolves to a stand-in that answers in the documented response shape and keeps what a
 * person would look at afterwards: model packages and their status, endpoint configs and what each
 * endpoint serves, the messages published. A fault plan makes chosen Tasks fail, for ever or once.
 */
import { LOCAL_ACCOUNT, LOCAL_REFS, LOCAL_REGION, LOCAL_SERVICE, LOCAL_STAGE } from '../../local/settings';
import type { Json } from '../../local/executor/definitions';
import { StatesError, TaskFailure } from '../../local/executor/errors';
import { LocalStepFunctions, type TaskHandler } from '../../local/executor/local-step-functions';
import type Database from 'better-sqlite3';

export type Fault = { state: string; times: number; error: string };

/** Knobs that steer a run down one branch or another. */
export interface Scenario {
  /** training: the candidate's loss against the threshold. */
  gate?: 'pass' | 'fail';
  /** deployment: what the approvers do, per stage. */
  staging?: 'approve' | 'reject' | 'timeout';
  production?: 'approve' | 'reject' | 'timeout';
  /** deployEndpoint: is the endpoint there already (an update), or not (a create)? */
  endpointExists?: boolean;
  /** deployEndpoint: the endpoint is there, left Failed by an earlier create (it can only be deleted). */
  endpointLeftFailed?: boolean;
  /**
   * deployEndpoint: what SageMaker makes of the new config (test/fixtures/aws/sagemaker-endpoint-lifecycle.json):
   * a failed update returns to InService on the previous config with a FailureReason, a failed create is Failed.
   */
  deployment?: 'succeeds' | 'fails';
  /** deployment: a model package registered by training, waiting for its approval. */
  registered?: boolean;
  /** monitoring: the retraining decision. */
  decision?: 'retrain' | 'hold' | 'stale';
  /** monitoring: a stack with no model on any stage, waiting for data, starting its first training, or training again after one. */
  firstDay?: 'wait' | 'start' | 'retry';
}

const PACKAGE_ARN = `arn:aws:sagemaker:${LOCAL_REGION}:${LOCAL_ACCOUNT}:model-package/btc-fee-deepar-local/1`;
const ENDPOINT = `${LOCAL_SERVICE}-${LOCAL_STAGE}-staging`;

export class FakeAws {
  readonly packages = new Map<string, string>();
  readonly endpointConfigs = new Set<string>();
  readonly endpoints = new Map<string, { config: string; status: string; failureReason?: string }>();
  readonly published: Array<{ TopicArn: string; Subject?: string; Message: string }> = [];
  /** Attempts per state, and the faults still to raise. */
  readonly attempts = new Map<string, number>();
  constructor(
    private readonly stepFunctions: LocalStepFunctions,
    private readonly scenario: Scenario,
    private readonly faults: Fault[],
  ) {
    if (scenario.endpointExists || scenario.endpointLeftFailed) {
      this.endpointConfigs.add('previous-config');
      this.endpoints.set(ENDPOINT, scenario.endpointLeftFailed
        ? { config: 'previous-config', status: 'Failed', failureReason: 'an earlier create failed' }
        : { config: 'previous-config', status: 'InService' });
    }
    if (scenario.registered) this.packages.set(PACKAGE_ARN, 'PendingManualApproval');
  }

  /** Endpoint configs this run created that no endpoint serves: a failed deployment's leftovers. */
  orphanConfigs(): string[] {
    const serving = new Set([...this.endpoints.values()].map((e) => e.config));
    return [...this.endpointConfigs].filter((c) => c !== 'previous-config' && !serving.has(c));
  }

  task(resource: string, stateName: string): TaskHandler {
    const answer = this.answer(resource, stateName);
    return async (input, context) => {
      const attempt = (this.attempts.get(stateName) ?? 0) + 1;
      this.attempts.set(stateName, attempt);
      const fault = this.faults.find((f) => f.state === stateName);
      if (fault && attempt <= fault.times) {
        throw fault.error.startsWith('States.') ? new StatesError(fault.error as `States.${string}`, `${stateName} failed (planned, attempt ${attempt})`) : new TaskFailure(fault.error, `${stateName} failed (planned, attempt ${attempt})`);
      }
      return answer(input as Record<string, Json>, context.executionArn);
    };
  }

  private answer(resource: string, stateName: string): (input: Record<string, Json>, executionArn: string) => Promise<Json> | Json {
    const fn = /:function:[\w-]+?-local-(\w+)$/.exec(resource)?.[1];
    if (fn) return (input) => this.lambda(fn, input);
    if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') return (input) => this.approval(input);
    if (resource === 'arn:aws:states:::sns:publish') {
      return (input) => {
        this.published.push(input as never);
        return { MessageId: `m-${this.published.length}` };
      };
    }
    const sync = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/.exec(resource);
    if (sync) {
      return async (input): Promise<Json> => {
        // A started (not awaited) machine is another execution's business: only `.sync` runs it here.
        if (!sync[1]) return { ExecutionArn: `${String(input.StateMachineArn).replace(':stateMachine:', ':execution:')}:started`, StartDate: Date.now() };
        const started = this.stepFunctions.startExecution({ stateMachineArn: String(input.StateMachineArn), input: input.Input ?? {}, name: input.Name as string | undefined });
        const ended = await started.done;
        if (ended.status !== 'SUCCEEDED') throw new StatesError('States.TaskFailed', JSON.stringify({ Status: ended.status, Error: ended.error, Cause: ended.cause }));
        return { ExecutionArn: started.executionArn, Status: ended.status, Output: ended.output ?? null };
      };
    }
    const action = /^arn:aws:states:::(?:aws-sdk:)?(sagemaker|sfn):(\w+?)(\.sync)?$/.exec(resource);
    if (action) return (input) => this.service(`${action[1]}:${action[2]}`, input);
    throw new Error(`${stateName}: the failure matrix has no stand-in for ${resource}`);
  }

  private lambda(fn: string, input: Record<string, Json>): Json {
    switch (fn) {
      case 'loadRunConfig':
        return {
          jobName: 'btc-fee-deepar-local-training-x', asOf: '2025-03-06T02:13:00Z', windowDays: 1, minHistoryMinutes: 1440, predictionLength: 30, minValidPoints: 90,
          dataPrefix: 's3://mlops-local/training/x', image: 'forecasting-deepar:local', sagemakerRoleArn: 'arn:aws:iam::000000000000:role/r',
          hyperparameters: { epochs: '1' }, modelOutputPath: 's3://mlops-local/training/x/model', trainingInstanceType: 'ml.c5.xlarge',
          transformInstanceType: 'ml.c5.xlarge', inferenceConfig: '{}', threshold: 0.5, evaluationWindows: 4, minImprovement: 0.01, productionEndpoint: `${LOCAL_SERVICE}-${LOCAL_STAGE}-production`,
          stagingEndpoint: ENDPOINT, modelPackageGroupName: 'btc-fee-deepar-local', endpointInstanceType: 'ml.c5.large', approvalTimeoutSeconds: 3600,
        };
      case 'extractSeries':
        return {
          trainUri: 's3://x/train/', testUri: 's3://x/test/', transformInputUri: 's3://x/transform/', trainFileUri: 's3://x/train/train.json',
          holdoutUri: 's3://x/holdout.json', forecastPrefix: 's3://x/forecast/', forecastUri: 's3://x/forecast/input.json.out', reportUri: 's3://x/evaluation.json',
          window: { from: '2025-03-05T02:13:00Z', to: '2025-03-06T02:13:00Z' },
        };
      case 'evaluateForecast':
        return {
          meanWQuantileLoss: this.scenario.gate === 'fail' ? 0.9 : 0.1, rmse: 1, seasonalNaiveLoss: 0.4, productionLoss: null, stagingLoss: null,
          windows: 48, threshold: 0.5, passesThreshold: this.scenario.gate !== 'fail', beatsProduction: true, gateReason: 'no production model to compare with',
          reportUri: 's3://x/evaluation.json',
        };
      case 'expireApproval':
        return { expired: 1 };
      case 'updateThreshold':
        return { previous: 0.5, current: 0.3, updated: true, version: 2 };
      case 'measureAccuracy':
        return { stage: input.stage, outcome: 'measured', loss: 0.2 };
      case 'checkHistory': {
        // Training: the history suffices. Monitoring: models on both stages, unless the scenario is a fresh stack.
        if (input.machine === 'training') return { minutes: 1440, required: 1440, enough: true, message: '1440 minutes of history (1440 needed)' };
        if (input.machine === 'stale-data-notified') return { staleDataNotified: true };
        if (input.machine === 'training-retry') {
          return { status: 'training-retry', startFirstTraining: true, notify: true, subject: 'training again', message: 'no model deployed: the last training failed 7.0 h ago' };
        }
        const firstDay = this.scenario.firstDay;
        if (firstDay === 'retry') {
          return {
            minutes: 1440, required: 1440, enough: true, stagesWithModel: [], anyModelDeployed: false, staleDataNotified: false,
            firstDay: { status: 'no-model-yet', message: 'no model deployed yet', startFirstTraining: false, notify: false, subject: 'no model yet' },
          };
        }
        if (!firstDay) return { minutes: 1440, required: 1440, enough: true, stagesWithModel: ['staging', 'production'], anyModelDeployed: true, staleDataNotified: false };
        const start = firstDay === 'start';
        return {
          minutes: start ? 1440 : 12, required: 1440, enough: start, stagesWithModel: [], anyModelDeployed: false, staleDataNotified: false,
          firstDay: { status: start ? 'first-training' : 'waiting-for-data', message: start ? 'the history suffices' : 'waiting for data: 12 of 1440 minutes', startFirstTraining: start, notify: true, subject: 'first day' },
        };
      }
      case 'decideRetraining': {
        const d = this.scenario.decision ?? 'hold';
        return { retrain: d === 'retrain', staleData: d === 'stale', reason: `decided: ${d}` };
      }
      default:
        throw new Error(`the failure matrix has no stand-in for the Lambda ${fn}`);
    }
  }

  private approval(input: Record<string, Json>): Json {
    const payload = input.Payload as Record<string, Json>;
    const choice = payload.stage === 'production' ? (this.scenario.production ?? 'approve') : (this.scenario.staging ?? 'approve');
    if (choice === 'reject') throw new TaskFailure('ApprovalRejected', 'rejected by bob');
    if (choice === 'timeout') throw new StatesError('States.Timeout', 'nobody decided in time');
    return { decision: 'approved', decidedBy: 'alice' };
  }

  private service(action: string, input: Record<string, Json>): Json {
    switch (action) {
      case 'sfn:listExecutions':
        return { Executions: [{ ExecutionArn: 'arn:x', Status: 'RUNNING', StartDate: Date.now() }] };
      case 'sagemaker:createTrainingJob':
        return { TrainingJobName: input.TrainingJobName, TrainingJobStatus: 'Completed', ModelArtifacts: { S3ModelArtifacts: 's3://x/model.tar.gz' }, FinalMetricDataList: [] };
      case 'sagemaker:createModel':
        return { ModelArn: `arn:model/${String(input.ModelName)}` };
      case 'sagemaker:createTransformJob':
        return { TransformJobName: input.TransformJobName, TransformJobStatus: 'Completed', TransformOutput: input.TransformOutput };
      case 'sagemaker:createModelPackage':
        this.packages.set(PACKAGE_ARN, String(input.ModelApprovalStatus));
        return { ModelPackageArn: PACKAGE_ARN };
      case 'sagemaker:updateModelPackage':
        this.packages.set(String(input.ModelPackageArn), String(input.ModelApprovalStatus));
        return { ModelPackageArn: input.ModelPackageArn };
      case 'sagemaker:createEndpointConfig':
        this.endpointConfigs.add(String(input.EndpointConfigName));
        return { EndpointConfigArn: `arn:endpoint-config/${String(input.EndpointConfigName)}` };
      case 'sagemaker:createEndpoint':
        if (this.endpoints.has(String(input.EndpointName))) throw new TaskFailure('SageMaker.AmazonSageMakerException', 'ValidationException: Cannot create already existing endpoint');
        this.endpoints.set(String(input.EndpointName), this.scenario.deployment === 'fails'
          ? { config: String(input.EndpointConfigName), status: 'Failed', failureReason: 'the model could not be loaded' }
          : { config: String(input.EndpointConfigName), status: 'InService' });
        return { EndpointArn: `arn:endpoint/${String(input.EndpointName)}` };
      case 'sagemaker:updateEndpoint': {
        const previous = this.endpoints.get(String(input.EndpointName));
        if (previous?.status === 'Failed') throw new TaskFailure('SageMaker.AmazonSageMakerException', 'ValidationException: Cannot update failed endpoint');
        this.endpoints.set(String(input.EndpointName), this.scenario.deployment === 'fails' && previous
          ? { config: previous.config, status: 'InService', failureReason: 'the model could not be loaded' }
          : { config: String(input.EndpointConfigName), status: 'InService' });
        return { EndpointArn: `arn:endpoint/${String(input.EndpointName)}` };
      }
      case 'sagemaker:deleteEndpoint':
        if (!this.endpoints.delete(String(input.EndpointName))) throw new TaskFailure('SageMaker.SageMakerException', `ValidationException: Could not find endpoint "${String(input.EndpointName)}".`);
        return {};
      case 'sagemaker:deleteEndpointConfig':
        if (!this.endpointConfigs.delete(String(input.EndpointConfigName))) throw new TaskFailure('SageMaker.SageMakerException', `ValidationException: Could not find endpoint configuration "${String(input.EndpointConfigName)}".`);
        return {};
      case 'sagemaker:describeEndpoint': {
        const endpoint = this.endpoints.get(String(input.EndpointName));
        if (!endpoint) throw new TaskFailure('SageMaker.SageMakerException', `ValidationException: Could not find endpoint "${String(input.EndpointName)}".`);
        return {
          EndpointName: input.EndpointName, EndpointConfigName: endpoint.config, EndpointStatus: endpoint.status,
          ...(endpoint.failureReason ? { FailureReason: endpoint.failureReason } : {}),
        };
      }
      default:
        throw new Error(`the failure matrix has no stand-in for ${action}`);
    }
  }
}

export const MODEL_PACKAGE_ARN = PACKAGE_ARN;
export const STAGING_ENDPOINT = ENDPOINT;

/**
 * One executor for a test file's runs (loading the definitions is the slow part): each run gets a fresh
 * FakeAws, and the executor resolves the Tasks of the executions it starts to that run's world.
 */
export class FailureHarness {
  readonly stepFunctions: LocalStepFunctions;
  private world?: FakeAws;

  constructor(db: Database.Database) {
    this.stepFunctions = new LocalStepFunctions({
      db,
      service: LOCAL_SERVICE,
      stage: LOCAL_STAGE,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      ref: (id) => LOCAL_REFS[id] ?? this.stepFunctions.stateMachineArn(id.replace(/StateMachine$/, '').replace(/^./, (c) => c.toLowerCase())),
      resolveTask: (resource, stateName) => this.world!.task(resource, stateName),
      timeScale: 0,
    });
  }

  /** Runs `machine` to its end in a fresh world; returns the record, its history and the world. */
  async run(machine: string, input: Json, scenario: Scenario, faults: Fault[]) {
    const world = (this.world = new FakeAws(this.stepFunctions, scenario, faults));
    const started = this.stepFunctions.startExecution({ stateMachineArn: this.stepFunctions.stateMachineArn(machine), input });
    const record = await started.done;
    return { record, history: this.stepFunctions.history(started.executionArn), world };
  }

  close(): void {
    this.stepFunctions.close();
  }
}
