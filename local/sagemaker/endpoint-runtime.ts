/**
 * The endpoints' data plane (SageMaker Runtime): each endpoint's served model in this process, and
 * InvokeEndpoint with DeepAR's JSON. A deployment puts its new model in the slot in the same synchronous block
 * that records it (`swap`), and an invocation picks its model synchronously when it arrives: each is answered
 * wholly by the old or wholly by the new model.
 *
 * DeepAR's own model files are served by the inference pool (worker threads, one per core): inference never
 * holds the event loop, so the dashboard and approval pages stay responsive under load, and a full queue is a
 * quick 503. A model from an injected loader (tests' fakes) can only run where it was made: in this thread.
 */
import { endpointPredict, loadPredictor, type DeepARPredictor } from '../../src/deepar/runtime';
import { failureReason, type ServiceContext } from './context';
import { deployedModelKey, hostedModelOf, SERVING, type DeployedModel, type EndpointRow } from './endpoint-records';
import { badBody, checkInvocationBody, EndpointInvocationError, overloaded, refusedBody, type ValidInvocationBody } from './endpoint-request';
import { InferencePool, InferenceQueueFullError, type InferencePoolOptions } from './inference-pool';
import { hostedModelKey, type ModelHost } from './model-host';

/** A loaded model ready to answer invocations, wherever it runs. */
export interface ServedModel {
  predict(body: ValidInvocationBody, seed: number): Promise<{ predictions: unknown[] }>;
}

/** The inference pool's bounds and counters (read by bench/endpoint-latency.ts). */
export interface InferenceServingStats {
  workers: number;
  maxQueued: number;
  maxQueueWaitMs: number;
  maxBatchRequests: number;
  maxBatchPaths: number;
  batches: number;
  batchedRequests: number;
  largestBatch: number;
  refused: number;
  batchesMeasured: number;
  inferenceMs: number;
}

/** The model an endpoint answers with in this process, and which deployed model it is. */
interface Slot {
  modelKey: string;
  model: ServedModel;
}

export class EndpointRuntime {
  /** By lower-case endpoint name. Replaced by one assignment when a new model is ready. */
  private readonly slots = new Map<string, Slot>();
  private readonly findEndpoint;
  /** Present when the host loads DeepAR's own model files, which the pool's workers can load too. */
  private readonly pool?: InferencePool;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: ModelHost,
    private readonly seed = 0,
    poolOptions: InferencePoolOptions = {},
  ) {
    this.findEndpoint = ctx.db.prepare('SELECT * FROM sagemaker_endpoints WHERE name = ?');
    if (host.loader === loadPredictor) this.pool = new InferencePool(poolOptions);
  }

  /** Loads (or shares the load of) a model a deployment is about to serve: in every worker, or in this thread. */
  async load(deployed: DeployedModel): Promise<ServedModel> {
    const hosted = hostedModelOf(deployed);
    const pool = this.pool;
    if (!pool) {
      const predictor = await this.host.load(hosted);
      return { predict: async (body, seed) => predictInThisThread(predictor, body, seed) };
    }
    const dir = await this.host.unpacked(hosted);
    const key = hostedModelKey(hosted);
    // Checked here, synchronously, so a model that cannot load fails its deployment; the workers' own loads run
    // in the background (a deployment must not wait on worker messages: an executor polling without pause, as
    // the tests' timeScale 0 does, never yields to them). A request before they finish loads the model itself.
    this.host.loader(dir);
    pool.preload(key, dir).catch(() => undefined);
    return { predict: (body, seed) => pool.run(key, dir, body, seed) };
  }

  /**
   * The swap: `record` writes the endpoint's row (false when the deployment lost its claim to it); if it did,
   * the slot takes the new model, with no await in between.
   */
  swap(name: string, deployed: DeployedModel, model: ServedModel, record: () => boolean): void {
    if (!record()) return;
    const key = name.toLowerCase();
    const previous = this.slots.get(key);
    this.slots.set(key, { modelKey: deployedModelKey(deployed), model });
    if (previous) this.release(previous.modelKey);
  }

  /** The endpoint is deleted: its slot is emptied. */
  drop(name: string): void {
    const key = name.toLowerCase();
    const slot = this.slots.get(key);
    this.slots.delete(key);
    if (slot) this.release(slot.modelKey);
  }

  /** How the inference pool serves (its bounds and what it has done), or undefined for a model run in this thread. */
  servingStats(): InferenceServingStats | undefined {
    const pool = this.pool;
    if (!pool) return undefined;
    const { size, maxQueued, maxQueueWaitMs, maxBatchRequests, maxBatchPaths, stats } = pool;
    return { workers: size, maxQueued, maxQueueWaitMs, maxBatchRequests, maxBatchPaths, ...stats };
  }

  /** Ends the inference workers. */
  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }

  /**
   * SageMaker Runtime's InvokeEndpoint. Throws an EndpointInvocationError: ValidationError (unknown endpoint),
   * ModelError (bad body, naming the field), ServiceUnavailable (not in service, or too many requests waiting).
   */
  async invoke(endpointName: string, body: unknown): Promise<{ predictions: unknown[] }> {
    const row = typeof endpointName === 'string' ? (this.findEndpoint.get(endpointName) as EndpointRow | undefined) : undefined;
    if (!row) {
      throw new EndpointInvocationError('ValidationError', `Endpoint ${endpointName} of account ${this.ctx.accountId} not found.`, 404, 'EndpointName');
    }
    if (!row.deployed_model || !SERVING.has(row.status)) {
      throw new EndpointInvocationError('ServiceUnavailable', `Endpoint ${row.name} is not in service (status ${row.status}).`, 503);
    }
    const valid = checkInvocationBody(body);
    const deployed = JSON.parse(row.deployed_model) as DeployedModel;
    const slot = this.slots.get(row.name.toLowerCase());
    const model = slot?.modelKey === deployedModelKey(deployed) ? slot.model : await this.lazyLoad(row.name, deployed);
    try {
      return await model.predict(valid, this.seed);
    } catch (e) {
      throw e instanceof InferenceQueueFullError ? overloaded(row.name, e.queued, e.estimatedWaitMs) : e;
    }
  }

  /** After a restart (or a deployment by another process): load the recorded model on first use. */
  private async lazyLoad(name: string, deployed: DeployedModel): Promise<ServedModel> {
    let model: ServedModel;
    try {
      model = await this.load(deployed);
    } catch (e) {
      throw new EndpointInvocationError('ServiceUnavailable', `Endpoint ${name} could not load its model ${deployed.modelName}: ${failureReason(e)}`, 503, undefined, { cause: e });
    }
    // Only if the endpoint still serves that model (an update may have landed while this one loaded).
    const row = this.findEndpoint.get(name) as EndpointRow | undefined;
    if (row?.deployed_model && deployedModelKey(JSON.parse(row.deployed_model) as DeployedModel) === deployedModelKey(deployed)) {
      this.slots.set(name.toLowerCase(), { modelKey: deployedModelKey(deployed), model });
    }
    return model;
  }

  /** Forgets a loaded model no endpoint of this process answers with any more (requests holding it finish with it). */
  private release(modelKey: string): void {
    if ([...this.slots.values()].some((s) => s.modelKey === modelKey)) return;
    this.host.release(modelKey);
    this.pool?.release(modelKey);
  }
}

/** A model only this thread can run (an injected loader's): DeepAR's refusals become a ModelError naming the field. */
function predictInThisThread(predictor: DeepARPredictor, body: ValidInvocationBody, seed: number): { predictions: unknown[] } {
  try {
    return endpointPredict(predictor, body, seed);
  } catch (e) {
    const refused = refusedBody(e);
    if (refused) throw badBody(refused.message, refused.field, e);
    throw e;
  }
}
