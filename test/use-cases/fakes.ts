/**
 * In-memory fakes of the ports, for use case tests that run in milliseconds. Each keeps what the
 * port's contract promises and no more; each remembers what it was asked, for the tests to read.
 */
import type { ServingModel, ServingModels } from '../../src/ports/serving-models';
import { conflictMessage, isClaimFree, newDelivery, type ApprovalDecision, type ApprovalDelivery, type ApprovalRequest, type ApprovalStage } from '../../src/core/approval';
import { ApprovalConflictError, ApprovalNotFoundError } from '../../src/core/errors';
import type { DeepArLine } from '../../src/core/deepar-channels';
import type { DeepArForecast } from '../../src/core/evaluation';
import { parseMinute, type FeatureRecord, type StoredFeatureRecord } from '../../src/core/feature-record';
import type { ApprovalStore } from '../../src/ports/approval-store';
import type { EndpointForecaster, InferenceConfiguration } from '../../src/ports/endpoint-forecaster';
import { ObjectNotFoundError, ParameterAlreadyExistsError, ParameterNotFoundError, TaskNoLongerWaitingError } from '../../src/ports/errors';
import type { FeatureStore, MinuteRange } from '../../src/ports/feature-store';
import type { MailMessage, Mailer } from '../../src/ports/mailer';
import type { AccuracyMetric, MetricsPublisher } from '../../src/ports/metrics-publisher';
import type { DecisionRecord, MonitoringCheck, MonitoringStore } from '../../src/ports/monitoring-store';
import type { ObjectStore } from '../../src/ports/object-store';
import type { Parameter, ParameterStore } from '../../src/ports/parameter-store';
import type { TaskCallbacks } from '../../src/ports/task-callbacks';

export class InMemoryFeatureStore implements FeatureStore {
  readonly records: StoredFeatureRecord[] = [];
  async putRecords(records: readonly FeatureRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async getRecords({ from, to }: MinuteRange): Promise<StoredFeatureRecord[]> {
    return this.records.filter((r) => {
      const minute = parseMinute(r.tx_minute);
      return minute !== undefined && minute >= from.getTime() && minute < to.getTime();
    });
  }
}

export class InMemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: string; contentType?: string }>();
  async put(uri: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    this.objects.set(uri, { body: typeof body === 'string' ? body : Buffer.from(body).toString('utf8'), contentType });
  }
  async get(uri: string): Promise<Buffer> {
    const object = this.objects.get(uri);
    if (!object) throw new ObjectNotFoundError(uri);
    return Buffer.from(object.body, 'utf8');
  }
  async list(prefixUri: string): Promise<string[]> {
    return [...this.objects.keys()].filter((uri) => uri.startsWith(prefixUri)).sort();
  }
  /** The object's text, parsed as JSON. */
  json(uri: string): unknown {
    return JSON.parse(this.objects.get(uri)?.body ?? 'null');
  }
}

export class InMemoryParameterStore implements ParameterStore {
  private readonly versions = new Map<string, Parameter[]>();
  readonly descriptions = new Map<string, string>();
  async get(name: string, version?: number): Promise<Parameter> {
    const all = this.versions.get(name) ?? [];
    const found = version === undefined ? all.at(-1) : all.find((p) => p.version === version);
    if (!found) throw new ParameterNotFoundError(name, version);
    return found;
  }
  async put(name: string, value: string, options: { overwrite?: boolean; description?: string } = {}): Promise<Parameter> {
    const all = this.versions.get(name) ?? [];
    if (all.length && !options.overwrite) throw new ParameterAlreadyExistsError(name);
    const parameter = { name, value, version: all.length + 1, lastModified: new Date(0) };
    this.versions.set(name, [...all, parameter]);
    if (options.description) this.descriptions.set(name, options.description);
    return parameter;
  }
  async history(name: string): Promise<Parameter[]> {
    return this.versions.get(name) ?? [];
  }
}

export class InMemoryMonitoringStore implements MonitoringStore {
  readonly checks: MonitoringCheck[] = [];
  readonly decisions: DecisionRecord[] = [];
  readonly limitsAsked: number[] = [];
  async appendCheck(check: MonitoringCheck): Promise<void> {
    this.checks.push(check);
  }
  async recentChecks(limit: number): Promise<MonitoringCheck[]> {
    this.limitsAsked.push(limit);
    return [...this.checks].sort((a, b) => a.at.localeCompare(b.at)).slice(-limit);
  }
  async appendDecision(record: DecisionRecord): Promise<void> {
    this.decisions.push(record);
  }
  async recentDecisions(limit: number): Promise<DecisionRecord[]> {
    return this.decisions.slice(-limit);
  }
}

export class RecordingMetrics implements MetricsPublisher {
  readonly published: AccuracyMetric[] = [];
  async publishAccuracy(metric: AccuracyMetric): Promise<void> {
    this.published.push(metric);
  }
}

export type Answer = (instances: DeepArLine[], endpointName: string) => DeepArForecast[] | undefined;

/** An endpoint whose answers the test controls; it remembers every call. */
export class FakeForecaster implements EndpointForecaster {
  readonly calls: Array<{ endpointName: string; instances: DeepArLine[]; configuration: InferenceConfiguration }> = [];
  constructor(private readonly answer: Answer) {}
  async forecast(endpointName: string, instances: DeepArLine[], configuration: InferenceConfiguration) {
    this.calls.push({ endpointName, instances, configuration });
    return this.answer(instances, endpointName);
  }
}

/** The approval store's contract: one conditional decision while pending and not expired at its time. */
export class InMemoryApprovalStore implements ApprovalStore {
  readonly requests = new Map<string, ApprovalRequest>();
  async create(request: ApprovalRequest): Promise<void> {
    this.requests.set(request.idHash, { ...request });
  }
  async get(idHash: string): Promise<ApprovalRequest | undefined> {
    return this.requests.get(idHash);
  }
  async decide(idHash: string, decision: ApprovalDecision): Promise<ApprovalRequest> {
    const request = this.requests.get(idHash);
    if (!request) throw new ApprovalNotFoundError();
    if (request.status !== 'pending' || Date.parse(request.expiresAt) <= Date.parse(decision.at)) {
      throw new ApprovalConflictError(request, conflictMessage(request, decision.at));
    }
    const decided = { ...request, status: decision.status, decision, delivery: newDelivery(decision.at) };
    this.requests.set(idHash, decided);
    return decided;
  }
  async claimDelivery(idHash: string, at: string, until: string): Promise<ApprovalRequest | undefined> {
    const request = this.requests.get(idHash);
    const d = request?.delivery;
    if (!request || !d || d.state !== 'pending' || !isClaimFree(d.claimedUntil, at)) return undefined;
    return this.set(idHash, { ...request, delivery: { ...d, attempts: d.attempts + 1, claimedUntil: until, lastAttemptAt: at } });
  }
  async recordDelivery(idHash: string, delivery: ApprovalDelivery): Promise<ApprovalRequest> {
    const request = this.requests.get(idHash);
    if (!request) throw new ApprovalNotFoundError();
    return this.set(idHash, { ...request, delivery });
  }
  async attachTaskToken(idHash: string, taskToken: string): Promise<ApprovalRequest | undefined> {
    const request = this.requests.get(idHash);
    if (request?.delivery?.state !== 'awaiting-task') return undefined;
    return this.set(idHash, { ...request, taskToken, delivery: { ...request.delivery, state: 'pending', claimedUntil: new Date(0).toISOString() } });
  }
  async listUndelivered(): Promise<ApprovalRequest[]> {
    return [...this.requests.values()].filter((r) => r.delivery?.state === 'pending');
  }
  async listForExecution(executionArn: string): Promise<ApprovalRequest[]> {
    return [...this.requests.values()].filter((r) => r.executionArn === executionArn);
  }
  private set(idHash: string, request: ApprovalRequest): ApprovalRequest {
    this.requests.set(idHash, request);
    return request;
  }
  async expire(idHash: string, at: string): Promise<ApprovalRequest> {
    const request = this.requests.get(idHash);
    if (!request) throw new ApprovalNotFoundError();
    if (request.status === 'pending') this.requests.set(idHash, { ...request, status: 'expired', expiredAt: at });
    return this.requests.get(idHash)!;
  }
  async expirePendingFor(executionArn: string, stage: ApprovalStage, at: string): Promise<ApprovalRequest[]> {
    const pending = [...this.requests.values()].filter((r) => r.executionArn === executionArn && r.stage === stage && r.status === 'pending');
    return Promise.all(pending.map((r) => this.expire(r.idHash, at)));
  }
  async listPending(): Promise<ApprovalRequest[]> {
    return [...this.requests.values()].filter((r) => r.status === 'pending');
  }
}

export class RecordingMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage): Promise<{ messageId: string }> {
    this.sent.push(message);
    return { messageId: `message-${this.sent.length}` };
  }
}

/** Task callbacks that remember what the decision sent; `waiting: false` answers as after a timeout. */
export class RecordingCallbacks implements TaskCallbacks {
  readonly calls: Array<{ kind: 'success' | 'failure'; token: string; payload: unknown }> = [];
  constructor(private readonly options: { waiting?: boolean; failWith?: Error } = {}) {}
  async sendTaskSuccess(token: string, output: Record<string, unknown>): Promise<void> {
    this.calls.push({ kind: 'success', token, payload: output });
    this.fail();
  }
  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    this.calls.push({ kind: 'failure', token, payload: { error, cause } });
    this.fail();
  }
  private fail(): void {
    if (this.options.failWith) throw this.options.failWith;
    if (this.options.waiting === false) throw new TaskNoLongerWaitingError('TaskTimedOut');
  }
}

/** The model each endpoint serves, as a registry would say: endpoint name → what it serves (absent: none). */
export class FakeServingModels implements ServingModels {
  readonly asked: string[] = [];
  constructor(private readonly served: Record<string, ServingModel | Error> = {}) {}
  async servingModel(endpointName: string): Promise<ServingModel | undefined> {
    this.asked.push(endpointName);
    const served = this.served[endpointName];
    if (served instanceof Error) throw served;
    return served;
  }
}
