/**
 * The twin's Step Functions: runs the definitions from statemachines/ with aws-local-stepfunctions,
 * resolving every Task's Resource to a local handler, and keeps executions and their history in SQLite
 * so `mlops executions` and the guard's ListExecutions see them.
 */
import './polyfills';
import { StateMachine } from 'aws-local-stepfunctions';
import type Database from 'better-sqlite3';
import { loadRawDefinition, resolveReferences, taskStates, type Definition, type Json, type ReferenceResolver } from './definitions';
import { StepFunctionsApiError } from './errors';
import { executionName } from './execution-names';
import { TASK_TOKEN_PLACEHOLDER } from './task-tokens';
import REDRIVE from '../../test/fixtures/aws/sfn-redrive-execution.json';
import { ExecutionStore, type ExecutionRecord, type ExecutionStatus, type HistoryEvent } from './execution-store';

/** What every definition the twin runs is checked for. */
const VALIDATION = { checkPaths: true, checkArn: true } as const;

export interface TaskContext {
  stateName: string;
  executionArn: string;
}

/** Runs one Task: its effective input (after Parameters) in, its result out; throws errors by name. */
export type TaskHandler = (input: Json, context: TaskContext) => Promise<Json>;

export interface LocalStepFunctionsOptions {
  db: Database.Database;
  service: string;
  stage: string;
  region?: string;
  accountId?: string;
  /** Resolves `Ref: LogicalId` in definitions (topics and the like). */
  ref: (logicalId: string) => string;
  /** The handler behind a resolved Task resource (a Lambda ARN, or a service integration). */
  resolveTask: (resource: string, stateName: string) => TaskHandler;
  /** Divides Wait and Retry intervals: an accelerated twin waits less. 0 waits not at all. */
  timeScale?: number;
  now?: () => Date;
}

export class LocalStepFunctions {
  /** The executions table. Only this module reads and writes it; everyone else reads `executionRecords`. */
  private readonly store: ExecutionStore;
  private readonly region: string;
  private readonly accountId: string;
  private readonly running = new Map<string, Promise<ExecutionRecord>>();
  private readonly aborts = new Map<string, () => void>();
  private closed = false;
  private readonly machines = new Map<string, Definition>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'local';
    this.accountId = options.accountId ?? '000000000000';
    this.store = new ExecutionStore(options.db);
  }

  /** Marks ABORTED the executions a twin process that has stopped left RUNNING; returns their ARNs. */
  recover(): string[] {
    return this.store.abortOrphans(this.now());
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  readonly resolver: ReferenceResolver = {
    functionArn: (fn) => `arn:aws:lambda:${this.region}:${this.accountId}:function:${this.options.service}-${this.options.stage}-${fn}`,
    ref: (id) => this.options.ref(id),
  };

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${this.options.service}-${this.options.stage}-${name}`;
  }

  /** The definition the twin runs: the file's, with references resolved. */
  definition(name: string): Definition {
    let definition = this.machines.get(name);
    if (!definition) {
      definition = resolveReferences(loadRawDefinition(name) as Json, this.resolver) as Definition;
      this.machines.set(name, definition);
    }
    return definition;
  }

  private machineName(stateMachineArn: string): string {
    const prefix = this.stateMachineArn('');
    if (!stateMachineArn.startsWith(prefix)) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return stateMachineArn.slice(prefix.length);
  }

  /** StartExecution: returns at once; `done` settles when the execution ends (it never rejects). */
  startExecution(params: { stateMachineArn: string; input?: Json; name?: string }): { executionArn: string; startDate: string; done: Promise<ExecutionRecord> } {
    const machine = this.machineName(params.stateMachineArn);
    const definition = this.definition(machine);
    const name = params.name ?? executionName(machine, this.now());
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`);
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${this.options.service}-${this.options.stage}-${machine}:${name}`;
    if (this.store.get(executionArn)) throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    const input = params.input ?? {};
    const startDate = this.now().toISOString();
    this.store.insert({ executionArn, stateMachineArn: params.stateMachineArn, name, status: 'RUNNING', startDate, input });
    const done = this.run(definition, machine, executionArn, name, input).finally(() => this.running.delete(executionArn));
    this.running.set(executionArn, done);
    return { executionArn, startDate, done };
  }

  /**
   * RedriveExecution (test/fixtures/aws/sfn-redrive-execution.json): a failed, aborted or timed-out execution
   * continues from its unsuccessful step with that step's input, under the same ARN; the steps that completed
   * are not run again, and the history goes on after an ExecutionRedriven event.
   */
  redriveExecution(params: { executionArn: string }): { redriveDate: string; done: Promise<ExecutionRecord> } {
    const record = this.describeExecution(params.executionArn);
    const notRedrivable = (why: string) => new StepFunctionsApiError(REDRIVE.rules.notRedrivableError as 'ExecutionNotRedrivable', why);
    if (!REDRIVE.rules.redrivableStatuses.includes(record.status)) throw notRedrivable(`Execution is ${record.status} and cannot be redriven.`);
    const history = this.store.history(record.executionArn);
    const unsuccessful = unsuccessfulStep(history);
    if (!unsuccessful) throw notRedrivable(`Execution ${record.executionArn} has no unsuccessful step to redrive from.`);
    const machine = this.machineName(record.stateMachineArn);
    // The same definition, entered at the step that did not complete (aws-local-stepfunctions starts only at StartAt).
    const definition = { ...this.definition(machine), StartAt: unsuccessful.stateName };
    const redriveDate = this.now().toISOString();
    this.store.redrive(record.executionArn);
    const redriveCount = history.filter((e) => e.type === REDRIVE.rules.historyEvent.type).length + 1;
    this.store.appendEvent(record.executionArn, { timestamp: redriveDate, type: REDRIVE.rules.historyEvent.type, details: { redriveCount } });
    const done = this.run(definition, machine, record.executionArn, record.name, unsuccessful.input, { redriven: true }).finally(() => this.running.delete(record.executionArn));
    this.running.set(record.executionArn, done);
    return { redriveDate, done };
  }

  private async run(definition: Definition, machine: string, executionArn: string, name: string, input: Json, options: { redriven?: boolean } = {}): Promise<ExecutionRecord> {
    // A redrive enters the definition at another state, which leaves those before it unreachable: the definition
    // whole is validated instead (as every start does).
    if (options.redriven) new StateMachine(forLocalRuntime(this.definition(machine)) as never, { validationOptions: VALIDATION });
    const stateMachine = new StateMachine(forLocalRuntime(definition) as never, { validationOptions: options.redriven ? { noValidate: true } : VALIDATION });
    const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, state] of taskStates(definition)) {
      const handler = this.options.resolveTask(String(state.Resource), stateName);
      taskResourceLocalHandlers[stateName] = (taskInput) => handler(taskInput, { stateName, executionArn });
    }
    const execution = stateMachine.run(input as never, {
      overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, ...this.scaledIntervals(definition) },
      context: {
        Execution: { Id: executionArn, Name: name },
        // One static context per execution: a `.waitForTaskToken` task swaps this for a fresh token.
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
        StateMachine: { Id: this.stateMachineArn(machine), Name: `${this.options.service}-${this.options.stage}-${machine}` },
      },
    });
    this.aborts.set(executionArn, execution.abort);
    let failure: { error: string; cause: string } | undefined;
    let status: ExecutionStatus = 'SUCCEEDED';
    const history = (async () => {
      for await (const event of execution.eventLogs) {
        const e = event as unknown as Record<string, Json> & { type: string; timestamp: number; state?: { name: string } };
        const { type, timestamp, state, ...details } = e;
        if (type === 'ExecutionFailed') failure = { error: String(e.Error), cause: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause) };
        if (type === 'ExecutionTimeout') status = 'TIMED_OUT';
        if (type === 'ExecutionAborted') status = 'ABORTED';
        if (this.closed) continue;
        // A redrive's history goes on from its ExecutionRedriven event; the library announces a start.
        if (options.redriven && type === 'ExecutionStarted') continue;
        this.store.appendEvent(executionArn, {
          timestamp: new Date(timestamp).toISOString(),
          type,
          stateName: state?.name,
          details: { ...details, ...(state ? { state: state as unknown as Json } : {}) } as Json,
        });
      }
    })();
    let output: Json | undefined;
    try {
      output = (await execution.result) as Json;
    } catch {
      if (status === 'SUCCEEDED') status = 'FAILED';
    }
    await history;
    this.aborts.delete(executionArn);
    if (failure && status === 'SUCCEEDED') status = 'FAILED';
    // Closed meanwhile: the store is gone with the twin, and close() has recorded the abort already.
    if (this.closed) return { executionArn, stateMachineArn: this.stateMachineArn(machine), name, status: 'ABORTED', startDate: '', input };
    this.store.finish(executionArn, status, this.now(), { output, error: failure?.error, cause: failure?.cause });
    return this.store.get(executionArn)!;
  }

  /** Wait and Retry pauses divided by the time scale, so an accelerated twin does not sleep in real time. */
  private scaledIntervals(definition: Definition) {
    const scale = this.options.timeScale;
    if (scale === undefined || scale === 1) return {};
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type === 'Wait' && typeof state.Seconds === 'number') waitTimeOverrides[name] = scale === 0 ? 0 : (state.Seconds * 1000) / scale;
      const retry = state.Retry as Array<{ IntervalSeconds?: number }> | undefined;
      if (retry) retryIntervalOverrides[name] = retry.map((r) => (scale === 0 ? 0 : ((r.IntervalSeconds ?? 1) * 1000) / scale));
    }
    return { waitTimeOverrides, retryIntervalOverrides };
  }

  /**
   * Stops every running execution (the twin is closing): each is marked ABORTED now, and nothing more is
   * written for it. A later start of the twin resumes what can be resumed.
   */
  close(): void {
    if (this.closed) return;
    for (const [arn, abort] of this.aborts) {
      this.store.finish(arn, 'ABORTED', this.now(), { error: 'States.Aborted', cause: 'the local twin stopped while the execution ran' });
      abort();
    }
    this.closed = true;
  }

  /** Resolves when the execution has ended. */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    const running = this.running.get(executionArn);
    if (running) return running;
    const record = this.store.get(executionArn);
    if (!record) throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  /** Resolves when every running execution has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()]);
  }

  describeExecution(executionArn: string): ExecutionRecord {
    const record = this.store.get(executionArn);
    if (!record) throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  /** ListExecutions, in the SDK's shape. */
  listExecutions(params: { stateMachineArn?: string; statusFilter?: ExecutionStatus; maxResults?: number }) {
    if (params.stateMachineArn) this.machineName(params.stateMachineArn);
    const executions = this.store.list({ stateMachineArn: params.stateMachineArn, status: params.statusFilter, limit: params.maxResults || 100 });
    return {
      executions: executions.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      })),
    };
  }

  /** Not a Step Functions action: executions newest first, with input, output and outcome, for the twin's views. */
  executionRecords(filter: { stateMachineArn?: string; status?: ExecutionStatus; limit?: number; createdLast?: boolean } = {}): ExecutionRecord[] {
    return this.store.list(filter);
  }

  history(executionArn: string): HistoryEvent[] {
    return this.store.history(executionArn);
  }
}

/**
 * The step an unsuccessful execution stopped in, with the input it entered with: the last state entered and
 * never exited (a Task waiting when the twin stopped, or the one that failed). Top-level states only.
 */
export function unsuccessfulStep(history: HistoryEvent[]): { stateName: string; input: Json } | undefined {
  let open: HistoryEvent | undefined;
  for (const event of history) {
    const details = event.details as { index?: number; state?: { input?: Json } } | null;
    if (details?.index !== undefined) continue;
    if (event.type === 'StateEntered') open = event;
    else if (event.type === 'StateExited' && open?.stateName === event.stateName) open = undefined;
  }
  const input = (open?.details as { state?: { input?: Json } } | undefined)?.state?.input;
  return open?.stateName && input !== undefined ? { stateName: open.stateName, input } : undefined;
}

/**
 * One runtime difference, kept out of the definitions: aws-local-stepfunctions reads a Task's
 * TimeoutSecondsPath from the input after Parameters, where Step Functions reads the state's input. The
 * only Tasks that use it are `.waitForTaskToken` waits, whose timeout the twin enforces itself (from the
 * same value, carried in the payload as `timeoutSeconds`, on the twin's clock); the library's own timer
 * is set out of the way.
 */
export function forLocalRuntime(definition: Definition): Definition {
  const copy = JSON.parse(JSON.stringify(definition)) as Definition;
  const visit = (d: Definition) => {
    for (const state of Object.values(d.States)) {
      if (state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken') && state.TimeoutSecondsPath) {
        delete state.TimeoutSecondsPath;
        state.TimeoutSeconds = 2_147_483; // the largest setTimeout, in seconds
      }
      for (const branch of (state.Branches as Definition[] | undefined) ?? []) visit(branch);
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (processor) visit(processor);
    }
  };
  visit(copy);
  return copy;
}
