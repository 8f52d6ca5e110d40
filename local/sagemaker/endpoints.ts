/**
 * Endpoint configs and endpoints: SageMaker's real-time hosting of a DeepAR model in this process.
 *
 * - CreateEndpoint records the endpoint `Creating`, then in the background unpacks the config's model.tar.gz
 *   (once per model, into `<workDir>/endpoint-models/`) and loads it: `InService`, or `Failed` with a FailureReason.
 * - UpdateEndpoint records it `Updating`; the old model keeps answering while the new one loads, then one
 *   synchronous block records the new config and puts the new predictor in the endpoint's slot. Invocations
 *   run synchronously once their model is loaded, so each is answered wholly by the old or wholly by the new
 *   model: no request fails or waits because of a swap.
 * - A failed update does NOT take the endpoint down: the old model keeps serving, EndpointStatus is `Failed`
 *   with the FailureReason, and EndpointConfigName stays the old config. (Real SageMaker rolls a failed update
 *   back and returns to InService; the twin reports Failed so the deployment state machine's
 *   Wait/DescribeEndpoint/Choice loop sees the failure and restores the previous config, which makes the
 *   endpoint InService again.) A later UpdateEndpoint, to any config, is allowed from Failed.
 * - The SQLite row is the record; predictors live in memory. After a restart, an endpoint recorded as serving
 *   (InService, or Failed after an update) loads its model lazily on its first invocation; one left Creating or
 *   Updating by a process that is gone becomes Failed (still serving its old model after an update).
 */
import type {
  CreateEndpointConfigOutput, CreateEndpointOutput, DescribeEndpointConfigOutput, DescribeEndpointOutput, EndpointStatus,
  EndpointSummary, ListEndpointsInput, ListEndpointsOutput, UpdateEndpointOutput,
} from '@aws-sdk/client-sagemaker';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar';
import { DataValidationError, endpointPredict, InferenceConfigError, ModelArtifactError, type DeepARPredictor } from '../../src/deepar';
import { failureReason, iso, isOrphanOwner, ORPHAN_FAILURE_REASON, resourceKey, type ServiceContext } from './context';
import {
  badBody, checkEndpointConfigRequest, checkInvocationBody, EndpointInvocationError, type ValidEndpointConfigRequest,
} from './endpoint-request';
import { invalid } from './errors';
import type { Models } from './models';
import { requireName, requireObject } from './validation';

/** Loads an unpacked model directory (default `loadPredictor`); tests inject a slow or failing one. */
export type ModelLoader = (modelDir: string) => DeepARPredictor | Promise<DeepARPredictor>;

interface ConfigRow {
  name: string;
  arn: string;
  request: string;
  creation_time: string;
}

interface EndpointRow {
  name: string;
  arn: string;
  status: EndpointStatus;
  deployed_config_name: string | null;
  deployed_model: string | null;
  pending_config_name: string | null;
  failure_reason: string | null;
  owner: string | null;
  creation_time: string;
  last_modified_time: string;
}

/** What an endpoint serves, recorded when it was deployed (so a later deleted config or model does not matter). */
interface DeployedModel {
  variantName: string;
  modelName: string;
  modelArn: string;
  modelDataUrl: string;
  modelCreationTime: number;
  image: string;
  instanceType: string;
  instanceCount: number;
  weight: number;
  deployedAt: string;
}

/** The predictor an endpoint answers with in this process, and which deployed model it is. */
interface Slot {
  modelKey: string;
  predictor: DeepARPredictor;
}

/** Statuses in which an endpoint with a deployed model answers. */
const SERVING: ReadonlySet<EndpointStatus> = new Set<EndpointStatus>(['InService', 'Updating', 'Failed']);

const modelKeyOf = (m: DeployedModel): string => `${m.modelArn}@${m.modelCreationTime}`;

export class Endpoints {
  /** By lower-case endpoint name. Replaced by one assignment when a new model is ready. */
  private readonly slots = new Map<string, Slot>();
  /** Loaded models by model key: two endpoints (staging, production) on one model share it. */
  private readonly predictors = new Map<string, Promise<DeepARPredictor>>();
  /** The deployment in flight per endpoint: a create or update superseded by a delete must not land. */
  private readonly deployments = new Map<string, symbol>();
  private readonly findEndpoint;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly models: Models,
    private readonly modelLoader: ModelLoader,
    private readonly seed = 0,
  ) {
    this.findEndpoint = ctx.db.prepare('SELECT * FROM sagemaker_endpoints WHERE name = ?');
  }

  // Endpoint configs

  createConfig(input: unknown): CreateEndpointConfigOutput {
    const req = checkEndpointConfigRequest(input);
    for (const [i, v] of req.ProductionVariants.entries()) this.models.get(v.ModelName, `ProductionVariants.${i + 1}.ModelName`);
    const existing = this.findConfig(req.EndpointConfigName);
    if (existing) throw invalid(`Cannot create already existing endpoint configuration "${existing.arn}".`, 'EndpointConfigName');
    const arn = this.ctx.arn('endpoint-config', req.EndpointConfigName);
    this.ctx.db
      .prepare('INSERT INTO sagemaker_endpoint_configs (name, arn, request, creation_time) VALUES (?, ?, ?, ?)')
      .run(req.EndpointConfigName, arn, JSON.stringify(req), iso(this.ctx.now()));
    return { EndpointConfigArn: arn };
  }

  describeConfig(input: unknown): DescribeEndpointConfigOutput {
    const row = this.requireConfig(nameIn(input, 'EndpointConfigName', 'DescribeEndpointConfigInput'));
    const req = JSON.parse(row.request) as ValidEndpointConfigRequest;
    return {
      EndpointConfigName: row.name,
      EndpointConfigArn: row.arn,
      ProductionVariants: req.ProductionVariants,
      DataCaptureConfig: req.DataCaptureConfig,
      KmsKeyId: req.KmsKeyId,
      CreationTime: new Date(row.creation_time),
    };
  }

  /** As SageMaker: a config may be deleted while an endpoint runs it (the endpoint keeps its deployed model). */
  deleteConfig(input: unknown): Record<string, never> {
    const row = this.requireConfig(nameIn(input, 'EndpointConfigName', 'DeleteEndpointConfigInput'));
    this.ctx.db.prepare('DELETE FROM sagemaker_endpoint_configs WHERE name = ?').run(row.name);
    return {};
  }

  // Endpoints

  create(input: unknown): CreateEndpointOutput {
    const req = requireObject<{ EndpointName?: unknown; EndpointConfigName?: unknown }>(input, 'CreateEndpointInput');
    const name = requireName(req.EndpointName, 'EndpointName');
    const configName = this.requireConfig(requireName(req.EndpointConfigName, 'EndpointConfigName')).name;
    const existing = this.find(name);
    if (existing) throw invalid(`Cannot create already existing endpoint "${existing.arn}".`, 'EndpointName');
    const arn = this.ctx.arn('endpoint', name);
    const now = iso(this.ctx.now());
    this.ctx.db
      .prepare(
        `INSERT INTO sagemaker_endpoints (name, arn, status, pending_config_name, owner, creation_time, last_modified_time)
         VALUES (?, ?, 'Creating', ?, ?, ?, ?)`,
      )
      .run(name, arn, configName, this.ctx.owner, now, now);
    this.changed(name);
    this.deploy(name, configName);
    return { EndpointArn: arn };
  }

  update(input: unknown): UpdateEndpointOutput {
    const req = requireObject<{ EndpointName?: unknown; EndpointConfigName?: unknown }>(input, 'UpdateEndpointInput');
    const row = this.require(requireName(req.EndpointName, 'EndpointName'));
    const configName = this.requireConfig(requireName(req.EndpointConfigName, 'EndpointConfigName')).name;
    if (row.status === 'Creating' || row.status === 'Updating') {
      throw invalid(`Cannot update in-progress endpoint "${row.arn}".`, 'EndpointName');
    }
    const { changes } = this.ctx.db
      .prepare(
        `UPDATE sagemaker_endpoints SET status = 'Updating', pending_config_name = ?, failure_reason = NULL, owner = ?, last_modified_time = ?
         WHERE name = ? AND status NOT IN ('Creating', 'Updating')`,
      )
      .run(configName, this.ctx.owner, iso(this.ctx.now()), row.name);
    if (changes === 0) throw invalid(`Cannot update in-progress endpoint "${row.arn}".`, 'EndpointName');
    this.changed(row.name);
    this.deploy(row.name, configName);
    return { EndpointArn: row.arn };
  }

  describe(input: unknown): DescribeEndpointOutput {
    const row = this.require(nameIn(input, 'EndpointName', 'DescribeEndpointInput'));
    const deployed = row.deployed_model ? (JSON.parse(row.deployed_model) as DeployedModel) : undefined;
    return {
      EndpointName: row.name,
      EndpointArn: row.arn,
      EndpointConfigName: row.deployed_config_name ?? row.pending_config_name ?? undefined,
      ProductionVariants: deployed && [
        {
          VariantName: deployed.variantName,
          DeployedImages: [{ SpecifiedImage: deployed.image, ResolvedImage: deployed.image, ResolutionTime: new Date(deployed.deployedAt) }],
          CurrentWeight: deployed.weight,
          DesiredWeight: deployed.weight,
          CurrentInstanceCount: deployed.instanceCount,
          DesiredInstanceCount: deployed.instanceCount,
        },
      ],
      EndpointStatus: row.status,
      FailureReason: row.failure_reason ?? undefined,
      CreationTime: new Date(row.creation_time),
      LastModifiedTime: new Date(row.last_modified_time),
      PendingDeploymentSummary:
        row.status === 'Updating' && row.pending_config_name
          ? { EndpointConfigName: row.pending_config_name, StartTime: new Date(row.last_modified_time) }
          : undefined,
    };
  }

  /** Removes the endpoint at once: later invocations get "not found"; a load in flight for it is dropped. */
  delete(input: unknown): Record<string, never> {
    const row = this.require(nameIn(input, 'EndpointName', 'DeleteEndpointInput'));
    this.ctx.db.prepare('DELETE FROM sagemaker_endpoints WHERE name = ?').run(row.name);
    const key = row.name.toLowerCase();
    const slot = this.slots.get(key);
    this.slots.delete(key);
    if (slot) this.release(slot.modelKey);
    this.deployments.delete(key);
    this.changed(row.name);
    return {};
  }

  list(input: unknown = {}): ListEndpointsOutput {
    const req = requireObject<ListEndpointsInput>(input, 'ListEndpointsInput');
    const rows = this.ctx.db.prepare('SELECT * FROM sagemaker_endpoints').all() as EndpointRow[];
    const summaries = rows
      .filter((r) => !req.NameContains || r.name.toLowerCase().includes(req.NameContains.toLowerCase()))
      .filter((r) => !req.StatusEquals || r.status === req.StatusEquals)
      .map((r): EndpointSummary => ({
        EndpointName: r.name, EndpointArn: r.arn, EndpointStatus: r.status,
        CreationTime: new Date(r.creation_time), LastModifiedTime: new Date(r.last_modified_time),
      }));
    const by = req.SortBy === 'Name' ? (s: EndpointSummary) => s.EndpointName! : req.SortBy === 'Status' ? (s: EndpointSummary) => s.EndpointStatus! : (s: EndpointSummary) => s.CreationTime!.toISOString();
    const sign = req.SortOrder === 'Ascending' ? 1 : -1;
    summaries.sort((a, b) => sign * (by(a) < by(b) ? -1 : by(a) > by(b) ? 1 : 0));
    return { Endpoints: summaries.slice(0, req.MaxResults ?? 10) };
  }

  /** Resolves with the description once the endpoint is no longer Creating or Updating. */
  wait(name: string, signal?: AbortSignal): Promise<DescribeEndpointOutput> {
    return this.ctx.waitUntil(resourceKey('endpoint', name), () => {
      const d = this.describe({ EndpointName: name });
      return d.EndpointStatus === 'Creating' || d.EndpointStatus === 'Updating' ? undefined : d;
    }, signal);
  }

  /**
   * SageMaker Runtime's InvokeEndpoint with DeepAR's JSON: answers with the model loaded now. Once that model is
   * in memory, everything from reading the row to the forecast runs in one synchronous block.
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
    const modelKey = modelKeyOf(deployed);
    const slot = this.slots.get(row.name.toLowerCase());
    const predictor = slot?.modelKey === modelKey ? slot.predictor : await this.lazyLoad(row.name, deployed);
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

  /** Endpoints left Creating or Updating by an instance that is gone: Failed (an update keeps its old model). */
  recover(): string[] {
    const rows = this.ctx.db.prepare(`SELECT * FROM sagemaker_endpoints WHERE status IN ('Creating', 'Updating')`).all() as EndpointRow[];
    const orphans = rows.filter((r) => isOrphanOwner(r.owner));
    for (const row of orphans) {
      this.ctx.db
        .prepare(`UPDATE sagemaker_endpoints SET status = 'Failed', failure_reason = ?, pending_config_name = NULL, owner = NULL, last_modified_time = ? WHERE name = ?`)
        .run(ORPHAN_FAILURE_REASON, iso(this.ctx.now()), row.name);
      this.changed(row.name);
    }
    return orphans.map((r) => r.name);
  }

  /** Loads the config's model in the background, then records the outcome (only if still this deployment's). */
  private deploy(name: string, configName: string): void {
    const key = name.toLowerCase();
    const token = Symbol(configName);
    this.deployments.set(key, token);
    const current = (): boolean => this.deployments.get(key) === token && !this.ctx.isClosed();
    void (async () => {
      let deployed: DeployedModel;
      let predictor: DeepARPredictor;
      try {
        deployed = this.resolve(configName);
        predictor = await this.load(deployed);
      } catch (e) {
        if (!current()) return;
        this.deployments.delete(key);
        this.ctx.db
          .prepare(
            `UPDATE sagemaker_endpoints SET status = 'Failed', failure_reason = ?, pending_config_name = NULL, owner = NULL, last_modified_time = ?
             WHERE name = ? AND owner = ?`,
          )
          .run(failureReason(e), iso(this.ctx.now()), name, this.ctx.owner);
        this.changed(name);
        return;
      }
      if (!current()) return;
      this.deployments.delete(key);
      // The swap: the row and the slot change together, with no await in between.
      const { changes } = this.ctx.db
        .prepare(
          `UPDATE sagemaker_endpoints SET status = 'InService', deployed_config_name = ?, deployed_model = ?, pending_config_name = NULL,
           failure_reason = NULL, owner = NULL, last_modified_time = ? WHERE name = ? AND owner = ?`,
        )
        .run(configName, JSON.stringify(deployed), iso(this.ctx.now()), name, this.ctx.owner);
      if (changes > 0) {
        const previous = this.slots.get(key);
        this.slots.set(key, { modelKey: modelKeyOf(deployed), predictor });
        if (previous) this.release(previous.modelKey);
      }
      this.changed(name);
    })().catch(() => undefined); // only a closed store can throw here
  }

  /** The model a config deploys, as recorded on the endpoint. */
  private resolve(configName: string): DeployedModel {
    const row = this.findConfig(configName);
    if (!row) throw invalid(`Could not find endpoint configuration "${this.ctx.arn('endpoint-config', configName)}".`, 'EndpointConfigName');
    const variant = (JSON.parse(row.request) as ValidEndpointConfigRequest).ProductionVariants[0];
    const model = this.models.get(variant.ModelName, 'ProductionVariants.1.ModelName');
    const image = this.models.describe({ ModelName: model.name }).PrimaryContainer?.Image ?? '';
    return {
      variantName: variant.VariantName, modelName: model.name, modelArn: model.arn, modelDataUrl: model.modelDataUrl,
      modelCreationTime: model.creationTime.getTime(), image, instanceType: variant.InstanceType,
      instanceCount: variant.InitialInstanceCount, weight: variant.InitialVariantWeight, deployedAt: iso(this.ctx.now()),
    };
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
    const row = this.find(name);
    if (row?.deployed_model && modelKeyOf(JSON.parse(row.deployed_model) as DeployedModel) === modelKeyOf(deployed)) {
      this.slots.set(name.toLowerCase(), { modelKey: modelKeyOf(deployed), predictor });
    }
    return predictor;
  }

  /** Unpacks a model's model.tar.gz once and loads it once per process (concurrent callers share the load). */
  private load(model: DeployedModel): Promise<DeepARPredictor> {
    const key = modelKeyOf(model);
    let loading = this.predictors.get(key);
    if (!loading) {
      loading = (async () => {
        const dir = join(this.ctx.workDir, 'endpoint-models', `${model.modelName.toLowerCase()}-${model.modelCreationTime}`);
        await Promise.resolve(); // callers (create, update) answer before the load starts
        if (!existsSync(join(dir, '.unpacked'))) {
          // Synchronously: a model.tar.gz is small, and an asynchronous unpack needs many turns of an event loop
          // that a stream of invocations keeps busy (measured: 17 s instead of a few ms under 32 connections).
          rmSync(dir, { recursive: true, force: true });
          try {
            mkdirSync(dir, { recursive: true });
            extract({ file: this.ctx.objectStore.pathOf(model.modelDataUrl), cwd: dir, sync: true });
          } catch (e) {
            throw new ModelArtifactError(`cannot unpack the model data ${model.modelDataUrl} of model ${model.modelName}: ${(e as Error).message}`, { cause: e });
          }
          writeFileSync(join(dir, '.unpacked'), model.modelDataUrl);
        }
        return this.modelLoader(dir);
      })();
      loading.catch(() => this.predictors.delete(key));
      this.predictors.set(key, loading);
    }
    return loading;
  }

  /** Forgets a loaded model no endpoint of this process answers with any more (requests holding it finish with it). */
  private release(modelKey: string): void {
    if (![...this.slots.values()].some((s) => s.modelKey === modelKey)) this.predictors.delete(modelKey);
  }

  private changed(name: string): void {
    this.ctx.changed(resourceKey('endpoint', name));
  }

  private require(name: string): EndpointRow {
    const row = this.find(name);
    if (!row) throw invalid(`Could not find endpoint "${this.ctx.arn('endpoint', name)}".`, 'EndpointName');
    return row;
  }

  private find(name: string): EndpointRow | undefined {
    return this.findEndpoint.get(name) as EndpointRow | undefined;
  }

  private requireConfig(name: string): ConfigRow {
    const row = this.findConfig(name);
    if (!row) throw invalid(`Could not find endpoint configuration "${this.ctx.arn('endpoint-config', name)}".`, 'EndpointConfigName');
    return row;
  }

  private findConfig(name: string): ConfigRow | undefined {
    return this.ctx.db.prepare('SELECT * FROM sagemaker_endpoint_configs WHERE name = ?').get(name) as ConfigRow | undefined;
  }
}

function nameIn(input: unknown, field: string, shape: string): string {
  const req = requireObject<Record<string, unknown>>(input, shape);
  return requireName(req[field], field);
}
