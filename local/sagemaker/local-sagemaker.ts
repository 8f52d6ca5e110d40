/**
 * The local SageMaker: the real API's request and response shapes, validated as SageMaker validates them,
 * stored in the twin's SQLite file, with DeepAR training and batch transform run on this machine.
 * `call(action, params)` is the entry for the state machine executor (`aws-sdk:sagemaker:<action>` and
 * `sagemaker:<action>[.sync]`); `callSync` adds the `.sync` wait.
 */
import type Database from 'better-sqlite3';
import type {
  CreateEndpointConfigInput, CreateEndpointConfigOutput, CreateEndpointInput, CreateEndpointOutput, DeleteEndpointConfigInput,
  DeleteEndpointInput, DescribeEndpointConfigInput, DescribeEndpointConfigOutput, DescribeEndpointInput, DescribeEndpointOutput,
  ListEndpointsInput, ListEndpointsOutput, UpdateEndpointInput, UpdateEndpointOutput,
  CreateModelInput, CreateModelOutput, CreateModelPackageGroupInput, CreateModelPackageGroupOutput, CreateModelPackageInput,
  CreateModelPackageOutput, CreateTrainingJobRequest, CreateTrainingJobResponse, CreateTransformJobRequest, CreateTransformJobResponse,
  DeleteModelInput, DescribeModelInput, DescribeModelOutput, DescribeModelPackageGroupInput, DescribeModelPackageGroupOutput,
  DescribeModelPackageInput, DescribeModelPackageOutput, DescribeTrainingJobRequest, DescribeTrainingJobResponse,
  DescribeTransformJobRequest, DescribeTransformJobResponse, ListModelPackagesInput, ListModelPackagesOutput, StopTrainingJobRequest,
  UpdateModelPackageInput, UpdateModelPackageOutput,
} from '@aws-sdk/client-sagemaker';
import { mkdirSync } from 'node:fs';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { loadPredictor, runInWorker, type TrainingProgress } from '../../src/deepar/runtime';
import { createContext, type LocalSageMakerEvent } from './context';
import { EndpointConfigs } from './endpoint-configs';
import { EndpointRuntime, type InferenceServingStats } from './endpoint-runtime';
import { Endpoints } from './endpoints';
import { invalid } from './errors';
import { type ApprovalChange, ModelRegistry } from './model-registry';
import { ModelHost, type ModelLoader } from './model-host';
import { Models } from './models';
import { type Trainer, TrainingJobs } from './training-jobs';
import { TransformJobs } from './transform-jobs';
import { requireObject } from './validation';

export interface LocalSageMakerOptions {
  db: Database.Database;
  objectStore: FsObjectStore;
  /** Scratch space: job working directories and unpacked models. */
  workDir: string;
  region?: string;
  accountId?: string;
  /** Runs DeepAR (default `runInWorker`); tests inject a failing or slow one. */
  trainer?: Trainer;
  now?: () => Date;
  onEvent?: (event: LocalSageMakerEvent) => void;
  /** Seed of training and transform draws (default 0: the same request gives the same model and forecast). */
  seed?: number;
  /** Batches per training epoch (the trainer's default when absent). Not a SageMaker setting. */
  numBatchesPerEpoch?: number;
  /** Training jobs InProgress at once before ResourceLimitExceeded (default 2). */
  maxConcurrentTrainingJobs?: number;
  /** Called before each `call`: may throw (e.g. a ThrottlingException) to rehearse a state machine's Retry. */
  beforeCall?: (action: string, params: unknown) => void;
  /** Loads an endpoint's unpacked model (default `loadPredictor`): tests make a load fail or be slow. */
  modelLoader?: ModelLoader;
  /** How often a waiter re-reads a job another process runs (default 1000 ms); changes in this process wake it at once. */
  pollMs?: number;
}

export class LocalSageMaker {
  readonly region: string;
  readonly accountId: string;
  private readonly context: ReturnType<typeof createContext>;
  private readonly training: TrainingJobs;
  private readonly models: Models;
  private readonly transforms: TransformJobs;
  private readonly registry: ModelRegistry;
  private readonly endpointConfigs: EndpointConfigs;
  private readonly endpoints: Endpoints;
  private readonly runtime: EndpointRuntime;
  private readonly beforeCall?: LocalSageMakerOptions['beforeCall'];

  constructor(opts: LocalSageMakerOptions) {
    mkdirSync(opts.workDir, { recursive: true });
    this.region = opts.region ?? 'local';
    this.accountId = opts.accountId ?? '000000000000';
    this.beforeCall = opts.beforeCall;
    this.context = createContext({
      db: opts.db, objectStore: opts.objectStore, workDir: opts.workDir, region: this.region, accountId: this.accountId,
      now: opts.now ?? (() => new Date()), onEvent: opts.onEvent, pollMs: opts.pollMs ?? 1000,
    });
    this.training = new TrainingJobs(this.context, {
      trainer: opts.trainer ?? runInWorker,
      maxConcurrentTrainingJobs: opts.maxConcurrentTrainingJobs ?? 2,
      seed: opts.seed,
      numBatchesPerEpoch: opts.numBatchesPerEpoch,
    });
    this.models = new Models(this.context);
    // Batch transform loads with DeepAR's own loader: the injected one rehearses an endpoint deployment that
    // fails to load, while the same model's transform (in the training before it) succeeds.
    this.transforms = new TransformJobs(this.context, this.models, new ModelHost(this.context, loadPredictor), opts.seed ?? 0);
    this.registry = new ModelRegistry(this.context);
    this.endpointConfigs = new EndpointConfigs(this.context, this.models);
    this.runtime = new EndpointRuntime(this.context, new ModelHost(this.context, opts.modelLoader ?? loadPredictor), opts.seed ?? 0);
    this.endpoints = new Endpoints(this.context, this.endpointConfigs, this.runtime);
  }

  /**
   * Not a SageMaker action: fails the jobs (and endpoint deployments) a twin that has stopped left running,
   * and names them. Opening a LocalSageMaker changes nothing; `mlops up` runs this once it starts.
   */
  recover(): { trainingJobs: string[]; transformJobs: string[]; endpoints: string[] } {
    return { trainingJobs: this.training.recover(), transformJobs: this.transforms.recover(), endpoints: this.endpoints.recover() };
  }

  // Training jobs
  createTrainingJob(req: CreateTrainingJobRequest): Promise<CreateTrainingJobResponse> {
    return this.training.create(req);
  }
  async describeTrainingJob(req: DescribeTrainingJobRequest): Promise<DescribeTrainingJobResponse> {
    return this.training.describe(req);
  }
  async stopTrainingJob(req: StopTrainingJobRequest): Promise<Record<string, never>> {
    return this.training.stop(req);
  }
  waitForTrainingJob(name: string, signal?: AbortSignal): Promise<DescribeTrainingJobResponse> {
    return this.training.wait(name, signal);
  }
  /** The per-epoch progress reported so far. */
  async trainingJobProgress(name: string): Promise<TrainingProgress[]> {
    return this.training.progress(name);
  }

  // Models
  async createModel(req: CreateModelInput): Promise<CreateModelOutput> {
    return this.models.create(req);
  }
  async describeModel(req: DescribeModelInput): Promise<DescribeModelOutput> {
    return this.models.describe(req);
  }
  async deleteModel(req: DeleteModelInput): Promise<Record<string, never>> {
    return this.models.delete(req);
  }

  // Transform jobs
  createTransformJob(req: CreateTransformJobRequest): Promise<CreateTransformJobResponse> {
    return this.transforms.create(req);
  }
  async describeTransformJob(req: DescribeTransformJobRequest): Promise<DescribeTransformJobResponse> {
    return this.transforms.describe(req);
  }
  waitForTransformJob(name: string, signal?: AbortSignal): Promise<DescribeTransformJobResponse> {
    return this.transforms.wait(name, signal);
  }
  /** The `.out` objects a transform job wrote so far. */
  async transformJobOutputs(name: string): Promise<string[]> {
    return this.transforms.outputs(name);
  }

  // Model registry
  async createModelPackageGroup(req: CreateModelPackageGroupInput): Promise<CreateModelPackageGroupOutput> {
    return this.registry.createGroup(req);
  }
  async describeModelPackageGroup(req: DescribeModelPackageGroupInput): Promise<DescribeModelPackageGroupOutput> {
    return this.registry.describeGroup(req);
  }
  /** Not a SageMaker action: the group, created when missing (for the twin's setup). */
  async ensureModelPackageGroup(name: string, description?: string): Promise<DescribeModelPackageGroupOutput> {
    return this.registry.ensureGroup(name, description);
  }
  async createModelPackage(req: CreateModelPackageInput): Promise<CreateModelPackageOutput> {
    return this.registry.createPackage(req);
  }
  async describeModelPackage(req: DescribeModelPackageInput): Promise<DescribeModelPackageOutput> {
    return this.registry.describePackage(req);
  }
  async listModelPackages(req: ListModelPackagesInput = {}): Promise<ListModelPackagesOutput> {
    return this.registry.listPackages(req);
  }
  async updateModelPackage(req: UpdateModelPackageInput): Promise<UpdateModelPackageOutput> {
    return this.registry.updatePackage(req);
  }
  /** Every approval change of a model package, oldest first. */
  async modelPackageApprovalHistory(arn: string): Promise<ApprovalChange[]> {
    return this.registry.approvalHistory(arn);
  }

  // Endpoint configs and endpoints
  async createEndpointConfig(req: CreateEndpointConfigInput): Promise<CreateEndpointConfigOutput> {
    return this.endpointConfigs.create(req);
  }
  async describeEndpointConfig(req: DescribeEndpointConfigInput): Promise<DescribeEndpointConfigOutput> {
    return this.endpointConfigs.describe(req);
  }
  async deleteEndpointConfig(req: DeleteEndpointConfigInput): Promise<Record<string, never>> {
    return this.endpointConfigs.delete(req);
  }
  async createEndpoint(req: CreateEndpointInput): Promise<CreateEndpointOutput> {
    return this.endpoints.create(req);
  }
  async updateEndpoint(req: UpdateEndpointInput): Promise<UpdateEndpointOutput> {
    return this.endpoints.update(req);
  }
  async describeEndpoint(req: DescribeEndpointInput): Promise<DescribeEndpointOutput> {
    return this.endpoints.describe(req);
  }
  async deleteEndpoint(req: DeleteEndpointInput): Promise<Record<string, never>> {
    return this.endpoints.delete(req);
  }
  async listEndpoints(req: ListEndpointsInput = {}): Promise<ListEndpointsOutput> {
    return this.endpoints.list(req);
  }
  /** Not a SageMaker action: resolves once the endpoint is no longer Creating or Updating. */
  waitForEndpoint(name: string, signal?: AbortSignal): Promise<DescribeEndpointOutput> {
    return this.endpoints.wait(name, signal);
  }
  /**
   * SageMaker Runtime's InvokeEndpoint (DeepAR's JSON request and response). Throws an EndpointInvocationError:
   * ValidationError (unknown endpoint), ModelError (bad body, naming the field), ServiceUnavailable (not in service).
   */
  invokeEndpoint(endpointName: string, body: unknown): Promise<{ predictions: unknown[] }> {
    return this.runtime.invoke(endpointName, body);
  }
  /** Not a SageMaker action: the endpoints' inference pool, its bounds and batches (docs/serving.md). */
  endpointServingStats(): InferenceServingStats | undefined {
    return this.runtime.servingStats();
  }

  /** SDK action names in camelCase (`createTrainingJob`, `describeModelPackage`, ...) → the methods above. */
  async call(action: string, params: unknown): Promise<unknown> {
    const method = Object.hasOwn(ACTIONS, action) ? ACTIONS[action as Action] : undefined;
    if (!method) {
      throw invalid(`The local SageMaker does not implement the action "${action}" (it implements: ${Object.keys(ACTIONS).join(', ')})`, 'action');
    }
    this.beforeCall?.(action, params);
    return method(this, requireObject(params ?? {}, `${action} parameters`));
  }

  /**
   * `sagemaker:<action>.sync`: createTrainingJob and createTransformJob resolve with the job's description once it ends
   * (whatever its status: the caller decides what Failed means); other actions resolve as `call` does.
   */
  async callSync(action: string, params: unknown, signal?: AbortSignal): Promise<unknown> {
    const out = await this.call(action, params);
    const p = params as { TrainingJobName?: string; TransformJobName?: string };
    if (action === 'createTrainingJob') return this.waitForTrainingJob(p.TrainingJobName!, signal);
    if (action === 'createTransformJob') return this.waitForTransformJob(p.TransformJobName!, signal);
    return out;
  }

  /**
   * Detaches this instance: running jobs stop writing (their workers end on their own), waiters see no more
   * changes, and a later instance's `recover()` fails the jobs that were left InProgress.
   */
  close(): void {
    void this.runtime.close();
    this.context.close();
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const ACTIONS = {
  createTrainingJob: (s: LocalSageMaker, p: any) => s.createTrainingJob(p),
  describeTrainingJob: (s: LocalSageMaker, p: any) => s.describeTrainingJob(p),
  stopTrainingJob: (s: LocalSageMaker, p: any) => s.stopTrainingJob(p),
  createModel: (s: LocalSageMaker, p: any) => s.createModel(p),
  describeModel: (s: LocalSageMaker, p: any) => s.describeModel(p),
  deleteModel: (s: LocalSageMaker, p: any) => s.deleteModel(p),
  createTransformJob: (s: LocalSageMaker, p: any) => s.createTransformJob(p),
  describeTransformJob: (s: LocalSageMaker, p: any) => s.describeTransformJob(p),
  createModelPackageGroup: (s: LocalSageMaker, p: any) => s.createModelPackageGroup(p),
  describeModelPackageGroup: (s: LocalSageMaker, p: any) => s.describeModelPackageGroup(p),
  createModelPackage: (s: LocalSageMaker, p: any) => s.createModelPackage(p),
  describeModelPackage: (s: LocalSageMaker, p: any) => s.describeModelPackage(p),
  listModelPackages: (s: LocalSageMaker, p: any) => s.listModelPackages(p),
  updateModelPackage: (s: LocalSageMaker, p: any) => s.updateModelPackage(p),
  createEndpointConfig: (s: LocalSageMaker, p: any) => s.createEndpointConfig(p),
  describeEndpointConfig: (s: LocalSageMaker, p: any) => s.describeEndpointConfig(p),
  deleteEndpointConfig: (s: LocalSageMaker, p: any) => s.deleteEndpointConfig(p),
  createEndpoint: (s: LocalSageMaker, p: any) => s.createEndpoint(p),
  updateEndpoint: (s: LocalSageMaker, p: any) => s.updateEndpoint(p),
  describeEndpoint: (s: LocalSageMaker, p: any) => s.describeEndpoint(p),
  deleteEndpoint: (s: LocalSageMaker, p: any) => s.deleteEndpoint(p),
  listEndpoints: (s: LocalSageMaker, p: any) => s.listEndpoints(p),
} satisfies Record<string, (s: LocalSageMaker, p: any) => Promise<unknown>>;
/* eslint-enable @typescript-eslint/no-explicit-any */

type Action = keyof typeof ACTIONS;
export const LOCAL_SAGEMAKER_ACTIONS = Object.keys(ACTIONS) as Action[];
