/**
 * Monitoring history (checks and retraining decisions) in the twin's SQLite file. A check is keyed by
 * (at, stage) and a decision by (at, stage or '-'), as the DynamoDB adapter keys them: appending the
 * same one again, as a retried task does, replaces it instead of counting it twice.
 */
import type Database from 'better-sqlite3';
import type { CheckOutcome, Criterion, Stage } from '../../src/core/monitoring-policy';
import type { DecisionRecord, MonitoringCheck, MonitoringStore } from '../../src/ports/monitoring-store';


interface CheckRow {
  at: string;
  stage: Stage;
  outcome: CheckOutcome;
  loss: number | null;
  threshold: number | null;
  endpoint: string | null;
  windows: number | null;
  rmse: number | null;
  detail: string | null;
  criterion: Criterion | null;
  naive_loss: number | null;
  skill: number | null;
  max_skill: number | null;
  approved_loss: number | null;
  approved_loss_factor: number | null;
}

interface DecisionRow {
  at: string;
  stage: Stage | null;
  retrain: 0 | 1;
  reason: string;
  consecutive_breaches: number;
  training_execution_arn: string | null;
}

/** ISO 8601 in one fixed-width form (`toISOString`), so stored times sort as strings. */
export function normalizeTime(value: string, what = 'at'): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} ${JSON.stringify(value)} is not an ISO 8601 time`);
  return new Date(ms).toISOString();
}

/** SQLite keeps NaN as NULL anyway; say so explicitly, and keep infinities out too. */
const finiteOrNull = (n: number | undefined): number | null => (n !== undefined && Number.isFinite(n) ? n : null);

/** Copies only the fields that are set, so a check reads back equal to what was appended. */
function present<T extends object>(fields: { [K in keyof T]: T[K] | null }): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Partial<T>;
}

function toCheck(row: CheckRow): MonitoringCheck {
  return {
    at: row.at,
    stage: row.stage,
    outcome: row.outcome,
    ...present<Omit<MonitoringCheck, 'at' | 'stage' | 'outcome'>>({
      loss: row.loss,
      threshold: row.threshold,
      endpoint: row.endpoint,
      windows: row.windows,
      rmse: row.rmse,
      detail: row.detail,
      criterion: row.criterion,
      naiveLoss: row.naive_loss,
      skill: row.skill,
      maxSkill: row.max_skill,
      approvedLoss: row.approved_loss,
      approvedLossFactor: row.approved_loss_factor,
    }),
  };
}

function toDecision(row: DecisionRow): DecisionRecord {
  return {
    at: row.at,
    retrain: row.retrain === 1,
    reason: row.reason,
    consecutiveBreaches: row.consecutive_breaches,
    ...present<Pick<DecisionRecord, 'stage' | 'trainingExecutionArn'>>({ stage: row.stage, trainingExecutionArn: row.training_execution_arn }),
  };
}

export class SqliteMonitoringStore implements MonitoringStore {
  constructor(private readonly db: Database.Database) {}

  async appendCheck(check: MonitoringCheck): Promise<void> {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO monitoring_checks (at, stage, outcome, loss, threshold, endpoint, windows, rmse, detail, criterion, naive_loss, skill, max_skill,
           approved_loss, approved_loss_factor)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        normalizeTime(check.at),
        check.stage,
        check.outcome,
        finiteOrNull(check.loss),
        finiteOrNull(check.threshold),
        check.endpoint ?? null,
        check.windows ?? null,
        finiteOrNull(check.rmse),
        check.detail ?? null,
        check.criterion ?? null,
        finiteOrNull(check.naiveLoss),
        finiteOrNull(check.skill),
        finiteOrNull(check.maxSkill),
        finiteOrNull(check.approvedLoss),
        finiteOrNull(check.approvedLossFactor),
      );
  }

  async recentChecks(limit: number): Promise<MonitoringCheck[]> {
    const rows = this.db
      .prepare(`SELECT * FROM monitoring_checks ORDER BY at DESC, stage DESC LIMIT ?`)
      .all(positive(limit)) as CheckRow[];
    return rows.reverse().map(toCheck);
  }

  async appendDecision(record: DecisionRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO monitoring_decisions (at, stage_key, stage, retrain, reason, consecutive_breaches, training_execution_arn)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        normalizeTime(record.at),
        record.stage ?? '-',
        record.stage ?? null,
        record.retrain ? 1 : 0,
        record.reason,
        record.consecutiveBreaches,
        record.trainingExecutionArn ?? null,
      );
  }

  async recentDecisions(limit: number): Promise<DecisionRecord[]> {
    const rows = this.db
      .prepare(`SELECT * FROM monitoring_decisions ORDER BY at DESC, stage_key DESC LIMIT ?`)
      .all(positive(limit)) as DecisionRow[];
    return rows.reverse().map(toDecision);
  }
}

function positive(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit ${limit} must be a whole number, 1 or more`);
  return limit;
}
