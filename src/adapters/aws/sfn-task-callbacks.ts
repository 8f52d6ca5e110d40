/**
 * Completes a `.waitForTaskToken` task through Step Functions. When the execution stopped waiting (its
 * wait timed out, it was stopped, or the token was already used), Step Functions answers TaskTimedOut,
 * TaskDoesNotExist or InvalidToken: the adapter turns those into TaskNoLongerWaitingError, whose
 * `name` the approval API matches to explain what happened.
 */
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { TaskNoLongerWaitingError } from '../../ports/errors';
import type { TaskCallbacks } from '../../ports/task-callbacks';

/** Step Functions' errors meaning nothing waits for this token any more. */
const NO_LONGER_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** SendTaskFailure's limits on `error` and `cause`. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export { TaskNoLongerWaitingError };

export interface SfnTaskCallbacksOptions {
  client?: SFNClient;
}

export class SfnTaskCallbacks implements TaskCallbacks {
  private readonly client: SFNClient;

  constructor(options: SfnTaskCallbacksOptions = {}) {
    this.client = options.client ?? new SFNClient({});
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await this.complete(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.complete(new SendTaskFailureCommand({ taskToken, error: error.slice(0, MAX_ERROR), cause: cause.slice(0, MAX_CAUSE) }));
  }

  private async complete(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<void> {
    try {
      // One client.send per command type keeps the overloads happy without a cast.
      if (command instanceof SendTaskSuccessCommand) await this.client.send(command);
      else await this.client.send(command);
    } catch (error) {
      if (error instanceof Error && NO_LONGER_WAITING.has(error.name)) throw new TaskNoLongerWaitingError(error.name, { cause: error });
      throw error;
    }
  }
}
