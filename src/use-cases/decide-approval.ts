/**
 * Decide an approval: one conditional decision in the store (recorded with its delivery pending), then
 * its delivery to Step Functions (src/use-cases/deliver-decision): SendTaskSuccess, or SendTaskFailure
 * with ApprovalRejected, then marked delivered. The approval API, `mlops approve/reject` and
 * `--auto-approve` all decide through it. A second click, a replay or an expired link records nothing
 * and says why; when the decision recorded first has not reached Step Functions yet, the second click
 * delivers that decision again (never its own: a decision never flips).
 */
import { conflictMessage, hashApprovalId, isAllowedApprover, type ApprovalRequest } from '../core/approval';
import type { ApprovalStore } from '../ports/approval-store';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { redeliverDecision, sendClaimedDecision, type DeliveryResult } from './deliver-decision';

const MAX_APPROVER = 200;

export interface DecideApprovalDeps {
  store: ApprovalStore;
  callbacks: TaskCallbacks;
  now: Date;
}

export interface DecideApprovalInput {
  /** The link's id (its hash finds the request). */
  id: string;
  decision: 'approve' | 'reject';
  /** Who decides, as typed. */
  approver: string;
  /** Where from (source address and user agent, or the terminal). */
  from: string;
  /**
   * Who may decide (run-time parameter approval/allowed-approvers); empty or absent: anyone with the
   * link. The typed approver must be one of these addresses. Not authentication: it keeps a forwarded
   * link from being used by someone who does not claim to be an approver, and records who claimed.
   */
  allowedApprovers?: readonly string[];
}

export type ApprovalOutcome =
  /** Recorded and delivered: the pipeline goes on. */
  | { kind: 'done'; request: ApprovalRequest }
  /** Recorded, but the send failed (`error` names why): it stays pending and is sent again by a retry. */
  | { kind: 'pending-delivery'; request: ApprovalRequest; error: string }
  /**
   * Already decided, or expired: this request recorded nothing. When the earlier decision was still
   * undelivered, `redelivery` says what sending it again did.
   */
  | { kind: 'conflict'; request: ApprovalRequest; message: string; redelivery?: DeliveryResult['kind'] }
  /** Recorded, but Step Functions no longer waits for it (`reason`: TaskTimedOut, TaskDoesNotExist, InvalidToken). */
  | { kind: 'not-waiting'; request: ApprovalRequest; reason: string }
  | { kind: 'not-found' }
  /** The typed approver is not on the allow-list: nothing was recorded. */
  | { kind: 'not-allowed'; approver: string };

/** The approver as recorded: one line of at most 200 characters, or "anonymous". */
export function approverName(typed: string): string {
  const name = typed.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_APPROVER);
  return name || 'anonymous';
}

export async function decideApproval(deps: DecideApprovalDeps, input: DecideApprovalInput): Promise<ApprovalOutcome> {
  const at = deps.now.toISOString();
  if (!isAllowedApprover(approverName(input.approver), input.allowedApprovers ?? [])) return { kind: 'not-allowed', approver: approverName(input.approver) };
  let request: ApprovalRequest;
  try {
    request = await deps.store.decide(hashApprovalId(input.id), {
      status: input.decision === 'approve' ? 'approved' : 'rejected',
      by: approverName(input.approver),
      at,
      from: input.from,
    });
  } catch (error) {
    // By name: the error's name is the ports' contract, whichever adapter threw it.
    const { name, message } = error as Error;
    if (name === 'ApprovalNotFoundError') return { kind: 'not-found' };
    if (name === 'ApprovalConflictError') return conflict(deps, (error as { request: ApprovalRequest }).request, message);
    throw error;
  }
  // The store gave this caller the delivery's claim with the decision.
  const delivery = await sendClaimedDecision(deps, request);
  if (delivery.kind === 'delivered') return { kind: 'done', request: delivery.request };
  if (delivery.kind === 'not-waiting') return { kind: 'not-waiting', request: delivery.request, reason: delivery.reason };
  if (delivery.kind === 'failed') return { kind: 'pending-delivery', request: delivery.request, error: delivery.error };
  return { kind: 'pending-delivery', request: delivery.request, error: 'being delivered' };
}

/** A request already decided: an undelivered decision is sent again, as it was recorded. */
async function conflict(deps: DecideApprovalDeps, request: ApprovalRequest, message: string): Promise<ApprovalOutcome> {
  if (request.delivery?.state !== 'pending') return { kind: 'conflict', request, message };
  const redelivery = await redeliverDecision(deps, request);
  return { kind: 'conflict', request: redelivery.request, message: conflictMessage(redelivery.request, deps.now.toISOString()), redelivery: redelivery.kind };
}
