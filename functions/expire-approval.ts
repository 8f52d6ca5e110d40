/** ExpireApproval: the wait for an approval timed out (the state machine's Catch on States.Timeout); src/use-cases/expire-approval. */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { SsmTaskTokenVault, taskTokenPath } from '../src/adapters/aws/ssm-task-token-vault';
import type { ApprovalStore } from '../src/ports/approval-store';
import { expireApproval } from '../src/use-cases/expire-approval';
import { once, requireEnv, taskHandler } from './lib/middleware';

const ExpireApprovalEvent = z.object({
  executionArn: z.string().min(1),
  stage: z.enum(['staging', 'production']),
});

export interface ExpireApprovalDeps {
  store: () => ApprovalStore;
  now?: () => Date;
  logger: Logger;
}

export function createHandler(deps: ExpireApprovalDeps) {
  const now = deps.now ?? (() => new Date());
  return taskHandler({ schema: ExpireApprovalEvent, logger: deps.logger }, (input) => expireApproval({ store: deps.store(), now: now() }, input));
}

/** Task tokens live encrypted in SSM, the table keeps a reference (src/adapters/aws/ssm-task-token-vault). */
const tokenVault = once(() => new SsmTaskTokenVault({ path: taskTokenPath(requireEnv('APPROVAL_TABLE')) }));

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE'), tokenVault: tokenVault() })),
  logger: new Logger(),
});
