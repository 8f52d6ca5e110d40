/**
 * Approval requests in the twin's SQLite file. A decision is one conditional UPDATE (pending and not
 * expired at the decision's time), so a double click, a replay or a late click cannot decide twice:
 * the loser reads the row back and gets an ApprovalConflictError saying what happened instead. Its
 * delivery to Step Functions is claimed the same way (one conditional UPDATE on the delivery columns).
 * The twin's task tokens are local and stay plain in `task_token`.
 */
import type Database from 'better-sqlite3';
import {
  DELIVERY_LEASE_MS,
  conflictMessage,
  newDelivery,
  type ApprovalDecision,
  type ApprovalDelivery,
  type ApprovalRequest,
  type ApprovalStage,
  type ApprovalStatus,
  type DeliveryState,
} from '../../src/core/approval';
import { ApprovalConflictError, ApprovalNotFoundError } from '../../src/core/errors';
import type { ApprovalStore } from '../../src/ports/approval-store';

interface Row {
  id_hash: string;
  task_token: string;
  execution_arn: string;
  stage: ApprovalStage;
  model_package_arn: string;
  report_uri: string;
  evidence: string;
  created_at: string;
  expires_at: string;
  status: ApprovalStatus;
  decided_by: string | null;
  decided_at: string | null;
  decided_from: string | null;
  decision_comment: string | null;
  expired_at: string | null;
  delivery_state: DeliveryState | null;
  delivery_attempts: number;
  delivery_claimed_until: string | null;
  delivery_last_attempt_at: string | null;
  delivery_last_error: string | null;
  delivered_at: string | null;
  delivery_carried_to: string | null;
  sent_to: string | null;
}

/** The delivery columns of a row, in UPDATE/INSERT order. */
function deliveryColumns(d: ApprovalDelivery | undefined): Array<string | number | null> {
  return [
    d?.state ?? null,
    d?.attempts ?? 0,
    d ? iso(d.claimedUntil, 'delivery.claimedUntil') : null,
    d?.lastAttemptAt ? iso(d.lastAttemptAt, 'delivery.lastAttemptAt') : null,
    d?.lastError ?? null,
    d?.deliveredAt ? iso(d.deliveredAt, 'delivery.deliveredAt') : null,
    d?.carriedTo ?? null,
  ];
}
const DELIVERY_SET = `delivery_state = ?, delivery_attempts = ?, delivery_claimed_until = ?, delivery_last_attempt_at = ?,
  delivery_last_error = ?, delivered_at = ?, delivery_carried_to = ?`;


/** ISO 8601 in one fixed-width form (`toISOString`), so stored times compare as strings. */
function iso(value: string, what: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} ${JSON.stringify(value)} is not an ISO 8601 time`);
  return new Date(ms).toISOString();
}

function toRequest(row: Row): ApprovalRequest {
  const request: ApprovalRequest = {
    idHash: row.id_hash,
    taskToken: row.task_token,
    executionArn: row.execution_arn,
    stage: row.stage,
    modelPackageArn: row.model_package_arn,
    reportUri: row.report_uri,
    evidence: JSON.parse(row.evidence),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
  };
  if ((row.status === 'approved' || row.status === 'rejected') && row.decided_by !== null && row.decided_at !== null) {
    request.decision = {
      status: row.status,
      by: row.decided_by,
      at: row.decided_at,
      from: row.decided_from ?? '',
      ...(row.decision_comment === null ? {} : { comment: row.decision_comment }),
    };
  }
  if (row.expired_at !== null) request.expiredAt = row.expired_at;
  if (row.delivery_state !== null) {
    request.delivery = {
      state: row.delivery_state,
      attempts: row.delivery_attempts,
      claimedUntil: row.delivery_claimed_until ?? new Date(0).toISOString(),
      ...(row.delivery_last_attempt_at === null ? {} : { lastAttemptAt: row.delivery_last_attempt_at }),
      ...(row.delivery_last_error === null ? {} : { lastError: row.delivery_last_error }),
      ...(row.delivered_at === null ? {} : { deliveredAt: row.delivered_at }),
      ...(row.delivery_carried_to === null ? {} : { carriedTo: row.delivery_carried_to }),
    };
  }
  if (row.sent_to !== null) request.sentTo = JSON.parse(row.sent_to);
  return request;
}

/** Re-exported for callers that imported it from here. */
export { conflictMessage };

export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: Database.Database) {}

  async create(request: ApprovalRequest): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO approval_requests (id_hash, task_token, execution_arn, stage, model_package_arn, report_uri, evidence,
           created_at, expires_at, status, decided_by, decided_at, decided_from, decision_comment, expired_at,
           delivery_state, delivery_attempts, delivery_claimed_until, delivery_last_attempt_at, delivery_last_error, delivered_at,
           delivery_carried_to, sent_to)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        request.idHash,
        request.taskToken,
        request.executionArn,
        request.stage,
        request.modelPackageArn,
        request.reportUri,
        JSON.stringify(request.evidence),
        iso(request.createdAt, 'createdAt'),
        iso(request.expiresAt, 'expiresAt'),
        request.status,
        request.decision?.by ?? null,
        request.decision ? iso(request.decision.at, 'decision.at') : null,
        request.decision?.from ?? null,
        request.decision?.comment ?? null,
        request.expiredAt ? iso(request.expiredAt, 'expiredAt') : null,
        ...deliveryColumns(request.delivery),
        request.sentTo ? JSON.stringify(request.sentTo) : null,
      );
  }

  async get(idHash: string): Promise<ApprovalRequest | undefined> {
    return this.read(idHash);
  }

  async decide(idHash: string, decision: ApprovalDecision): Promise<ApprovalRequest> {
    const at = iso(decision.at, 'decision.at');
    const { changes } = this.db
      .prepare(
        `UPDATE approval_requests
            SET status = ?, decided_by = ?, decided_at = ?, decided_from = ?, decision_comment = ?, ${DELIVERY_SET}
          WHERE id_hash = ? AND status = 'pending' AND expires_at > ?`,
      )
      .run(decision.status, decision.by, at, decision.from, decision.comment ?? null, ...deliveryColumns(newDelivery(at)), idHash, at);
    const request = this.read(idHash);
    if (!request) throw new ApprovalNotFoundError();
    if (changes === 0) throw new ApprovalConflictError(request, conflictMessage(request, at));
    return request;
  }

  async expire(idHash: string, at: string): Promise<ApprovalRequest> {
    this.db.prepare(`UPDATE approval_requests SET status = 'expired', expired_at = ? WHERE id_hash = ? AND status = 'pending'`).run(iso(at, 'at'), idHash);
    const request = this.read(idHash);
    if (!request) throw new ApprovalNotFoundError();
    return request;
  }

  async expirePendingFor(executionArn: string, stage: ApprovalStage, at: string): Promise<ApprovalRequest[]> {
    const rows = this.db
      .prepare(
        `UPDATE approval_requests SET status = 'expired', expired_at = ?
          WHERE execution_arn = ? AND stage = ? AND status = 'pending'
         RETURNING *`,
      )
      .all(iso(at, 'at'), executionArn, stage) as Row[];
    return rows.map(toRequest).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async claimDelivery(idHash: string, at: string, until: string): Promise<ApprovalRequest | undefined> {
    const { changes } = this.db
      .prepare(
        `UPDATE approval_requests
            SET delivery_claimed_until = ?, delivery_attempts = delivery_attempts + 1, delivery_last_attempt_at = ?
          WHERE id_hash = ? AND delivery_state = 'pending' AND (delivery_claimed_until <= ? OR delivery_claimed_until > ?)`,
      )
      // Free when its lease is over, or when it ends beyond any lease (core isClaimFree).
      .run(iso(until, 'until'), iso(at, 'at'), idHash, iso(at, 'at'), new Date(Date.parse(at) + DELIVERY_LEASE_MS).toISOString());
    return changes === 0 ? undefined : this.read(idHash);
  }

  async recordDelivery(idHash: string, delivery: ApprovalDelivery): Promise<ApprovalRequest> {
    this.db.prepare(`UPDATE approval_requests SET ${DELIVERY_SET} WHERE id_hash = ?`).run(...deliveryColumns(delivery), idHash);
    const request = this.read(idHash);
    if (!request) throw new ApprovalNotFoundError();
    return request;
  }

  async attachTaskToken(idHash: string, taskToken: string): Promise<ApprovalRequest | undefined> {
    const { changes } = this.db
      .prepare(
        `UPDATE approval_requests SET task_token = ?, delivery_state = 'pending', delivery_claimed_until = ?
          WHERE id_hash = ? AND delivery_state = 'awaiting-task'`,
      )
      .run(taskToken, new Date(0).toISOString(), idHash);
    return changes === 0 ? undefined : this.read(idHash);
  }

  async listUndelivered(): Promise<ApprovalRequest[]> {
    const rows = this.db.prepare(`SELECT * FROM approval_requests WHERE delivery_state = 'pending' ORDER BY created_at, rowid`).all() as Row[];
    return rows.map(toRequest);
  }

  async listForExecution(executionArn: string): Promise<ApprovalRequest[]> {
    const rows = this.db.prepare(`SELECT * FROM approval_requests WHERE execution_arn = ? ORDER BY created_at, rowid`).all(executionArn) as Row[];
    return rows.map(toRequest);
  }

  async listPending(): Promise<ApprovalRequest[]> {
    const rows = this.db.prepare(`SELECT * FROM approval_requests WHERE status = 'pending' ORDER BY created_at DESC, rowid DESC`).all() as Row[];
    return rows.map(toRequest);
  }

  private read(idHash: string): ApprovalRequest | undefined {
    const row = this.db.prepare(`SELECT * FROM approval_requests WHERE id_hash = ?`).get(idHash) as Row | undefined;
    return row && toRequest(row);
  }
}
