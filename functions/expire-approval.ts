/**
 * ExpireApproval: the wait for an approval timed out (the state machine's Catch on States.Timeout).
 * The state machine knows its execution and the stage, not the link: every pending request of that
 * execution and stage becomes expired, so its link shows "expired" and can no longer decide.
 */
import { z } from 'zod';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import type { ApprovalStore } from '../src/ports/approval-store';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';

const ExpireApprovalEvent = z.object({
  executionArn: z.string().min(1),
  stage: z.enum(['staging', 'production']),
});

export interface ExpireApprovalDeps {
  store: () => ApprovalStore;
  now?: () => Date;
}

export function createHandler(deps: ExpireApprovalDeps) {
  const now = deps.now ?? (() => new Date());
  return taskHandler(async (event: unknown) => {
    const { executionArn, stage } = parseEvent(ExpireApprovalEvent, event);
    const expired = await deps.store().expirePendingFor(executionArn, stage, now().toISOString());
    return { expired: expired.map((r) => r.idHash), count: expired.length };
  });
}

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE') })),
});
