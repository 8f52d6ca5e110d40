import type { ApprovalDecision, ApprovalRequest, ApprovalStage } from '../core/approval';

/** Approval requests, keyed by the hash of the link's id (the id itself is never stored). */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(idHash: string): Promise<ApprovalRequest | undefined>;
  /**
   * Records a decision only if the request is still pending and not expired at `decision.at`: one
   * conditional update, so a double click or a replay cannot decide twice. Throws ApprovalConflictError
   * (with the request as it stands) otherwise, ApprovalNotFoundError for an unknown hash.
   */
  decide(idHash: string, decision: ApprovalDecision): Promise<ApprovalRequest>;
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
