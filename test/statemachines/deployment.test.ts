/**
 * Approval and staged deployment through the twin: the deployment state machine started by a training,
 * approvals answered through the same approval API the emailed links reach, endpoints deployed by the
 * nested deploy-endpoint machine on the local SageMaker.
 */
import { hashApprovalId } from '../../src/core/approval';
import { nextThreshold } from '../../src/core/run-config';
import { loadPredictor } from '../../src/deepar/runtime';
import { decisionEvent, linkIdFrom } from '../../local/auto-approve';
import type { ExecutionRecord } from '../../local/executor/execution-store';
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
    expect(deployment.cause).toContain('EndpointDeploymentFailed');
    const nested = f.pipeline.stepFunctions.executionRecords({ stateMachineArn: f.pipeline.stepFunctions.stateMachineArn('deployEndpoint') })[0];
    expect(statesVisited(f.pipeline.stepFunctions.history(nested.executionArn)).slice(-4)).toEqual(['RecordEndpointFailed', 'HasPreviousConfig', 'RestorePreviousConfig', 'FailDeployment']);
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
