/** Issue 13 item 6: an execution whose process was killed is shown as interrupted, not RUNNING, and nothing is written. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutionStore } from '../../local/executor/execution-store';
import { createPipeline } from '../../local/pipeline';
import { provision } from '../../local/recovery';
import { openTwin } from '../../local/twin';
import { contents, mlops } from './twin-process';

const DEAD_PID = 4194999; // above Linux's pid_max: no process has it
const NAME = 'training-20250305T0000-killed';

/** A home whose twin was killed while a training ran: the execution is still RUNNING in the store, owned by a dead pid. */
async function aHomeWithAKilledTraining(dir: string): Promise<void> {
  const twin = openTwin(dir);
  const pipeline = await createPipeline(twin, { timeScale: 0 });
  await provision(twin, pipeline);
  const stateMachineArn = pipeline.stepFunctions.stateMachineArn('training');
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${NAME}`;
  new ExecutionStore(twin.home.db).insert({ executionArn, stateMachineArn, name: NAME, status: 'RUNNING', startDate: '2025-03-05T00:00:00.000Z', input: {} });
  twin.home.db.prepare(`UPDATE sfn_executions SET owner_pid = ?`).run(DEAD_PID);
  pipeline.close();
  twin.close();
}

describe('Command: mlops executions', () => {
  let home: string;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'mlops-interrupted-'));
    await aHomeWithAKilledTraining(home);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('shows an execution whose process is gone as interrupted, in the list, in JSON and on its own, and writes nothing', async () => {
    // Prepare
    const before = contents(home);

    // Act
    const list = await mlops(home, 'executions');
    const json = JSON.parse((await mlops(home, 'executions', '--json')).stdout);
    const one = await mlops(home, 'executions', NAME);

    // Assess
    expect(list.stdout).toMatch(new RegExp(`INTERRUPTED\\s+${NAME}\\s+its process has gone \\(killed or crashed\\): the next \`mlops up\` marks it ABORTED`));
    expect(list.stdout).not.toContain('RUNNING');
    // The store's own status stays Step Functions' RUNNING until `mlops up` ends it; the flag says why it will.
    expect(json).toEqual([expect.objectContaining({ name: NAME, status: 'RUNNING', interrupted: true })]);
    expect(one.stdout).toContain('INTERRUPTED: its process has gone');
    expect(contents(home)).toEqual(before);
  });
});
