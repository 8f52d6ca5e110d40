/** Executions and their event history in the twin's SQLite file, shaped like Step Functions' API. */
import type Database from 'better-sqlite3';
import type { Json } from './definitions';
import { isProcessAlive } from '../process-alive';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: Json;
  output?: Json;
  error?: string;
  cause?: string;
}

export interface HistoryEvent {
  id: number;
  timestamp: string;
  type: string;
  stateName?: string;
  details: Json;
}

interface Row {
  execution_arn: string;
  state_machine_arn: string;
  name: string;
  status: ExecutionStatus;
  start_date: string;
  stop_date: string | null;
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
}

const toRecord = (r: Row): ExecutionRecord => ({
  executionArn: r.execution_arn,
  stateMachineArn: r.state_machine_arn,
  name: r.name,
  status: r.status,
  startDate: r.start_date,
  ...(r.stop_date ? { stopDate: r.stop_date } : {}),
  input: JSON.parse(r.input),
  ...(r.output !== null ? { output: JSON.parse(r.output) } : {}),
  ...(r.error !== null ? { error: r.error } : {}),
  ...(r.cause !== null ? { cause: r.cause } : {}),
});

export class ExecutionStore {
  constructor(private readonly db: Database.Database) {}

  /**
   * Executions left RUNNING by a twin process that has stopped cannot go on: they are marked ABORTED.
   * Those of a process still alive (`mlops up` while `mlops train` starts) are left alone.
   */
  abortOrphans(now: Date): string[] {
    const orphans = this.orphans();
    const abort = this.db.prepare(
      `UPDATE sfn_executions SET status = 'ABORTED', stop_date = ?, error = 'States.Aborted', cause = 'the local twin stopped while the execution ran' WHERE execution_arn = ?`,
    );
    for (const orphan of orphans) abort.run(now.toISOString(), orphan);
    return orphans;
  }

  /** ARNs of the executions still RUNNING in the store whose owner process is gone (reads only). */
  orphans(): string[] {
    const running = this.db.prepare(`SELECT execution_arn, owner_pid FROM sfn_executions WHERE status = 'RUNNING'`).all() as Array<{ execution_arn: string; owner_pid: number }>;
    return running.filter((r) => r.owner_pid !== process.pid && !isProcessAlive(r.owner_pid)).map((r) => r.execution_arn);
  }

  insert(e: ExecutionRecord): void {
    this.db
      .prepare(`INSERT INTO sfn_executions (execution_arn, state_machine_arn, name, status, start_date, input, owner_pid) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(e.executionArn, e.stateMachineArn, e.name, e.status, e.startDate, JSON.stringify(e.input), process.pid);
  }

  /** A redriven execution runs again under the same ARN, owned by this process. */
  redrive(arn: string): void {
    this.db
      .prepare(`UPDATE sfn_executions SET status = 'RUNNING', stop_date = NULL, output = NULL, error = NULL, cause = NULL, owner_pid = ? WHERE execution_arn = ?`)
      .run(process.pid, arn);
  }

  finish(arn: string, status: ExecutionStatus, stopDate: Date, result: { output?: Json; error?: string; cause?: string }): void {
    this.db
      .prepare(`UPDATE sfn_executions SET status = ?, stop_date = ?, output = ?, error = ?, cause = ? WHERE execution_arn = ?`)
      .run(status, stopDate.toISOString(), result.output === undefined ? null : JSON.stringify(result.output), result.error ?? null, result.cause ?? null, arn);
  }

  get(arn: string): ExecutionRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM sfn_executions WHERE execution_arn = ?`).get(arn) as Row | undefined;
    return row && toRecord(row);
  }

  /**
   * Newest first: by start date (the twin's clock), or with `createdLast` by the order they were created in,
   * which a restart cannot reorder (a restarted twin's clock may start behind the stopped one's).
   */
  list(filter: { stateMachineArn?: string; status?: ExecutionStatus; limit?: number; createdLast?: boolean } = {}): ExecutionRecord[] {
    const order = filter.createdLast ? 'rowid DESC' : 'start_date DESC, rowid DESC';
    const rows = this.db
      .prepare(
        `SELECT * FROM sfn_executions WHERE (@sm IS NULL OR state_machine_arn = @sm) AND (@status IS NULL OR status = @status)
         ORDER BY ${order} LIMIT @limit`,
      )
      .all({ sm: filter.stateMachineArn ?? null, status: filter.status ?? null, limit: filter.limit ?? 1000 }) as Row[];
    return rows.map(toRecord);
  }

  appendEvent(arn: string, event: Omit<HistoryEvent, 'id'>): void {
    this.db
      .prepare(
        `INSERT INTO sfn_history (execution_arn, id, timestamp, type, state_name, details)
         VALUES (?, (SELECT COALESCE(MAX(id), 0) + 1 FROM sfn_history WHERE execution_arn = ?), ?, ?, ?, ?)`,
      )
      .run(arn, arn, event.timestamp, event.type, event.stateName ?? null, JSON.stringify(event.details));
  }

  history(arn: string): HistoryEvent[] {
    const rows = this.db.prepare(`SELECT * FROM sfn_history WHERE execution_arn = ? ORDER BY id`).all(arn) as Array<{
      id: number;
      timestamp: string;
      type: string;
      state_name: string | null;
      details: string;
    }>;
    return rows.map((r) => ({ id: r.id, timestamp: r.timestamp, type: r.type, ...(r.state_name ? { stateName: r.state_name } : {}), details: JSON.parse(r.details) }));
  }
}

