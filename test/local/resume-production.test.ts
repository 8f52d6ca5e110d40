/**
 * Issue 13: a deployment interrupted during its PRODUCTION approval wait is resumed at that wait by `mlops up`
 * (local/resume.ts), as Step Functions' RedriveExecution continues an aborted execution from its unsuccessful
 * step (test/fixtures/aws/sfn-redrive-execution.json). A decision made while the twin was down holds; staging
 * is not deployed again; an undecided production stage gets a new link, the old one expires.
 */
import REDRIVE from '../fixtures/aws/sfn-redrive-execution.json';
import { decisionEvent, linkIdFrom } from '../../local/auto-approve';
import { ExecutionStore } from '../../local/executor/execution-store';
import { createPipeline, type Pipeline } from '../../local/pipeline';
import { recover } from '../../local/recovery';
import { openTwin } from '../../local/twin';
import { hashApprovalId } from '../../src/core/approval';
import { decideApproval } from '../../src/use-cases/decide-approval';
import { aPipeline, statesVisited, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(120_000);

const STAGING = 'btc-fee-deepar-local-staging';
const PRODUCTION = 'btc-fee-deepar-local-production';

/** The approval links in the outbox, oldest first. */
async function linksIn(pipeline: Pipeline): Promise<string[]> {
  const ids: string[] = [];
  for (const m of await pipeline.mailer.list()) {
    const id = linkIdFrom((await pipeline.mailer.read(m.file)).replace(/=\r?\n/g, ''));
    if (id) ids.push(id);
  }
  return ids;
}

async function pendingLink(pipeline: Pipeline, stage: 'staging' | 'production'): Promise<string> {
  for (let attempt = 0; attempt < 400; attempt++) {
    for (const id of await linksIn(pipeline)) {
      const request = await pipeline.approvals.get(hashApprovalId(id));
      if (request?.stage === stage && request.status === 'pending') return id;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending ${stage} approval mail`);
}

describe('Function: resumeAbortedDeployments (interrupted at the production approval)', () => {
  let f: PipelineFixture;
  /** The twin process that stopped during the production wait. */
  let left: { modelPackageArn: string; deploymentArn: string; productionId: string; threshold: string; links: string[] };
  /** The process `mlops up` starts next on the same home, on the same clock. */
  let next: { twin: ReturnType<typeof openTwin>; pipeline: Pipeline } | undefined;

  beforeEach(async () => {
    f = await aPipeline();
    await f.setParameter('quality/threshold', '10');
    const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
    const { modelPackageArn, deploymentExecutionArn } = training.output as { modelPackageArn: string; deploymentExecutionArn: string };
    await f.pipeline.approvalApi(decisionEvent(await pendingLink(f.pipeline, 'staging'), 'approve', 'alice', 'test') as never);
    const productionId = await pendingLink(f.pipeline, 'production');
    const threshold = (await f.twin.parameterStore.get(`${f.pipeline.settings.PARAMETER_PATH}/quality/threshold`)).value;
    left = { modelPackageArn, deploymentArn: deploymentExecutionArn, productionId, threshold, links: await linksIn(f.pipeline) };
    // The process stops while the deployment waits for production: the execution is aborted.
    f.pipeline.close();
  });
  afterEach(async () => {
    next?.pipeline.close();
    next?.twin.close();
    next = undefined;
    await f.dispose();
  });

  const restart = async () => {
    const twin = openTwin(f.twin.home.dir);
    next = { twin, pipeline: await createPipeline(twin, { timeScale: 0, now: f.clock.now }) };
    const said: string[] = [];
    const recovered = await recover(next.pipeline, (line) => said.push(line));
    return { ...next, said, recovered };
  };

  /** `mlops approve|reject ID --as officer` while no twin runs. */
  async function decideWhileDown(decision: 'approve' | 'reject') {
    const twin = openTwin(f.twin.home.dir);
    const pipeline = await createPipeline(twin, { timeScale: 0, now: f.clock.now });
    try {
      return await decideApproval({ store: pipeline.approvals, callbacks: pipeline.taskTokens, now: f.clock.now() }, { id: left.productionId, decision, approver: 'officer', from: 'terminal (mlops)' });
    } finally {
      pipeline.close();
      twin.close();
    }
  }

  it.each([
    ['reject', 'rejected', 'Rejected', [STAGING]],
    ['approve', 'deployed', 'Approved', [PRODUCTION, STAGING]],
  ] as const)('a production decision made while the twin is down (%s) holds: the same execution goes on from its production wait, staging is not deployed again', async (decision, outcome, packageStatus, endpoints) => {
    // Prepare
    const decided = await decideWhileDown(decision);

    // Act
    const { pipeline, said, recovered } = await restart();
    const resumed = await pipeline.stepFunctions.waitForExecution(left.deploymentArn);

    // Assess
    expect(decided).toMatchObject({ kind: 'pending-delivery', error: 'ExecutionNotRunningError' });
    expect(recovered.resumedDeployments).toEqual([left.deploymentArn]);
    expect(said).toEqual([`resumed the deployment of ${left.modelPackageArn} (interrupted) at its production approval with the decision already made: production ${decided.kind === 'pending-delivery' ? decided.request.status : ''} by officer`]);
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', output: { status: outcome } });
    const visited = statesVisited(pipeline.stepFunctions.history(left.deploymentArn));
    // Staging was deployed once (before the stop), the threshold tightened once, the production wait entered twice.
    expect(visited.filter((s) => s === 'DeployStaging')).toHaveLength(1);
    expect(visited.filter((s) => s === 'UpdateThreshold')).toHaveLength(1);
    expect(visited.filter((s) => s === 'RequestProductionApproval')).toHaveLength(2);
    expect(pipeline.stepFunctions.history(left.deploymentArn).filter((e) => e.type === REDRIVE.rules.historyEvent.type)).toEqual([
      expect.objectContaining({ details: { redriveCount: 1 } }),
    ]);
    expect((await pipeline.sageMaker.describeModelPackage({ ModelPackageName: left.modelPackageArn })).ModelApprovalStatus).toBe(packageStatus);
    expect(((await pipeline.sageMaker.listEndpoints({})).Endpoints ?? []).map((e) => e.EndpointName).sort()).toEqual(endpoints);
    expect((await next!.twin.parameterStore.get(`${pipeline.settings.PARAMETER_PATH}/quality/threshold`)).value).toBe(left.threshold);
    // Never offered again: no new link, nothing pending for the package; the decision is the officer's everywhere.
    expect(await linksIn(pipeline)).toEqual(left.links);
    expect((await pipeline.approvals.listPending()).filter((r) => r.modelPackageArn === left.modelPackageArn)).toEqual([]);
    const production = (await pipeline.approvals.listForExecution(left.deploymentArn)).filter((r) => r.stage === 'production');
    expect(production.map((r) => ({ status: r.status, by: r.decision?.by }))).toEqual(production.map(() => ({ status: decided.kind === 'pending-delivery' ? decided.request.status : '?', by: 'officer' })));
    if (decision === 'approve') {
      const { predictions } = await pipeline.sageMaker.invokeEndpoint(PRODUCTION, {
        instances: [{ start: '2025-03-06 00:00:00', target: Array.from({ length: 120 }, (_, i) => 1000 + i) }],
        configuration: { num_samples: 20, output_types: ['mean'] },
      });
      expect((predictions[0] as { mean: number[] }).mean).toHaveLength(30);
    }
  });

  it('an undecided production stage gets a new link at the restart; the old one expires; one request pending', async () => {
    // Act
    const { pipeline, said } = await restart();
    const fresh = await pendingLink(pipeline, 'production');

    // Assess
    expect(said).toEqual([`resumed the production approval of ${left.modelPackageArn} (its deployment was interrupted; staging already serves it): a new link is in the outbox`]);
    expect(fresh).not.toBe(left.productionId);
    expect((await pipeline.approvals.get(hashApprovalId(left.productionId)))!.status).toBe('expired');
    expect((await pipeline.approvals.listPending()).filter((r) => r.modelPackageArn === left.modelPackageArn)).toEqual([expect.objectContaining({ stage: 'production' })]);
    expect(pipeline.stepFunctions.describeExecution(left.deploymentArn).status).toBe('RUNNING');
    expect(statesVisited(pipeline.stepFunctions.history(left.deploymentArn)).filter((s) => s === 'DeployStaging')).toHaveLength(1);

    // Act: the new link completes the same execution
    await pipeline.approvalApi(decisionEvent(fresh, 'approve', 'bob', 'test') as never);
    const done = await pipeline.stepFunctions.waitForExecution(left.deploymentArn);

    // Assess
    expect(done.output).toMatchObject({ status: 'deployed', approvals: { production: { decidedBy: 'bob' } } });
  });

  it('resumes the deployment created last, even when the restarted clock gave it an earlier start than the one it replaced', async () => {
    // Prepare: an older deployment of the same package, interrupted at its staging wait and replaced by the one
    // now at production (as a restart does), but started at a later twin time (a restarted clock starts behind).
    const db = f.twin.home.db;
    const stateMachineArn = f.pipeline.stepFunctions.stateMachineArn('deployment');
    const replacedArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:replaced-at-staging`;
    const store = new ExecutionStore(db);
    const input = f.pipeline.stepFunctions.describeExecution(left.deploymentArn).input;
    store.insert({ executionArn: replacedArn, stateMachineArn, name: 'replaced-at-staging', status: 'ABORTED', startDate: '2099-01-01T00:00:00.000Z', input });
    store.appendEvent(replacedArn, { timestamp: '2099-01-01T00:00:01.000Z', type: 'StateEntered', stateName: 'RequestStagingApproval', details: { state: { input } } });
    db.prepare(`UPDATE sfn_executions SET rowid = (SELECT MIN(rowid) FROM sfn_executions) - 1 WHERE execution_arn = ?`).run(replacedArn);

    // Act
    const { said, recovered } = await restart();

    // Assess: the execution at production is the one resumed, with a new link; the replaced one stays as it was
    expect(recovered.resumedDeployments).toEqual([left.deploymentArn]);
    expect(said).toEqual([`resumed the production approval of ${left.modelPackageArn} (its deployment was interrupted; staging already serves it): a new link is in the outbox`]);
    expect(next!.pipeline.stepFunctions.describeExecution(replacedArn).status).toBe('ABORTED');
  });
});
