/**
 * State machine executions as a person reads them: each run with its status, duration and failure cause,
 * and one run's states in the order they ran, each with its status, duration, retries and error. Folded
 * from the event history the executor records (StateEntered / StateExited / StateFailed / StateRetried /
 * StateCaught); nothing here changes how executions run.
 */
import type { ExecutionRecord, HistoryEvent } from '../executor/execution-store';
import { NotFoundError } from './errors';

export interface ExecutionSummary {
  name: string;
  arn: string;
  machine: string;
  status: string;
  startDate: string;
  stopDate?: string;
  /** Exact, from the recorded start and stop (on the twin's clock). */
  durationSeconds?: number;
  /** The run's own outcome: what it returned (`status: reason`) or the error that ended it. */
  outcome?: string;
  error?: string;
  cause?: string;
  /** RUNNING in the store, but the process that ran it is gone. */
  interrupted?: boolean;
}

export interface StateStep {
  name: string;
  /** Entered, then: succeeded, failed (and not caught), caught (failed, and a Catch moved on), or still running. */
  status: 'running' | 'succeeded' | 'failed' | 'caught';
  enteredAt: string;
  exitedAt?: string;
  durationSeconds?: number;
  retries: number;
  error?: string;
  cause?: string;
  /** The Map iteration or Parallel branch it ran in, when it did. */
  index?: number;
}

export interface ExecutionDetail extends ExecutionSummary {
  input: unknown;
  output?: unknown;
  /**
   * The states in order. Their times are the wall clock of the process that ran them (the executor's event
   * history), while `startDate`/`stopDate` are on the twin's clock (replayed, maybe accelerated).
   */
  states: StateStep[];
  /** From the first state entered to the last one left, wall clock. */
  statesSeconds?: number;
  /** The definition's top-level states, in the file's order, each marked when this run entered it. */
  definition: Array<{ name: string; type: string; visited: boolean }>;
}

/** `training` from `arn:...:stateMachine:btc-fee-deepar-local-training`. */
export function machineOf(stateMachineArn: string, prefix: string): string {
  return stateMachineArn.split(':').pop()!.replace(`${prefix}-`, '');
}

const seconds = (from: string, to: string | undefined): number | undefined => (to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined);

const causeText = (cause: unknown): string | undefined => (cause === undefined || cause === null ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause));

export function summaryOf(e: ExecutionRecord, prefix: string, interrupted: boolean): ExecutionSummary {
  const output = (e.output ?? {}) as { status?: unknown; reason?: unknown };
  const outcome = e.status === 'SUCCEEDED' ? [output.status, output.reason].filter((v) => typeof v === 'string' && v).join(': ') : e.error ? [e.error, e.cause].filter(Boolean).join(': ') : '';
  return {
    name: e.name,
    arn: e.executionArn,
    machine: machineOf(e.stateMachineArn, prefix),
    status: e.status,
    startDate: e.startDate,
    ...(e.stopDate ? { stopDate: e.stopDate, durationSeconds: seconds(e.startDate, e.stopDate) } : {}),
    ...(outcome ? { outcome } : {}),
    ...(e.error ? { error: e.error } : {}),
    ...(e.cause ? { cause: e.cause } : {}),
    ...(interrupted ? { interrupted: true } : {}),
  };
}

/** The states in the order they were entered, each closed by its exit or failure. */
export function statesOf(history: readonly HistoryEvent[]): StateStep[] {
  const steps: StateStep[] = [];
  const open = (name: string): StateStep | undefined => [...steps].reverse().find((s) => s.name === name && s.status === 'running' && !s.exitedAt);
  const last = (name: string): StateStep | undefined => [...steps].reverse().find((s) => s.name === name);
  for (const event of history) {
    if (!event.stateName) continue;
    const details = (event.details ?? {}) as { Error?: unknown; Cause?: unknown; index?: unknown };
    if (event.type === 'StateEntered') {
      steps.push({ name: event.stateName, status: 'running', enteredAt: event.timestamp, retries: 0, ...(typeof details.index === 'number' ? { index: details.index } : {}) });
    } else if (event.type === 'StateExited') {
      const step = open(event.stateName);
      if (step) Object.assign(step, { status: 'succeeded', exitedAt: event.timestamp, durationSeconds: seconds(step.enteredAt, event.timestamp) });
    } else if (event.type === 'StateRetried') {
      const step = last(event.stateName);
      if (step) step.retries++;
    } else if (event.type === 'StateFailed') {
      const step = open(event.stateName) ?? last(event.stateName);
      if (step) {
        const cause = causeText(details.Cause);
        Object.assign(step, { status: 'failed', exitedAt: event.timestamp, durationSeconds: seconds(step.enteredAt, event.timestamp), error: String(details.Error ?? 'States.TaskFailed'), ...(cause ? { cause } : {}) });
      }
    } else if (event.type === 'StateCaught') {
      const step = last(event.stateName);
      if (step && step.status === 'failed') step.status = 'caught';
    }
  }
  return steps;
}

export interface ExecutionsDeps {
  list(limit: number): ExecutionRecord[];
  history(arn: string): HistoryEvent[];
  /** ARNs left RUNNING by a process that is gone. */
  orphans(): string[];
  /** The definition's top-level states (name, Type), in order, by machine name. */
  definitionStates(machine: string): Array<{ name: string; type: string }>;
  prefix: string;
}

export function executionsView(deps: ExecutionsDeps, limit: number): ExecutionSummary[] {
  const orphans = new Set(deps.orphans());
  return deps.list(limit).map((e) => summaryOf(e, deps.prefix, orphans.has(e.executionArn)));
}

export function executionDetail(deps: ExecutionsDeps, name: string): ExecutionDetail {
  const record = deps.list(100_000).find((e) => e.name === name);
  if (!record) throw new NotFoundError(`no execution named ${JSON.stringify(name)}: the executions page lists them`);
  const summary = summaryOf(record, deps.prefix, deps.orphans().includes(record.executionArn));
  const states = statesOf(deps.history(record.executionArn));
  const entered = new Set(states.map((s) => s.name));
  let definition: ExecutionDetail['definition'] = [];
  try {
    definition = deps.definitionStates(summary.machine).map((s) => ({ ...s, visited: entered.has(s.name) }));
  } catch {
    // A machine the twin no longer defines: the states run are still shown.
  }
  const ends = states.map((s) => s.exitedAt).filter((t): t is string => t !== undefined).sort();
  const statesSeconds = states.length && ends.length ? seconds(states[0].enteredAt, ends[ends.length - 1]) : undefined;
  return { ...summary, input: record.input, ...(record.output !== undefined ? { output: record.output } : {}), states, ...(statesSeconds !== undefined ? { statesSeconds } : {}), definition };
}
