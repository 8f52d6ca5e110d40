import { SFNClient, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionStore } from '../../local/executor/execution-store';
import { LocalTaskTokens, SETTLED_TOKEN_RETENTION_MS } from '../../local/executor/task-tokens';
import SEND_TASK_ERRORS from '../fixtures/aws/sfn-send-task-errors.json';
import { SfnTaskCallbacks } from '../../src/adapters/aws/sfn-task-callbacks';
import { aTwinHome } from '../builders/twin-home';
import { fakeSfnTaskTokens } from './fakes/sfn';
import { describeTaskCallbacksContract } from './task-callbacks.contract';

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:deployment:run-1';

describeTaskCallbacksContract("LocalTaskTokens (the twin's executor)", () => {
  const home = aTwinHome();
  const tokens = new LocalTaskTokens(home.db, 20);
  return {
    callbacks: tokens,
    waitingTask() {
      const token = tokens.issue(EXECUTION, 'RequestStagingApproval');
      return { token, outcome: tokens.wait(token, 60_000) };
    },
    async timeOut(token) {
      // A second, short wait on the same token lets its timeout fire, as the state's timeout would.
      await tokens.wait(token, 1).catch(() => {});
    },
    dispose() {
      tokens.close();
      home.dispose();
    },
  };
});

describeTaskCallbacksContract('SfnTaskCallbacks over in-memory Step Functions task tokens', () => {
  const sfn = fakeSfnTaskTokens();
  return {
    callbacks: new SfnTaskCallbacks({ client: sfn.client }),
    waitingTask: () => sfn.waitingTask(),
    timeOut: async (token) => sfn.timeOut(token),
    dispose: sfn.restore,
  };
});

describe('SfnTaskCallbacks: the SendTask* errors of the API reference (test/fixtures/aws/sfn-send-task-errors.json)', () => {
  it.each(SEND_TASK_ERRORS.errors.map((e) => [e.name, e.noLongerWaiting] as const))(
    '%s means nothing waits any more: %s',
    async (name, noLongerWaiting) => {
      // Prepare
      const sfn = mockClient(SFNClient);
      sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(name), { name }));
      const callbacks = new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }) });

      // Act
      const error = await callbacks.sendTaskSuccess('a-token', { approved: true }).catch((e: Error) => e);
      sfn.restore();

      // Assess: a closed wait is TaskNoLongerWaitingError carrying Step Functions' name; anything else passes through
      expect(error).toMatchObject(noLongerWaiting ? { name: 'TaskNoLongerWaitingError', reason: name } : { name });
    },
  );
});

describe('LocalTaskTokens: a decision made while no twin runs the execution', () => {
  it('is refused with ExecutionNotRunningError and leaves the token waiting for the resumed run', async () => {
    // Prepare: an execution whose process has stopped (its wait was abandoned, the execution aborted)
    const home = aTwinHome();
    const tokens = new LocalTaskTokens(home.db, 20);
    try {
      new ExecutionStore(home.db).insert({ executionArn: EXECUTION, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:deployment', name: 'run-1', status: 'RUNNING', startDate: new Date().toISOString(), input: {} });
      const token = tokens.issue(EXECUTION, 'RequestStagingApproval');
      home.db.prepare(`UPDATE sfn_executions SET status = 'ABORTED'`).run();

      // Act
      const refused = await tokens.sendTaskFailure(token, 'ApprovalRejected', 'rejected by officer').catch((e: Error) => e);

      // Assess
      expect(refused).toMatchObject({ name: 'ExecutionNotRunningError', message: expect.stringContaining('mlops up') });
      expect(home.db.prepare(`SELECT status FROM sfn_task_tokens WHERE token = ?`).get(token)).toEqual({ status: 'waiting' });
      // At the next start the abandoned token is closed, as AWS answers for a closed task.
      expect(tokens.recover()).toBe(1);
      await expect(tokens.sendTaskSuccess(token, {})).rejects.toMatchObject({ name: 'TaskNoLongerWaitingError', reason: 'TaskTimedOut' });
    } finally {
      tokens.close();
      home.dispose();
    }
  });

  it('deletes tokens settled longer ago than the retention at the next start', () => {
    const home = aTwinHome();
    const tokens = new LocalTaskTokens(home.db, 20);
    try {
      const old = tokens.issue(EXECUTION, 'RequestStagingApproval');
      const recent = tokens.issue(EXECUTION, 'RequestProductionApproval');
      const longAgo = new Date(Date.now() - SETTLED_TOKEN_RETENTION_MS - 1000).toISOString();
      home.db.prepare(`UPDATE sfn_task_tokens SET status = 'succeeded', settled_at = ? WHERE token = ?`).run(longAgo, old);

      tokens.recover();

      expect((home.db.prepare(`SELECT token FROM sfn_task_tokens`).all() as Array<{ token: string }>).map((r) => r.token)).toEqual([recent]);
    } finally {
      tokens.close();
      home.dispose();
    }
  });
});
