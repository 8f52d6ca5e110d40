/**
 * Completes a `.waitForTaskToken` task through Step Functions. When the execution stopped waiting (its
 * wait timed out, it was stopped, or the token was already used), Step Functions answers TaskTimedOut,
 * TaskDoesNotExist or InvalidToken: the adapter turns those into TaskNoLongerWaitingError, whose
 * `name` the approval API matches to explain what happened.
 */
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { TaskNoLongerWaitingError } from '../../ports/errors';
import type { TaskCallbacks } from '../../ports/task-callbacks';
import type { SsmTaskTokenVault } from './ssm-task-token-vault';

/** Step Functions' errors meaning nothing waits for this token any more. */
const NO_LONGER_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** SendTaskFailure's limits on `error` and `cause`. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export { TaskNoLongerWaitingError };

export interface SfnTaskCallbacksOptions {
  client?: SFNClient;
  /** Resolves the token references the approval table keeps (and deletes a token once it is used up). */
  tokenVault?: Pick<SsmTaskTokenVault, 'open' | 'discard'>;
}

export class SfnTaskCallbacks implements TaskCallbacks {
  private readonly client: SFNClient;
  private readonly tokenVault: SfnTaskCallbacksOptions['tokenVault'];

  constructor(options: SfnTaskCallbacksOptions = {}) {
    this.client = options.client ?? new SFNClient({});
    this.tokenVault = options.tokenVault;
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await this.complete(taskToken, (token) => new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.complete(taskToken, (token) => new SendTaskFailureCommand({ taskToken: token, error: error.slice(0, MAX_ERROR), cause: cause.slice(0, MAX_CAUSE) }));
  }

  private async complete(reference: string, command: (token: string) => SendTaskSuccessCommand | SendTaskFailureCommand): Promise<void> {
    const token = this.tokenVault ? await this.tokenVault.open(reference) : reference;
    try {
      const built = command(token);
      // One client.send per command type keeps the overloads happy without a cast.
      if (built instanceof SendTaskSuccessCommand) await this.client.send(built);
      else await this.client.send(built);
    } catch (error) {
      if (error instanceof Error && NO_LONGER_WAITING.has(error.name)) {
        await this.discard(reference);
        throw new TaskNoLongerWaitingError(error.name, { cause: error });
      }
      throw error;
    }
    // The wait is complete: the token can never be used again.
    await this.discard(reference);
  }

  /** Best effort: a token left behind is used up anyway; failing here would report a delivered decision as failed. */
  private async discard(reference: string): Promise<void> {
    await this.tokenVault?.discard(reference).catch(() => {});
  }
}
