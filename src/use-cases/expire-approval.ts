/**
 * Expire an approval: the wait for it timed out. The state machine knows its execution and the stage,
 * not the link: every pending request of that execution and stage becomes expired, so its link says
 * "expired" and can no longer decide.
 */
import type { ApprovalStage } from '../core/approval';
import type { ApprovalStore } from '../ports/approval-store';

export async function expireApproval(
  deps: { store: ApprovalStore; now: Date },
  input: { executionArn: string; stage: ApprovalStage },
): Promise<{ expired: string[]; count: number }> {
  const expired = await deps.store.expirePendingFor(input.executionArn, input.stage, deps.now.toISOString());
  return { expired: expired.map((r) => r.idHash), count: expired.length };
}
