import type Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ExecutionStore } from '../../local/executor/execution-store';
import { createPipeline } from '../../local/pipeline';
import { provision, recover } from '../../local/recovery';
import { openTwin } from '../../local/twin';
import { linkIdFrom } from '../../local/auto-approve';
import { aModelPackageRequest } from './sagemaker/builders';
import { hashApprovalId, type ApprovalRequest } from '../../src/core/approval';
import { decideApproval } from '../../src/use-cases/decide-approval';
import type { Pipeline } from '../../local/pipeline';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops');
const DEAD_PID = 4194999; // above Linux's pid_max: no process has it
const T = '2025-03-05T00:00:00.000Z';

/** Every row of every table: what "changes nothing" compares. */
function contents(db: Database.Database): Record<string, unknown[]> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>;
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
}

/** A home a twin used, then died in while a training execution and its training job ran, and a deployment waited for its approvers. */
async function aHomeLeftByADeadTwin(dir: string): Promise<{ executionArn: string; waiting: string }> {
  const twin = openTwin(dir);
  const pipeline = await createPipeline(twin, { timeScale: 0 });
  await provision(twin, pipeline);
  const executionArn = `${pipeline.stepFunctions.stateMachineArn('training').replace(':stateMachine:', ':execution:')}:training-20250305T0000-abcdef`;
  new ExecutionStore(twin.home.db).insert({ executionArn, stateMachineArn: pipeline.stepFunctions.stateMachineArn('training'), name: 'training-20250305T0000-abcdef', status: 'RUNNING', startDate: T, input: {} });
  const waiting = pipeline.taskTokens.issue(executionArn, 'WaitForStagingApproval');
  twin.home.db.prepare(`UPDATE sfn_executions SET owner_pid = ?`).run(DEAD_PID);
  twin.home.db
    .prepare(`INSERT INTO sagemaker_training_jobs (name, arn, status, secondary_status, request, transitions, owner, creation_time, last_modified_time)
      VALUES ('orphan-job', 'arn:aws:sagemaker:local:000000000000:training-job/orphan-job', 'InProgress', 'Training', '{}', ?, ?, ?, ?)`)
    .run(JSON.stringify([{ Status: 'Training', StartTime: T }]), `${DEAD_PID}:gone`, T, T);
  pipeline.close();
  twin.close();
  return { executionArn, waiting };
}

describe('Function: recover', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-recovery-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opening the twin and its pipeline changes nothing; recover() then ends what the dead twin left running', async () => {
    // Prepare
    const { executionArn, waiting } = await aHomeLeftByADeadTwin(dir);
    const before = openTwin(dir);
    const left = contents(before.home.db);
    before.close();

    // Act
    const twin = openTwin(dir);
    const pipeline = await createPipeline(twin, { timeScale: 0 });
    try {
      const afterOpening = contents(twin.home.db);
      const recovered = await recover(pipeline, () => {});

      // Assess
      expect(afterOpening).toEqual(left);
      expect(recovered).toEqual({
        trainingJobs: ['orphan-job'], transformJobs: [], endpoints: [], executions: [executionArn], taskTokens: 1, resumedDeployments: [],
        undeliveredDecisions: { delivered: [], notWaiting: [], failed: [], busy: [] },
      });
      expect(pipeline.stepFunctions.describeExecution(executionArn)).toMatchObject({ status: 'ABORTED', error: 'States.Aborted' });
      await expect(pipeline.taskTokens.sendTaskSuccess(waiting, {})).rejects.toMatchObject({ name: 'TaskNoLongerWaitingError', message: expect.stringContaining('TaskTimedOut') });
      expect(twin.home.db.prepare(`SELECT status, failure_reason FROM sagemaker_training_jobs`).get()).toEqual({
        status: 'Failed', failure_reason: 'the local twin stopped while the job ran',
      });
    } finally {
      pipeline.close();
      twin.close();
    }
  });

  it('the read-only commands (status, executions, approvals) change nothing in a home a dead twin left', async () => {
    // Prepare
    await aHomeLeftByADeadTwin(dir);
    const read = () => {
      const twin = openTwin(dir);
      const rows = contents(twin.home.db);
      twin.close();
      return rows;
    };
    const left = read();

    // Act
    for (const command of ['status', 'executions', 'approvals']) await promisify(execFile)('node', [MLOPS, command, '--home', dir]);

    // Assess
    expect(read()).toEqual(left);
  });
});

/** The approval links in the outbox, oldest first. */
async function linksIn(pipeline: Pipeline): Promise<string[]> {
  const ids: string[] = [];
  for (const m of await pipeline.mailer.list()) {
    const id = linkIdFrom((await pipeline.mailer.read(m.file)).replace(/=\r?\n/g, ''));
    if (id) ids.push(id);
  }
  return ids;
}

/** A registered model whose deployment waits for its staging approval, left by a twin that stopped (`mlops train --no-deploy`). */
async function aDeploymentLeftWaiting(dir: string): Promise<{ modelPackageArn: string; id: string; executionArn: string }> {
  const twin = openTwin(dir);
  const pipeline = await createPipeline(twin, { timeScale: 0 });
  try {
    await provision(twin, pipeline);
    const modelUrl = 's3://artifacts/training/job-1/output/model.tar.gz';
    await twin.objectStore.put(modelUrl, 'model');
    await twin.objectStore.put('s3://artifacts/training/job-1/evaluation.json', '{}');
    const { ModelPackageArn } = await pipeline.sageMaker.createModelPackage(aModelPackageRequest(pipeline.settings.MODEL_PACKAGE_GROUP, modelUrl, { ModelMetrics: undefined }));
    const evaluation = { reportUri: 's3://artifacts/training/job-1/evaluation.json', meanWQuantileLoss: 0.1, threshold: 0.2, seasonalNaiveLoss: 0.3, stagingLoss: null, rmse: 2 };
    const { executionArn } = pipeline.stepFunctions.startExecution({
      stateMachineArn: pipeline.stepFunctions.stateMachineArn('deployment'),
      input: { modelPackageArn: ModelPackageArn!, evaluation, approvalTimeoutSeconds: 7 * 24 * 3600 },
      name: 'deployment-20250305T0000-abcdef',
    });
    for (let i = 0; i < 200 && (await linksIn(pipeline)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const [id] = await linksIn(pipeline);
    return { modelPackageArn: ModelPackageArn!, id, executionArn };
  } finally {
    // The process ends: its executions are aborted, its waits abandoned (their tokens still waiting).
    pipeline.close();
    twin.close();
  }
}

describe('Issue 13 item 1: a decision made while the twin is down', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-recovery-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** `mlops reject|approve ID --as officer` while no twin runs: a process of its own. */
  async function decideWhileDown(id: string, decision: 'approve' | 'reject') {
    const twin = openTwin(dir);
    const pipeline = await createPipeline(twin, { timeScale: 0 });
    try {
      return await decideApproval({ store: pipeline.approvals, callbacks: pipeline.taskTokens, now: new Date() }, { id, decision, approver: 'officer', from: 'terminal (mlops)' });
    } finally {
      pipeline.close();
      twin.close();
    }
  }

  it.each([
    ['reject', 'Rejected', 'rejected'],
    ['approve', 'Approved', 'approved'],
  ] as const)('is recorded, then `mlops up` resumes the deployment with it (%s): never lost, never reversed, no new link', async (decision, packageStatus, status) => {
    // Prepare
    const left = await aDeploymentLeftWaiting(dir);

    // Act
    const outcome = await decideWhileDown(left.id, decision);
    const twin = openTwin(dir);
    const pipeline = await createPipeline(twin, { timeScale: 0 });
    try {
      const said: string[] = [];
      const recovered = await recover(pipeline, (line) => said.push(line));
      const [resumedArn] = recovered.resumedDeployments;
      // A rejection ends the resumed deployment; an approval goes on to deploy staging, which this test does not wait for.
      if (decision === 'reject') await pipeline.stepFunctions.waitForExecution(resumedArn);
      else for (let i = 0; i < 200 && (await pipeline.sageMaker.describeModelPackage({ ModelPackageName: left.modelPackageArn })).ModelApprovalStatus !== 'Approved'; i++) await new Promise((r) => setTimeout(r, 25));

      // Assess
      expect(outcome).toMatchObject({ kind: 'pending-delivery', error: 'ExecutionNotRunningError', request: { status } });
      expect(said).toEqual([`resumed the deployment of ${left.modelPackageArn} (interrupted) with the decisions already made: staging ${status} by officer`]);
      expect((await pipeline.sageMaker.describeModelPackage({ ModelPackageName: left.modelPackageArn })).ModelApprovalStatus).toBe(packageStatus);
      if (decision === 'reject') expect(pipeline.stepFunctions.describeExecution(resumedArn)).toMatchObject({ status: 'SUCCEEDED', output: { status: 'rejected' } });
      // Nothing offered again: no new link mailed, nothing pending for the model.
      expect(await linksIn(pipeline)).toEqual([left.id]);
      expect((await pipeline.approvals.listPending()).filter((r) => r.modelPackageArn === left.modelPackageArn && r.stage === 'staging')).toEqual([]);
      const original = (await pipeline.approvals.get(hashApprovalId(left.id)))!;
      expect(original).toMatchObject({ status, decision: { by: 'officer' }, delivery: { state: 'carried', carriedTo: resumedArn } });
      const carried = (await pipeline.approvals.listForExecution(resumedArn)).filter((r: ApprovalRequest) => r.stage === 'staging');
      expect(carried).toEqual([expect.objectContaining({ status, decision: expect.objectContaining({ by: 'officer' }), delivery: expect.objectContaining({ state: 'delivered' }) })]);
    } finally {
      pipeline.close();
      twin.close();
    }
  });

  it("a second click on the old link says where the decision went, and changes nothing", async () => {
    // Prepare
    const left = await aDeploymentLeftWaiting(dir);
    await decideWhileDown(left.id, 'reject');
    const twin = openTwin(dir);
    const pipeline = await createPipeline(twin, { timeScale: 0 });
    try {
      const [resumedArn] = (await recover(pipeline, () => {})).resumedDeployments;
      await pipeline.stepFunctions.waitForExecution(resumedArn);

      // Act
      const again = await decideApproval({ store: pipeline.approvals, callbacks: pipeline.taskTokens, now: new Date() }, { id: left.id, decision: 'approve', approver: 'mallory', from: 'x' });

      // Assess
      expect(again).toMatchObject({ kind: 'conflict', message: expect.stringContaining(`already rejected by officer`) });
      expect((again as { message: string }).message).toContain(resumedArn);
      expect((await pipeline.sageMaker.describeModelPackage({ ModelPackageName: left.modelPackageArn })).ModelApprovalStatus).toBe('Rejected');
    } finally {
      pipeline.close();
      twin.close();
    }
  });
});
