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

/**
 * Where a recorded decision stands on its way to Step Functions. A decision is recorded first
 * (`pending`), then sent (SendTaskSuccess / SendTaskFailure), then marked: `delivered`, or `not-waiting`
 * when Step Functions answered that nothing waits for the token any more. A failed send leaves it
 * `pending`: a second click or the scheduled sweep sends it again, never a different decision.
 * `awaiting-task` is a decision carried to a resumed execution before its wait has a token; `carried`
 * is the original request of such a decision.
 */
export type DeliveryState = 'pending' | 'delivered' | 'not-waiting' | 'awaiting-task' | 'carried';

export interface ApprovalDelivery {
  state: DeliveryState;
  /** How many times the decision was sent. */
  attempts: number;
  /** ISO 8601: until then one sender holds the delivery and the others leave it alone (the epoch when free). */
  claimedUntil: string;
  /** ISO 8601 */
  lastAttemptAt?: string;
  /** The last failed send's error name, or why nothing waits any more (TaskTimedOut, ...). */
  lastError?: string;
  /** ISO 8601 */
  deliveredAt?: string;
  /** `carried`: the execution the decision was carried to. */
  carriedTo?: string;
}

/** A free claim: any sender may take it. */
export const UNCLAIMED = new Date(0).toISOString();
/** How long a sender holds a delivery: longer than one SendTask call with the SDK's retries. */
export const DELIVERY_LEASE_MS = 60_000;

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
  /** Present once decided: how far the decision got towards Step Functions. */
  delivery?: ApprovalDelivery;
  expiredAt?: string;
  /** Who the link was mailed to (the configured approvers' addresses), shown beside the typed name. */
  sentTo?: string[];
}

/** Hex SHA-256 of a link id: what the store keys requests by. */
export function hashApprovalId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * A link id from random bytes (at least 16, i.e. 128 bits), URL-safe. The first byte's top bit is cleared so
 * the id starts with a letter (A-Z, a-f), never '-' or '_': `mlops approve -bIQ…` would read it as an option.
 */
export function approvalIdFrom(randomBytes: Uint8Array): string {
  if (randomBytes.length < 16) throw new RangeError(`an approval id needs at least 16 random bytes, got ${randomBytes.length}`);
  const bytes = Buffer.from(randomBytes);
  bytes[0] &= 0x7f;
  return bytes.toString('base64url');
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
    const already = `this model was already ${decision.status} by ${decision.by} at ${decision.at}${decision.from ? ` from ${decision.from}` : ''}`;
    const delivery = request.delivery;
    if (delivery?.state === 'not-waiting') return `${already}, but ${notWaitingMessage(delivery.lastError)}`;
    if (delivery?.state === 'carried') return `${already}; the decision went on to the deployment that resumed after a restart (${delivery.carriedTo})`;
    return already;
  }
  if (request.status === 'expired') return `this link expired at ${request.expiredAt ?? request.expiresAt}: the pipeline stopped waiting`;
  if (Date.parse(request.expiresAt) <= Date.parse(at)) return `this link expired at ${request.expiresAt}`;
  return `this request is ${request.status}, so it cannot be decided`;
}

/** The error a rejection completes the wait with (SendTaskFailure), matched by the state machine's Catch. */
export const APPROVAL_REJECTED = 'ApprovalRejected';

/**
 * Whether a delivery's claim is free at `at`: its holder's lease is over, or it ends further ahead than
 * any lease could (taken on another clock: the twin's accelerated one, or a process that died mid-send).
 */
export function isClaimFree(claimedUntil: string, at: string): boolean {
  return claimedUntil <= at || Date.parse(claimedUntil) > Date.parse(at) + DELIVERY_LEASE_MS;
}

/** The delivery a decision starts with: pending, held by the one who recorded it until `at` + the lease. */
export function newDelivery(at: string): ApprovalDelivery {
  return { state: 'pending', attempts: 1, claimedUntil: new Date(Date.parse(at) + DELIVERY_LEASE_MS).toISOString(), lastAttemptAt: at };
}

/**
 * What Step Functions' answers mean for the person who decided (the SendTaskSuccess / SendTaskFailure
 * errors; test/fixtures/aws/sfn-send-task-errors.json holds the API reference's words).
 */
export const NOT_WAITING_REASONS: Readonly<Record<string, string>> = {
  TaskTimedOut: 'its wait had timed out or was already closed (Step Functions: TaskTimedOut)',
  TaskDoesNotExist: 'the wait it answers does not exist any more (Step Functions: TaskDoesNotExist)',
  InvalidToken: 'Step Functions did not accept the wait it answers as valid (InvalidToken)',
};

/** Why the pipeline was no longer waiting, in words; the raw reason when it is not one of Step Functions' names. */
export function notWaitingMessage(reason: string | undefined): string {
  const known = NOT_WAITING_REASONS[reason ?? ''];
  return `the pipeline had already stopped waiting for it: ${known ?? reason ?? 'no reason given'}`;
}

/** The request a decision made on an aborted execution's link becomes for the execution that resumes it. */
export function carriedRequest(from: ApprovalRequest, toExecutionArn: string, now: string): ApprovalRequest {
  if (!from.decision) throw new RangeError(`request ${from.idHash} has no decision to carry`);
  return {
    ...from,
    idHash: carriedRequestHash(toExecutionArn, from.stage),
    taskToken: '',
    executionArn: toExecutionArn,
    createdAt: now,
    decision: { ...from.decision, comment: `decided on the link of ${from.executionArn}, carried to the execution that resumed it` },
    delivery: { state: 'awaiting-task', attempts: 0, claimedUntil: UNCLAIMED },
  };
}

/** Where a carried decision is kept: derived from the execution and stage, so the wait's request finds it. */
export function carriedRequestHash(executionArn: string, stage: ApprovalStage): string {
  return hashApprovalId(`carried:${executionArn}:${stage}`);
}

/** The run-time parameter (under the parameter path) listing who may decide; absent or empty: anyone with the link. */
export const ALLOWED_APPROVERS_PARAMETER = 'approval/allowed-approvers';

/** The allow-list as written in the parameter: addresses separated by commas, spaces or new lines, compared without case. */
export function parseAllowedApprovers(value: string): string[] {
  return value.split(/[\s,;]+/).map((a) => a.trim().toLowerCase()).filter(Boolean);
}

/** Whether the typed approver may decide: any when the list is empty, else one of its addresses (case aside). */
export function isAllowedApprover(typed: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.includes(typed.trim().toLowerCase());
}
