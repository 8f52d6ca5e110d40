/**
 * The TaskCallbacks port's contract: the approval decision ends a `.waitForTaskToken` wait once, with
 * its output or a named error; a token nothing waits for any more is TaskNoLongerWaitingError.
 */
import { TaskNoLongerWaitingError } from '../../src/ports/errors';
import type { TaskCallbacks } from '../../src/ports/task-callbacks';
import { useSubject, type MakeSubject } from './subject';

export interface TaskCallbacksSubject {
  callbacks: TaskCallbacks;
  /** A task waiting for its token, as a `.waitForTaskToken` state does: the token and how the wait ends. */
  waitingTask(): { token: string; outcome: Promise<unknown> };
  /** Lets the task's wait time out, as its state's timeout would. */
  timeOut(token: string): Promise<void>;
}

const UNKNOWN_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAfnowaitsforthis==';

export function describeTaskCallbacksContract(name: string, makeSubject: MakeSubject<TaskCallbacksSubject>): void {
  describe(`Contract: TaskCallbacks — ${name}`, () => {
    const subject = useSubject(makeSubject);

    it('ends the wait with the output SendTaskSuccess gives', async () => {
      const { callbacks, waitingTask } = subject();
      const task = waitingTask();

      await callbacks.sendTaskSuccess(task.token, { approved: true, approver: 'alice' });

      await expect(task.outcome).resolves.toEqual({ approved: true, approver: 'alice' });
    });

    it('fails the wait with the error SendTaskFailure names, its cause as the message', async () => {
      const { callbacks, waitingTask } = subject();
      const task = waitingTask();
      task.outcome.catch(() => {});

      await callbacks.sendTaskFailure(task.token, 'ApprovalRejected', 'rejected by bob at 2025-05-01T12:05:00.000Z');

      await expect(task.outcome).rejects.toMatchObject({ name: 'ApprovalRejected', message: 'rejected by bob at 2025-05-01T12:05:00.000Z' });
    });

    it('refuses a second completion with TaskNoLongerWaitingError, the first one standing', async () => {
      const { callbacks, waitingTask } = subject();
      const task = waitingTask();
      await callbacks.sendTaskSuccess(task.token, { approved: true });

      await expect(callbacks.sendTaskFailure(task.token, 'ApprovalRejected', 'too late')).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
      await expect(callbacks.sendTaskSuccess(task.token, { approved: false })).rejects.toMatchObject({ name: 'TaskNoLongerWaitingError' });
      await expect(task.outcome).resolves.toEqual({ approved: true });
    });

    it('refuses a token whose wait timed out, or that nothing ever waited for, with TaskNoLongerWaitingError', async () => {
      const { callbacks, waitingTask, timeOut } = subject();
      const task = waitingTask();
      task.outcome.catch(() => {});
      await timeOut(task.token);

      await expect(callbacks.sendTaskSuccess(task.token, { approved: true })).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
      await expect(callbacks.sendTaskSuccess(UNKNOWN_TOKEN, { approved: true })).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
      await expect(task.outcome).rejects.toMatchObject({ name: 'States.Timeout' });
    });
  });
}
