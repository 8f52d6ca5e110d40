/**
 * Deliver a recorded decision to Step Functions, exactly once: the decision is already in the store
 * (delivery `pending`); whoever holds its delivery claim sends it (SendTaskSuccess, or SendTaskFailure
 * with ApprovalRejected) and records how it went. A failed send releases the claim and leaves the
 * decision pending, so a second click or the scheduled sweep sends the same decision again; an answer
 * that nothing waits any more (TaskTimedOut, TaskDoesNotExist, InvalidToken) settles it as `not-waiting`.
 */
import { APPROVAL_REJECTED, DELIVERY_LEASE_MS, UNCLAIMED, type ApprovalRequest } from '../core/approval';
import type { ApprovalStore } from '../ports/approval-store';
import type { TaskCallbacks } from '../ports/task-callbacks';

/** The callbacks' error name when nothing waits for the token any more (ports/errors TaskNoLongerWaitingError). */
const NO_LONGER_WAITING = 'TaskNoLongerWaitingError';

export interface DeliverDecisionDeps {
  store: ApprovalStore;
  callbacks: TaskCallbacks;
  now: Date;
}

export type DeliveryResult =
  | { kind: 'delivered'; request: ApprovalRequest }
  /** Step Functions no longer waits for it: `reason` is its error name (TaskTimedOut, ...). */
  | { kind: 'not-waiting'; request: ApprovalRequest; reason: string }
  /** The send failed (throttling, access denied, network): still pending, free for the next try. */
  | { kind: 'failed'; request: ApprovalRequest; error: string }
  /** Someone else holds the delivery, or it is no longer pending: nothing sent. */
  | { kind: 'busy'; request: ApprovalRequest };

/** Takes the delivery's claim, then sends; `busy` when the claim cannot be taken. */
export async function redeliverDecision(deps: DeliverDecisionDeps, request: ApprovalRequest): Promise<DeliveryResult> {
  const at = deps.now.toISOString();
  const claimed = await deps.store.claimDelivery(request.idHash, at, new Date(deps.now.getTime() + DELIVERY_LEASE_MS).toISOString());
  if (!claimed) return { kind: 'busy', request: (await deps.store.get(request.idHash)) ?? request };
  return sendClaimedDecision(deps, claimed);
}

/** Sends a decision whose delivery claim the caller holds, and records the outcome. */
export async function sendClaimedDecision(deps: DeliverDecisionDeps, request: ApprovalRequest): Promise<DeliveryResult> {
  const { decision, delivery } = request;
  if (!decision || !delivery) throw new RangeError(`request ${request.idHash} has no decision to deliver`);
  const at = deps.now.toISOString();
  try {
    if (decision.status === 'approved') {
      await deps.callbacks.sendTaskSuccess(request.taskToken, {
        approved: true,
        stage: request.stage,
        decidedBy: decision.by,
        decidedAt: decision.at,
        ...(request.sentTo ? { sentTo: request.sentTo } : {}),
      });
    } else {
      await deps.callbacks.sendTaskFailure(request.taskToken, APPROVAL_REJECTED, `rejected by ${decision.by} at ${decision.at}`);
    }
  } catch (error) {
    const { name } = error as Error;
    if (name === NO_LONGER_WAITING) {
      const reason = (error as { reason?: string }).reason ?? name;
      const settled = await deps.store.recordDelivery(request.idHash, { ...delivery, state: 'not-waiting', claimedUntil: UNCLAIMED, lastAttemptAt: at, lastError: reason });
      return { kind: 'not-waiting', request: settled, reason };
    }
    const released = await deps.store.recordDelivery(request.idHash, { ...delivery, claimedUntil: UNCLAIMED, lastAttemptAt: at, lastError: name || 'Error' });
    return { kind: 'failed', request: released, error: name || 'Error' };
  }
  const delivered = await deps.store.recordDelivery(request.idHash, { ...delivery, state: 'delivered', claimedUntil: UNCLAIMED, lastAttemptAt: at, deliveredAt: at });
  return { kind: 'delivered', request: delivered };
}
