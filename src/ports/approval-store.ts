import type { ApprovalDecision, ApprovalDelivery, ApprovalRequest, ApprovalStage } from '../core/approval';

/** Approval requests, keyed by the hash of the link's id (the id itself is never stored). */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(idHash: string): Promise<ApprovalRequest | undefined>;
  /**
   * Records a decision only if the request is still pending and not expired at `decision.at`: one
   * conditional update, so a double click or a replay cannot decide twice. The decision's delivery
   * starts `pending`, claimed by the caller for DELIVERY_LEASE_MS (core `newDelivery`). Throws
   * ApprovalConflictError (with the request as it stands) otherwise, ApprovalNotFoundError for an
   * unknown hash.
   */
  decide(idHash: string, decision: ApprovalDecision): Promise<ApprovalRequest>;
  /**
   * Takes the delivery of a recorded decision: only if it is `pending` and nobody holds it at `at`
   * (its `claimedUntil` is at or before `at`); then it is held until `until` and counts one more
   * attempt. Undefined when it cannot be taken (someone else is delivering it, or it is settled).
   */
  claimDelivery(idHash: string, at: string, until: string): Promise<ApprovalRequest | undefined>;
  /** Sets how far a decision got (delivered, not-waiting, a failed attempt released, carried). */
  recordDelivery(idHash: string, delivery: ApprovalDelivery): Promise<ApprovalRequest>;
  /**
   * Gives a carried decision (delivery `awaiting-task`) the token of the wait that resumes it; its
   * delivery becomes `pending` and free. Undefined when it was not awaiting a task.
   */
  attachTaskToken(idHash: string, taskToken: string): Promise<ApprovalRequest | undefined>;
  /** Decisions recorded but not yet delivered (delivery `pending`), oldest request first: what the sweep sends. */
  listUndelivered(): Promise<ApprovalRequest[]>;
  /** Every request of an execution (any status), oldest first: what a resumed execution carries over. */
  listForExecution(executionArn: string): Promise<ApprovalRequest[]>;
  /** Marks a pending request expired (the wait timed out). Returns it as it stands afterwards. */
  expire(idHash: string, at: string): Promise<ApprovalRequest>;
  /**
   * Marks expired every pending request of an execution's wait for a stage (the state machine knows the
   * execution, not the link: the wait timed out). Returns the requests it expired, none when none was pending.
   */
  expirePendingFor(executionArn: string, stage: ApprovalStage, at: string): Promise<ApprovalRequest[]>;
  /**
   * The requests whose status is still pending (newest first): the dashboard and `mlops approve` list
   * them. A pending request past its expiry is listed too; `effectiveStatus` says it has expired.
   */
  listPending(): Promise<ApprovalRequest[]>;
}
