import type { ApprovalDecision, ApprovalRequest } from '../core/approval';

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
  /** The requests still pending (newest first): the dashboard and `mlops approve` list them. */
  listPending(): Promise<ApprovalRequest[]>;
}
