/**
 * `.waitForTaskToken` for the twin (aws-local-stepfunctions does not run it). A waiting task gets a
 * fresh opaque token; SendTaskSuccess / SendTaskFailure record the outcome in SQLite, so a decision
 * made from another process (`mlops approve` while `mlops up` runs) reaches the waiting execution too.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { PipelineError } from '../../src/core/errors';
import { TaskNoLongerWaitingError } from '../../src/ports/errors';
import SEND_TASK_ERRORS from '../../test/fixtures/aws/sfn-send-task-errors.json';
import type { TaskCallbacks } from '../../src/ports/task-callbacks';
import type { Json } from './definitions';
import { StatesError, TaskFailure } from './errors';

/** Step Functions' documented answer names (test/fixtures/aws/sfn-send-task-errors.json): the twin answers only with these. */
function documented(name: string): string {
  if (!SEND_TASK_ERRORS.errors.some((e) => e.name === name && e.noLongerWaiting)) throw new Error(`${name} is not a documented SendTask* error`);
  return name;
}
/** "The task token has either expired or the task associated with the token has already been closed." */
const TASK_TIMED_OUT = documented('TaskTimedOut');
const TASK_DOES_NOT_EXIST = documented('TaskDoesNotExist');

/** Settled tokens are kept this long (for `mlops executions` and late clicks), then deleted at the next start. */
export const SETTLED_TOKEN_RETENTION_MS = 30 * 24 * 3600_000;

/**
 * The twin is not running the execution that waits for this token (the process that ran it stopped):
 * the decision cannot reach it now. Not a Step Functions answer (on AWS the execution outlives any
 * process); the decision stays recorded and goes to the execution `mlops up` resumes.
 */
export class ExecutionNotRunningError extends PipelineError {
  override readonly name = 'ExecutionNotRunningError' as const;
  constructor(readonly executionArn: string) {
    super(`the twin is not running ${executionArn} now: the decision is kept and goes to the deployment \`mlops up\` resumes`);
  }
}

/** What `$$.Task.Token` reads in the twin's context; the resolver swaps it for a real token. */
export const TASK_TOKEN_PLACEHOLDER = '__local_task_token__';

interface Row {
  token: string;
  execution_arn: string;
  state_name: string;
  status: 'waiting' | 'succeeded' | 'failed' | 'timed_out';
  output: string | null;
  error: string | null;
  cause: string | null;
}

export class LocalTaskTokens implements TaskCallbacks {
  private readonly events = new EventEmitter();
  private readonly stops = new Set<() => void>();

  constructor(
    private readonly db: Database.Database,
    private readonly pollMs = 500,
  ) {
    this.events.setMaxListeners(0);
  }

  /**
   * Tokens still waiting for an execution that no longer runs (a twin stopped while it waited): settled as
   * timed out, so a late SendTaskSuccess hears TaskTimedOut, as AWS answers for a closed task. Run after the
   * executions' own recovery; returns how many.
   */
  recover(now = new Date()): number {
    const closed = this.db
      .prepare(
        `UPDATE sfn_task_tokens SET status = 'timed_out', settled_at = ?
         WHERE status = 'waiting' AND execution_arn IN (SELECT execution_arn FROM sfn_executions WHERE status != 'RUNNING')`,
      )
      .run(now.toISOString()).changes;
    // Abandoned tokens do not pile up: settled ones past the retention go.
    this.db.prepare(`DELETE FROM sfn_task_tokens WHERE status != 'waiting' AND settled_at < ?`).run(new Date(now.getTime() - SETTLED_TOKEN_RETENTION_MS).toISOString());
    return closed;
  }

  /** Stops every wait (the twin is closing). */
  close(): void {
    for (const stop of [...this.stops]) stop();
  }

  issue(executionArn: string, stateName: string): string {
    const token = randomBytes(48).toString('base64url');
    this.db
      .prepare(`INSERT INTO sfn_task_tokens (token, execution_arn, state_name, status, created_at) VALUES (?, ?, ?, 'waiting', ?)`)
      .run(token, executionArn, stateName, new Date().toISOString());
    return token;
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    this.settle(taskToken, { status: 'succeeded', output: JSON.stringify(output) });
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    this.settle(taskToken, { status: 'failed', error, cause });
  }

  private settle(token: string, result: { status: Row['status']; output?: string; error?: string; cause?: string }): void {
    const row = this.db.prepare(`SELECT status, execution_arn FROM sfn_task_tokens WHERE token = ?`).get(token) as Pick<Row, 'status' | 'execution_arn'> | undefined;
    // A closed task (completed, timed out) is TaskTimedOut, as Step Functions answers; an unknown token TaskDoesNotExist.
    if (!row) throw new TaskNoLongerWaitingError(TASK_DOES_NOT_EXIST);
    if (row.status !== 'waiting') throw new TaskNoLongerWaitingError(TASK_TIMED_OUT);
    if (!this.runsNow(row.execution_arn)) throw new ExecutionNotRunningError(row.execution_arn);
    const { changes } = this.db
      .prepare(`UPDATE sfn_task_tokens SET status = ?, output = ?, error = ?, cause = ?, settled_at = ? WHERE token = ? AND status = 'waiting'`)
      .run(result.status, result.output ?? null, result.error ?? null, result.cause ?? null, new Date().toISOString(), token);
    if (changes === 0) throw new TaskNoLongerWaitingError(TASK_TIMED_OUT);
    this.events.emit(token);
  }

  /**
   * Whether a twin process runs the execution now. A token settled for an execution nobody runs would
   * be lost when `mlops up` resumes it from its input (the decision made while the twin was down).
   * Tokens of executions the executor does not record (the contract suite's) count as running.
   */
  private runsNow(executionArn: string): boolean {
    const execution = this.db.prepare(`SELECT status, owner_pid FROM sfn_executions WHERE execution_arn = ?`).get(executionArn) as
      | { status: string; owner_pid: number | null }
      | undefined;
    if (!execution) return true;
    if (execution.status !== 'RUNNING') return false;
    return execution.owner_pid === null || execution.owner_pid === process.pid || processAlive(execution.owner_pid);
  }

  /** Resolves with the output SendTaskSuccess gave, rejects with SendTaskFailure's error, or times out. */
  wait(token: string, timeoutMs: number): Promise<Json> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        const row = this.db.prepare(`SELECT * FROM sfn_task_tokens WHERE token = ?`).get(token) as Row;
        if (row.status === 'waiting') return false;
        cleanup();
        if (row.status === 'succeeded') resolve(JSON.parse(row.output ?? 'null'));
        else if (row.status === 'failed') reject(new TaskFailure(row.error ?? 'TaskFailed', row.cause ?? ''));
        else reject(new StatesError('States.Timeout', 'the task timed out waiting for its token'));
        return true;
      };
      const check = () => void finish();
      const poll = setInterval(check, this.pollMs);
      poll.unref();
      const timeout = setTimeout(() => {
        this.db.prepare(`UPDATE sfn_task_tokens SET status = 'timed_out', settled_at = ? WHERE token = ? AND status = 'waiting'`).run(new Date().toISOString(), token);
        check();
      }, Math.min(timeoutMs, 2 ** 31 - 1));
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timeout);
        this.events.off(token, check);
        this.stops.delete(stop);
      };
      // Closing the twin abandons the wait; the execution is marked aborted and resumed at the next start.
      const stop = () => {
        cleanup();
        reject(new StatesError('States.Aborted', 'the local twin stopped while the task waited for its token'));
      };
      this.stops.add(stop);
      this.events.on(token, check);
      finish();
    });
  }
}

/** Replaces the placeholder token wherever the Parameters put it. */
export function withToken(value: Json, token: string): Json {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withToken(v, token));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
  return value;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
