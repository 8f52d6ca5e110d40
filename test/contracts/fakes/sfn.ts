/**
 * In-memory Step Functions task tokens behind aws-sdk-client-mock: a waiting `.waitForTaskToken` task
 * ends with SendTaskSuccess (its output) or SendTaskFailure (an error named `error`, `cause` as its
 * message), once. Completing an unknown token answers TaskDoesNotExist; a token whose wait timed out
 * or that was already used answers TaskTimedOut, as Step Functions does.
 */
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';

interface Wait {
  settled: boolean;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export function fakeSfnTaskTokens() {
  const waits = new Map<string, Wait>();
  const mock = mockClient(SFNClient);
  const $metadata = { httpStatusCode: 400 };

  const settle = (taskToken: string | undefined, end: (wait: Wait) => void) => {
    const wait = waits.get(taskToken ?? '');
    if (!wait) throw new TaskDoesNotExist({ message: 'Task does not exist', $metadata });
    if (wait.settled) throw new TaskTimedOut({ message: 'Task Timed Out: Provided task does not exist anymore', $metadata });
    wait.settled = true;
    end(wait);
    return {};
  };
  mock.on(SendTaskSuccessCommand).callsFake(async ({ taskToken, output }) => settle(taskToken, (w) => w.resolve(JSON.parse(output!))));
  mock.on(SendTaskFailureCommand).callsFake(async ({ taskToken, error, cause }) =>
    settle(taskToken, (w) => w.reject(Object.assign(new Error(cause ?? ''), { name: error ?? '' }))),
  );

  return {
    client: new SFNClient({ region: 'eu-west-1' }),
    /** A task waiting for its token: the token and how its wait ends. */
    waitingTask(): { token: string; outcome: Promise<unknown> } {
      const token = randomUUID();
      const outcome = new Promise((resolve, reject) => waits.set(token, { settled: false, resolve, reject }));
      return { token, outcome };
    },
    /** The task's wait timed out: nothing waits for the token any more. */
    timeOut(token: string): void {
      const wait = waits.get(token)!;
      wait.settled = true;
      wait.reject(Object.assign(new Error('the task timed out waiting for its token'), { name: 'States.Timeout' }));
    },
    restore: () => mock.restore(),
  };
}
