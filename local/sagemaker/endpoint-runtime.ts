/**
 * The endpoints' data plane (SageMaker Runtime): each endpoint's predictor slot in this process, and
 * InvokeEndpoint with DeepAR's JSON. A deployment puts its new predictor in the slot in the same synchronous
 * block that records it (`swap`), and an invocation, once its model is in memory, runs from reading the row
 * to the forecast synchronously: each is answered wholly by the old or wholly by the new model.
 */
import { DataValidationError, endpointPredict, InferenceConfigError, type DeepARPredictor } from '../../src/deepar';
import { failureReason, type ServiceContext } from './context';
import { deployedModelKey, hostedModelOf, SERVING, type DeployedModel, type EndpointRow } from './endpoint-records';
import { badBody, checkInvocationBody, EndpointInvocationError } from './endpoint-request';
import type { ModelHost } from './model-host';

/** The predictor an endpoint answers with in this process, and which deployed model it is. */
interface Slot {
  modelKey: string;
  predictor: DeepARPredictor;
}

export class EndpointRuntime {
  /** By lower-case endpoint name. Replaced by one assignment when a new model is ready. */
  private readonly slots = new Map<string, Slot>();
  private readonly findEndpoint;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: ModelHost,
    private readonly seed = 0,
  ) {
    this.findEndpoint = ctx.db.prepare('SELECT * FROM sagemaker_endpoints WHERE name = ?');
  }

  /** Loads (or shares the load of) a model a deployment is about to serve. */
  load(deployed: DeployedModel): Promise<DeepARPredictor> {
    return this.host.load(hostedModelOf(deployed));
  }

  /**
   * The swap: `record` writes the endpoint's row (false when the deployment lost its claim to it); if it did,
   * the slot takes the new predictor, with no await in between.
   */
  swap(name: string, deployed: DeployedModel, predictor: DeepARPredictor, record: () => boolean): void {
    if (!record()) return;
    const key = name.toLowerCase();
    const previous = this.slots.get(key);
    this.slots.set(key, { modelKey: deployedModelKey(deployed), predictor });
    if (previous) this.release(previous.modelKey);
  }

  /** The endpoint is deleted: its slot is emptied. */
  drop(name: string): void {
    const key = name.toLowerCase();
    const slot = this.slots.get(key);
    this.slots.delete(key);
    if (slot) this.release(slot.modelKey);
  }

  /**
   * SageMaker Runtime's InvokeEndpoint. Throws an EndpointInvocationError: ValidationError (unknown endpoint),
   * ModelError (bad body, naming the field), ServiceUnavailable (not in service).
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
    const predictor = slot?.modelKey === deployedModelKey(deployed) ? slot.predictor : await this.lazyLoad(row.name, deployed);
    try {
      return endpointPredict(predictor, valid, this.seed);
    } catch (e) {
      if (e instanceof DataValidationError) {
        const { instance, field } = e.details;
        throw badBody(e.message, [instance !== undefined ? `instances[${instance}]` : '', field ?? ''].filter(Boolean).join('.'), e);
      }
      if (e instanceof InferenceConfigError) throw badBody(e.message, `configuration.${e.field}`, e);
      throw e;
    }
  }

  /** After a restart (or a deployment by another process): load the recorded model on first use. */
  private async lazyLoad(name: string, deployed: DeployedModel): Promise<DeepARPredictor> {
    let predictor: DeepARPredictor;
    try {
      predictor = await this.load(deployed);
    } catch (e) {
      throw new EndpointInvocationError('ServiceUnavailable', `Endpoint ${name} could not load its model ${deployed.modelName}: ${failureReason(e)}`, 503, undefined, { cause: e });
    }
    // Only if the endpoint still serves that model (an update may have landed while this one loaded).
    const row = this.findEndpoint.get(name) as EndpointRow | undefined;
    if (row?.deployed_model && deployedModelKey(JSON.parse(row.deployed_model) as DeployedModel) === deployedModelKey(deployed)) {
      this.slots.set(name.toLowerCase(), { modelKey: deployedModelKey(deployed), predictor });
    }
    return predictor;
  }

  /** Forgets a loaded model no endpoint of this process answers with any more (requests holding it finish with it). */
  private release(modelKey: string): void {
    if (![...this.slots.values()].some((s) => s.modelKey === modelKey)) this.host.release(modelKey);
  }
}
