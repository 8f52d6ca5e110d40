/**
 * RedeliverDecisions: the scheduled sweep (EventBridge, every few minutes). Every approval decision that
 * was recorded but has not reached Step Functions (its SendTaskSuccess / SendTaskFailure failed and
 * nobody clicked again) is sent again, as it was recorded: src/use-cases/redeliver-decisions.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { SsmTaskTokenVault, taskTokenPath } from '../src/adapters/aws/ssm-task-token-vault';
import { SfnTaskCallbacks } from '../src/adapters/aws/sfn-task-callbacks';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { TaskCallbacks } from '../src/ports/task-callbacks';
import { redeliverDecisions } from '../src/use-cases/redeliver-decisions';
import { once, requireEnv, taskHandler } from './lib/middleware';

/** An EventBridge scheduled event, or a hand-made `{}`: nothing in it is read. */
const ScheduledEvent = z.object({}).passthrough();

export interface RedeliverDecisionsDeps {
  store: () => ApprovalStore;
  callbacks: () => TaskCallbacks;
  now?: () => Date;
  logger: Logger;
}

export function createHandler(deps: RedeliverDecisionsDeps) {
  const now = deps.now ?? (() => new Date());
  return taskHandler({ schema: ScheduledEvent, logger: deps.logger }, async () => {
    const result = await redeliverDecisions({ store: deps.store(), callbacks: deps.callbacks(), now: now() });
    const counts = { delivered: result.delivered.length, notWaiting: result.notWaiting.length, failed: result.failed.length, busy: result.busy.length };
    if (counts.failed > 0) deps.logger.warn('decisions still undelivered', { ...counts, failed: result.failed });
    else deps.logger.info('undelivered decisions swept', counts);
    return result;
  });
}

/** Task tokens live encrypted in SSM, the table keeps a reference (src/adapters/aws/ssm-task-token-vault). */
const tokenVault = once(() => new SsmTaskTokenVault({ path: taskTokenPath(requireEnv('APPROVAL_TABLE')) }));

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE'), tokenVault: tokenVault() })),
  callbacks: once(() => new SfnTaskCallbacks({ tokenVault: tokenVault() })),
  logger: new Logger(),
});
