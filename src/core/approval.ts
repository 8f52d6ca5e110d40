/**
 * Approval requests for a stage's deployment. The task token never leaves the store: the link carries
 * a random id of 128 bits or more, and only the id's SHA-256 is stored, so a leaked table or log cannot
 * be turned into a working link.
 */
import { createHash } from 'node:crypto';

export type ApprovalStage = 'staging' | 'production';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface ApprovalEvidence {
  meanWQuantileLoss: number;
  threshold: number;
  seasonalNaiveLoss: number;
  /** The loss of the model now serving in that stage, on the same points; null when none serves. */
  stageLoss: number | null;
  rmse: number;
}

export interface ApprovalDecision {
  status: 'approved' | 'rejected';
  /** Who decided (the approver's name or e-mail as given, or "cli" / "auto-approve"). */
  by: string;
  /** ISO 8601 */
  at: string;
  /** Where from (source IP, user agent, or "terminal"). */
  from: string;
  comment?: string;
}

export interface ApprovalRequest {
  idHash: string;
  taskToken: string;
  executionArn: string;
  stage: ApprovalStage;
  modelPackageArn: string;
  reportUri: string;
  evidence: ApprovalEvidence;
  /** ISO 8601 */
  createdAt: string;
  /** ISO 8601 */
  expiresAt: string;
  status: ApprovalStatus;
  decision?: ApprovalDecision;
  expiredAt?: string;
}

/** Hex SHA-256 of a link id: what the store keys requests by. */
export function hashApprovalId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** A link id from random bytes (at least 16, i.e. 128 bits), URL-safe. */
export function approvalIdFrom(randomBytes: Uint8Array): string {
  if (randomBytes.length < 16) throw new RangeError(`an approval id needs at least 16 random bytes, got ${randomBytes.length}`);
  return Buffer.from(randomBytes).toString('base64url');
}

/** What a request's state means for someone who opens its link now. */
export function effectiveStatus(request: ApprovalRequest, now: Date): ApprovalStatus {
  if (request.status === 'pending' && Date.parse(request.expiresAt) <= now.getTime()) return 'expired';
  return request.status;
}

/** Why a decision at `at` could not be recorded on this request, in words a person understands. */
export function conflictMessage(request: ApprovalRequest, at: string): string {
  const { decision } = request;
  if (decision) {
    return `this model was already ${decision.status} by ${decision.by} at ${decision.at}${decision.from ? ` from ${decision.from}` : ''}`;
  }
  if (request.status === 'expired') return `this link expired at ${request.expiredAt ?? request.expiresAt}: the pipeline stopped waiting`;
  if (Date.parse(request.expiresAt) <= Date.parse(at)) return `this link expired at ${request.expiresAt}`;
  return `this request is ${request.status}, so it cannot be decided`;
}

/** The error a rejection completes the wait with (SendTaskFailure), matched by the state machine's Catch. */
export const APPROVAL_REJECTED = 'ApprovalRejected';
