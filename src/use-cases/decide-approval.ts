/**
 * Decide an approval: one conditional decision in the store, then the task callback that lets the
 * pipeline go on (SendTaskSuccess, or SendTaskFailure with ApprovalRejected). The approval API, `mlops
 * approve/reject` and `--auto-approve` all decide through it. A second click, a replay or an expired
 * link changes nothing and says why.
 */
import { APPROVAL_REJECTED, hashApprovalId, type ApprovalRequest } from '../core/approval';
import type { ApprovalStore } from '../ports/approval-store';
import type { TaskCallbacks } from '../ports/task-callbacks';

const MAX_APPROVER = 200;
/** The callbacks' error name when nothing waits for the token any more (ports/errors TaskNoLongerWaitingError). */
const NO_LONGER_WAITING = 'TaskNoLongerWaitingError';

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
}

export type ApprovalOutcome =
  | { kind: 'done'; request: ApprovalRequest }
  /** Already decided, or expired: the store kept the request as it stands. */
  | { kind: 'conflict'; request: ApprovalRequest; message: string }
  /** Recorded, but the pipeline had stopped waiting (timed out, stopped or completed). */
  | { kind: 'not-waiting'; request: ApprovalRequest }
  | { kind: 'not-found' };

/** The approver as recorded: one line of at most 200 characters, or "anonymous". */
export function approverName(typed: string): string {
  const name = typed.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_APPROVER);
  return name || 'anonymous';
}

export async function decideApproval(deps: DecideApprovalDeps, input: DecideApprovalInput): Promise<ApprovalOutcome> {
  const at = deps.now.toISOString();
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
    if (name === 'ApprovalConflictError') return { kind: 'conflict', request: (error as { request: ApprovalRequest }).request, message };
    throw error;
  }
  const decision = request.decision!;
  try {
    if (request.status === 'approved') {
      await deps.callbacks.sendTaskSuccess(request.taskToken, { approved: true, stage: request.stage, decidedBy: decision.by, decidedAt: decision.at });
    } else {
      await deps.callbacks.sendTaskFailure(request.taskToken, APPROVAL_REJECTED, `rejected by ${decision.by} at ${decision.at}`);
    }
  } catch (error) {
    if ((error as Error).name !== NO_LONGER_WAITING) throw error;
    return { kind: 'not-waiting', request };
  }
  return { kind: 'done', request };
}
