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
      expect(recovered).toEqual({ trainingJobs: ['orphan-job'], transformJobs: [], endpoints: [], executions: [executionArn], taskTokens: 1, resumedDeployments: [] });
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
