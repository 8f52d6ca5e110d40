/**
 * Approval and staged deployment through the twin: the deployment state machine started by a training,
 * approvals answered through the same approval API the emailed links reach, endpoints deployed by the
 * nested deploy-endpoint machine on the local SageMaker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create as tar } from 'tar';
import ENDPOINT_ERRORS from '../fixtures/aws/sagemaker-endpoint-errors.json';
import LIFECYCLE from '../fixtures/aws/sagemaker-endpoint-lifecycle.json';
import { loadRawDefinition } from '../../local/executor/definitions';
import { hashApprovalId } from '../../src/core/approval';
import { nextThreshold } from '../../src/core/run-config';
import { loadPredictor } from '../../src/deepar/runtime';
import { decisionEvent, linkIdFrom } from '../../local/auto-approve';
import type { ExecutionRecord, HistoryEvent } from '../../local/executor/execution-store';
import { aPipeline, statesVisited, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(120_000);

/** Trains a tiny model through the training machine; returns its output and the deployment it started. */
async function trainAndRegister(f: PipelineFixture) {
  const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
  expect(training.status).toBe('SUCCEEDED');
  return training.output as { modelPackageArn: string; deploymentExecutionArn: string; evaluation: { meanWQuantileLoss: number } };
}

/** The newest pending request's link id, read from the outbox as an approver reads their mail. */
async function waitForLink(f: PipelineFixture, stage: 'staging' | 'production'): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const message of await f.pipeline.mailer.list()) {
      const id = linkIdFrom((await f.pipeline.mailer.read(message.file)).replace(/=\r?\n/g, ''));
      const request = id ? await f.pipeline.approvals.get(hashApprovalId(id)) : undefined;
      if (id && request?.stage === stage && request.status === 'pending') return id;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending ${stage} approval mail`);
}

async function decide(f: PipelineFixture, id: string, decision: 'approve' | 'reject', by = 'alice') {
  return (await f.pipeline.approvalApi(decisionEvent(id, decision, by, 'test') as never)) as { statusCode: number; body: string };
}

const packageStatus = async (f: PipelineFixture, arn: string) =>
  ((await f.pipeline.sageMaker.describeModelPackage({ ModelPackageName: arn })).ModelApprovalStatus);

describe('State machine: deployment', () => {
  let f: PipelineFixture;
  afterEach(async () => f?.dispose());

  /** Set by a test to make the local SageMaker fail to load models from then on. */
  let failModelLoads = false;

  beforeEach(async () => {
    failModelLoads = false;
    f = await aPipeline({
      sageMaker: {
        modelLoader: (dir) => {
          if (failModelLoads) throw new Error('the model artifact is corrupt');
          return loadPredictor(dir);
        },
      },
    });
    await f.setParameter('quality/threshold', '10');
  });

  it('BothApproved: staging then production serve the model; the registry says Approved; the threshold tightens', async () => {
    const trained = await trainAndRegister(f);
    const staging = await decide(f, await waitForLink(f, 'staging'), 'approve');
    expect(staging.statusCode).toBe(200);
    await decide(f, await waitForLink(f, 'production'), 'approve');
    const deployment: ExecutionRecord = await f.pipeline.stepFunctions.waitForExecution(trained.deploymentExecutionArn);

    expect(deployment.status).toBe('SUCCEEDED');
    expect(statesVisited(f.pipeline.stepFunctions.history(deployment.executionArn))).toEqual([
      'RequestStagingApproval', 'ApproveModelPackage', 'UpdateThreshold', 'DeployStaging', 'RequestProductionApproval', 'DeployProduction', 'NotifyDeployed', 'EndDeployed',
    ]);
    expect(await packageStatus(f, trained.modelPackageArn)).toBe('Approved');
    const expected = nextThreshold(trained.evaluation.meanWQuantileLoss, 10, 0.5);
    expect(Number((await f.twin.parameterStore.get('/btc-fee-deepar/local/quality/threshold')).value)).toBeCloseTo(expected, 12);
    for (const endpoint of ['btc-fee-deepar-local-staging', 'btc-fee-deepar-local-production']) {
      expect((await f.pipeline.sageMaker.describeEndpoint({ EndpointName: endpoint })).EndpointStatus).toBe('InService');
      const { predictions } = await f.pipeline.sageMaker.invokeEndpoint(endpoint, {
        instances: [{ start: '2025-03-06 00:00:00', target: Array.from({ length: 120 }, (_, i) => 1000 + i) }],
        configuration: { num_samples: 20, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.9'] },
      });
      expect((predictions[0] as { mean: number[] }).mean).toHaveLength(30);
    }
  });

  it('StagingRejected: the model is Rejected, nothing is deployed, the approvers are told', async () => {
    const trained = await trainAndRegister(f);
    expect((await decide(f, await waitForLink(f, 'staging'), 'reject', 'bob')).statusCode).toBe(200);
    const deployment = await f.pipeline.stepFunctions.waitForExecution(trained.deploymentExecutionArn);

    expect(deployment.status).toBe('SUCCEEDED');
    expect(deployment.output).toMatchObject({ status: 'rejected', reason: 'ApprovalRejected', cause: expect.stringContaining('bob') });
    expect(await packageStatus(f, trained.modelPackageArn)).toBe('Rejected');
    expect((await f.pipeline.sageMaker.listEndpoints({})).Endpoints).toEqual([]);
    expect(f.pipeline.notifications.list()[0].subject).toBe('DeepAR model rejected');
  });

  it('ProductionRejected: staging keeps the model, production does not get it', async () => {
    const trained = await trainAndRegister(f);
    await decide(f, await waitForLink(f, 'staging'), 'approve');
    await decide(f, await waitForLink(f, 'production'), 'reject');
    const deployment = await f.pipeline.stepFunctions.waitForExecution(trained.deploymentExecutionArn);

    expect(deployment.output).toMatchObject({ status: 'rejected' });
    expect((await f.pipeline.sageMaker.listEndpoints({})).Endpoints!.map((e) => e.EndpointName)).toEqual(['btc-fee-deepar-local-staging']);
    expect(await packageStatus(f, trained.modelPackageArn)).toBe('Rejected');
  });

  it('DoubleClickAndReplay: a decision is single-use; the second one changes nothing and says what happened', async () => {
    const trained = await trainAndRegister(f);
    const id = await waitForLink(f, 'staging');
    expect((await decide(f, id, 'approve', 'alice')).statusCode).toBe(200);
    const second = await decide(f, id, 'reject', 'mallory');
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('Approved by alice');
    await decide(f, await waitForLink(f, 'production'), 'approve');
    expect((await f.pipeline.stepFunctions.waitForExecution(trained.deploymentExecutionArn)).output).toMatchObject({ status: 'deployed' });
  });

  it('ApprovalExpires: nobody decides in time, the request expires and the model is rejected', async () => {
    await f.setParameter('approval/timeout-hours', '0.0003'); // about one second
    const trained = await trainAndRegister(f);
    const id = await waitForLink(f, 'staging');
    const deployment = await f.pipeline.stepFunctions.waitForExecution(trained.deploymentExecutionArn);

    expect(deployment.output).toMatchObject({ status: 'rejected', reason: 'States.Timeout' });
    expect(statesVisited(f.pipeline.stepFunctions.history(deployment.executionArn))).toContain('ExpireStagingApproval');
    expect((await f.pipeline.approvals.get(hashApprovalId(id)))!.status).toBe('expired');
    expect(await packageStatus(f, trained.modelPackageArn)).toBe('Rejected');
    const late = await decide(f, id, 'approve');
    expect(late.statusCode).toBe(409);
  });

  it('DeploymentFailsAndRollsBack: a model that cannot load fails staging, which keeps serving the previous model', async () => {
    // A first model, approved for staging only.
    const first = await trainAndRegister(f);
    await decide(f, await waitForLink(f, 'staging'), 'approve');
    await decide(f, await waitForLink(f, 'production'), 'reject');
    await f.pipeline.stepFunctions.waitForExecution(first.deploymentExecutionArn);
    const before = await f.pipeline.sageMaker.describeEndpoint({ EndpointName: 'btc-fee-deepar-local-staging' });
    // From now on, loading a new model fails.
    failModelLoads = true;

    const second = await trainAndRegister(f);
    await decide(f, await waitForLink(f, 'staging'), 'approve');
    const deployment = await f.pipeline.stepFunctions.waitForExecution(second.deploymentExecutionArn);

    expect(deployment.status).toBe('FAILED');
    expect(deployment.error).toBe('States.TaskFailed');
    // SageMaker rolls a failed update back by itself (InService on the previous config, FailureReason set:
    // test/fixtures/aws/sagemaker-endpoint-lifecycle.json, updateFails), so the nested machine no longer sees
    // Failed nor restores the previous config: it fails with the rollback's reason and deletes its new config.
    expect(deployment.cause).toContain('EndpointUpdateRolledBack');
    expect(deployment.cause).toContain('the model artifact is corrupt');
    const nested = f.pipeline.stepFunctions.executionRecords({ stateMachineArn: f.pipeline.stepFunctions.stateMachineArn('deployEndpoint') })[0];
    const nestedHistory = f.pipeline.stepFunctions.history(nested.executionArn);
    expect(statesVisited(nestedHistory).slice(-4)).toEqual(['IsEndpointInService', 'RecordUpdateRolledBack', 'DeleteNewEndpointConfig', 'FailDeployment']);
    const newConfig = /"(btc-fee-deepar-local-staging-[0-9a-f]{8})"/.exec(JSON.stringify(nestedHistory))![1];
    await expect(f.pipeline.sageMaker.describeEndpointConfig({ EndpointConfigName: newConfig })).rejects.toMatchObject({ name: 'ValidationException' });
    const after = await f.pipeline.sageMaker.describeEndpoint({ EndpointName: 'btc-fee-deepar-local-staging' });
    expect(after.EndpointConfigName).toBe(before.EndpointConfigName);
    expect(after.EndpointStatus).toBe('InService');
    expect(f.pipeline.notifications.list()[0].subject).toBe('DeepAR deployment failed');
  });
});

describe('Twin restart: resumeAbortedDeployments', () => {
  it('expires the links of a deployment a stopped twin abandoned, and asks the approvers again', async () => {
    const { resumeAbortedDeployments } = await import('../../local/resume');
    const f1 = await aPipeline();
    try {
      await f1.setParameter('quality/threshold', '10');
      const trained = await trainAndRegister(f1);
      const oldId = await waitForLink(f1, 'staging');
      // The twin stops while the deployment waits for its approvers.
      f1.pipeline.stepFunctions.close();
      expect(f1.pipeline.stepFunctions.describeExecution(trained.deploymentExecutionArn).status).toBe('ABORTED');
      const { createPipeline } = await import('../../local/pipeline');
      const restarted = await createPipeline(f1.twin, { timeScale: 0 });
      try {
        const resumed = await resumeAbortedDeployments(restarted, () => {});
        expect(resumed).toHaveLength(1);
        // The new request is mailed: a second message in the outbox.
        for (let i = 0; i < 200 && (await restarted.mailer.list()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await restarted.mailer.list()).toHaveLength(2);
        expect((await restarted.approvals.get(hashApprovalId(oldId)))!.status).toBe('expired');
        expect((await restarted.approvals.listPending()).filter((r) => r.executionArn === resumed[0])).toHaveLength(1);
      } finally {
        restarted.close();
      }
    } finally {
      await f1.dispose();
    }
  });
});

/**
 * The nested deployEndpoint machine on its own, against the paths SageMaker documents
 * (test/fixtures/aws/sagemaker-endpoint-lifecycle.json): models are stand-ins whose load succeeds, fails
 * ("broken" in the name) or is held, so each scenario takes a moment instead of a training.
 */
describe('State machine: deployEndpoint', () => {
  const ENDPOINT = 'btc-fee-deepar-local-staging';
  let f: PipelineFixture;
  /** Model directories whose load waits until released. */
  const held = new Map<string, Promise<void>>();
  /** describeEndpoint calls still to throttle, and how (set by a scenario). */
  let throttleDescribes = 0;
  let refuseDescribes: Error | undefined;
  let modelCount = 0;

  beforeEach(async () => {
    throttleDescribes = 0;
    refuseDescribes = undefined;
    f = await aPipeline({
      // Waits at a thousandth of their length: short, yet real timers, so a held load can be released meanwhile.
      timeScale: 1000,
      sageMaker: {
        modelLoader: async (dir) => {
          for (const [part, gate] of held) if (dir.includes(part)) await gate;
          if (dir.includes('broken')) throw new Error('the model artifact is corrupt');
          return { dir } as never;
        },
        beforeCall: (action) => {
          if (action !== 'describeEndpoint') return;
          if (refuseDescribes) throw refuseDescribes;
          if (throttleDescribes > 0) {
            throttleDescribes--;
            throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
          }
        },
      },
    });
  });
  afterEach(async () => f?.dispose());

  /** A stand-in model in the local SageMaker ("broken" ones fail to load). */
  async function aModel(kind: 'good' | 'broken' = 'good'): Promise<string> {
    const name = `model-${kind}-${++modelCount}`;
    const url = `s3://btc-fee-deepar-artifacts/models/${name}/model.tar.gz`;
    const source = join(f.twin.objectStore.pathOf('s3://btc-fee-deepar-artifacts/stand-in/'), '..', 'stand-in');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'model.json'), '{}');
    await f.twin.objectStore.put(url, '');
    await tar({ gzip: true, file: f.twin.objectStore.pathOf(url), cwd: source }, ['model.json']);
    await f.pipeline.sageMaker.createModel({ ModelName: name, ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sagemaker', PrimaryContainer: { Image: 'forecasting-deepar:local', ModelDataUrl: url } });
    return name;
  }

  async function deploy(modelName: string) {
    const arn = f.pipeline.stepFunctions.stateMachineArn('deployEndpoint');
    const { executionArn, done } = f.pipeline.stepFunctions.startExecution({
      stateMachineArn: arn, input: { endpointName: ENDPOINT, modelName, stage: 'staging', instanceType: 'ml.c5.large' },
    });
    const execution = await done;
    const history = f.pipeline.stepFunctions.history(executionArn);
    const configName = /"(btc-fee-deepar-local-staging-[0-9a-f]{8})"/.exec(JSON.stringify(history))?.[1] ?? 'no config named';
    return { execution, history, states: statesVisited(history), configName };
  }

  const describeEndpoint = () => f.pipeline.sageMaker.describeEndpoint({ EndpointName: ENDPOINT });
  const configExists = (name: string) => f.pipeline.sageMaker.describeEndpointConfig({ EndpointConfigName: name }).then(() => true, () => false);
  /** No state failed on a States.Runtime error (a path read that does not exist, a bad intrinsic...). */
  const runtimeErrors = (history: HistoryEvent[]) => history.filter((e) => JSON.stringify(e.details).includes('States.Runtime'));

  it('reads SageMaker\'s documented answers: the causes it tells apart, the statuses it leaves its loop on', () => {
    const states = loadRawDefinition('deployEndpoint').States as Record<string, { Choices?: unknown[] }>;
    const text = (state: string) => JSON.stringify(states[state].Choices);
    for (const pattern of Object.values(ENDPOINT_ERRORS.stepFunctions.causeMatches)) expect(text('IsEndpointMissing')).toContain(JSON.stringify(pattern));
    // Every status an endpoint rests in once a create or update ends has a branch out of the polling loop.
    const settled = new Set(Object.values(LIFECYCLE.outcomes).map((o) => o.status));
    for (const status of settled) expect(text('IsEndpointInService')).toContain(JSON.stringify(status));
    expect(text('IsEndpointInService')).toContain('"UpdateRollbackFailed"');
  });

  it('CreateSucceeds: the first deployment creates the endpoint, InService on the new config', async () => {
    const { execution, configName, states, history } = await deploy(await aModel());

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ endpointName: ENDPOINT, endpointConfigName: configName, status: 'InService' });
    expect(states).toContain('CreateEndpoint');
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: configName });
    expect(runtimeErrors(history)).toEqual([]);
  });

  it('UpdateFailsAndSageMakerRollsBack: the deployment fails with SageMaker\'s reason; the previous config serves; nothing to restore', async () => {
    const first = await deploy(await aModel());
    expect(first.execution.status).toBe('SUCCEEDED');

    const second = await deploy(await aModel('broken'));

    expect(second.execution.status).toBe('FAILED');
    expect(second.execution.error).toBe('EndpointUpdateRolledBack');
    expect(second.execution.cause).toContain(`rolled back to ${first.configName}`);
    expect(second.execution.cause).toContain('the model artifact is corrupt');
    expect(second.states.slice(-4)).toEqual(['IsEndpointInService', 'RecordUpdateRolledBack', 'DeleteNewEndpointConfig', 'FailDeployment']);
    expect(second.states).not.toContain('RestorePreviousConfig');
    const after = await describeEndpoint();
    expect(after).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: first.configName, FailureReason: expect.stringContaining('corrupt') });
    expect(await configExists(second.configName)).toBe(false);
    expect(await configExists(first.configName)).toBe(true);
    expect(runtimeErrors(second.history)).toEqual([]);
  });

  it('CreateFailsAndEndpointIsDeleted: a failed first create is deleted with its config, and the next deployment creates it', async () => {
    const failed = await deploy(await aModel('broken'));

    expect(failed.execution.status).toBe('FAILED');
    expect(failed.execution.error).toBe('EndpointDeploymentFailed');
    expect(failed.execution.cause).toContain('reported Failed');
    expect(failed.execution.cause).toContain('the model artifact is corrupt');
    expect(failed.states.slice(-4)).toEqual(['RecordEndpointFailed', 'DeleteFailedEndpoint', 'DeleteNewEndpointConfig', 'FailDeployment']);
    await expect(describeEndpoint()).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Could not find endpoint') });
    expect(await configExists(failed.configName)).toBe(false);
    expect(runtimeErrors(failed.history)).toEqual([]);

    const next = await deploy(await aModel());
    expect(next.execution.status).toBe('SUCCEEDED');
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: next.configName });
  });

  it('EndpointLeftFailed: an endpoint an earlier failure left Failed is deleted, then created again', async () => {
    await f.pipeline.sageMaker.createEndpointConfig({
      EndpointConfigName: 'left-behind', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: await aModel('broken'), InitialInstanceCount: 1, InstanceType: 'ml.c5.large' }],
    });
    await f.pipeline.sageMaker.createEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: 'left-behind' });
    expect((await f.pipeline.sageMaker.waitForEndpoint(ENDPOINT)).EndpointStatus).toBe('Failed');

    const { execution, states, configName, history } = await deploy(await aModel());

    expect(execution.status).toBe('SUCCEEDED');
    expect(states).toEqual(expect.arrayContaining(['DeleteEndpointLeftFailed', 'CreateEndpoint']));
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: configName });
    expect(runtimeErrors(history)).toEqual([]);
  });

  it('DescribeThrottledThenRetries: a throttled DescribeEndpoint is read again, not taken for a missing endpoint', async () => {
    const first = await deploy(await aModel());
    throttleDescribes = 2;

    const second = await deploy(await aModel());

    expect(second.execution.status).toBe('SUCCEEDED');
    expect(second.states.filter((s) => s === 'CountDescribeRetry')).toHaveLength(2);
    expect(second.states).not.toContain('CreateEndpoint');
    expect(second.states).toContain('UpdateEndpoint');
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: second.configName });
    expect(await configExists(first.configName)).toBe(true);
    expect(runtimeErrors(second.history)).toEqual([]);
  });

  it('DescribeThrottledTooOften: the deployment fails with the throttling, creates nothing and deletes its config', async () => {
    throttleDescribes = 100;

    const { execution, states, configName, history } = await deploy(await aModel());

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('SageMaker.SageMakerException');
    expect(execution.cause).toContain('ThrottlingException');
    expect(states.filter((s) => s === 'CountDescribeRetry')).toHaveLength(5);
    expect(states).not.toContain('CreateEndpoint');
    expect(await configExists(configName)).toBe(false);
    await expect(describeEndpoint()).rejects.toMatchObject({ name: 'ValidationException' });
    expect(runtimeErrors(history)).toEqual([]);
  });

  it('DescribeRefused: an error other than "not found" fails the deployment; it never tries to create the endpoint', async () => {
    refuseDescribes = Object.assign(new Error('User is not authorized to perform: sagemaker:DescribeEndpoint'), { name: 'AccessDeniedException' });

    const { execution, states, configName } = await deploy(await aModel());

    expect(execution.status).toBe('FAILED');
    expect(execution.cause).toContain('not authorized');
    expect(states).not.toContain('CreateEndpoint');
    expect(await configExists(configName)).toBe(false);
  });

  it('NoOrphanEndpointConfig: an update refused while another is in progress deletes its config; the one in progress completes', async () => {
    await deploy(await aModel());
    const slow = await aModel();
    let release!: () => void;
    held.set(`${slow}-`, new Promise<void>((r) => (release = r)));
    const inProgress = deploy(slow);
    for (let i = 0; i < 200 && (await describeEndpoint()).EndpointStatus !== 'Updating'; i++) await new Promise((r) => setTimeout(r, 10));

    const refused = await deploy(await aModel());
    release();
    held.clear();
    const completed = await inProgress;

    expect(refused.execution.status).toBe('FAILED');
    expect(refused.execution.error).toBe('SageMaker.AmazonSageMakerException');
    expect(refused.execution.cause).toContain('Cannot update in-progress endpoint');
    expect(refused.states.slice(-3)).toEqual(['UpdateEndpoint', 'DeleteNewEndpointConfig', 'FailDeployment']);
    expect(await configExists(refused.configName)).toBe(false);
    expect(runtimeErrors(refused.history)).toEqual([]);
    expect(completed.execution.status).toBe('SUCCEEDED');
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: completed.configName });
    expect(await configExists(completed.configName)).toBe(true);
  });
});
