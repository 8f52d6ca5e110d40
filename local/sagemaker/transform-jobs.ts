/**
 * Batch transform jobs: CreateTransformJob runs in the background. The ModelHost loads the model, then each
 * object under the input prefix is forecast with DeepAR's batch transform (DEEPAR_INFERENCE_CONFIG from Environment) and writes `<S3OutputPath>/<input name>.out`, one
 * line out per line in. A bad line fails the job; its error (which names the line) is the FailureReason.
 * With either SplitType or AssembleWith the output is DeepAR's JSON Lines: each record is a line.
 */
import type { CreateTransformJobResponse, DescribeTransformJobResponse, TransformJobStatus } from '@aws-sdk/client-sagemaker';
import { setImmediate as nextTurn } from 'node:timers/promises';
import jobNames from '../../test/fixtures/aws/sagemaker-job-names.json';
import { batchTransform, loadPredictor, transformInWorker, WorkerTransformError } from '../../src/deepar/runtime';
import { dateOf, failureReason, iso, isOrphanOwner, ORPHAN_FAILURE_REASON, resourceKey, type ServiceContext } from './context';
import { invalid, resourceInUse } from './errors';
import type { ModelHost } from './model-host';
import type { Models, StoredModel } from './models';
import { relativeName } from './objects';
import { checkDeepArBatchSettings, checkTransformJobRequest, inputObjects, type ValidTransformJobRequest } from './transform-request';
import { requireName, requireObject } from './validation';

interface Row {
  name: string;
  arn: string;
  status: TransformJobStatus;
  request: string;
  failure_reason: string | null;
  outputs: string;
  owner: string | null;
  creation_time: string;
  transform_start_time: string | null;
  transform_end_time: string | null;
  last_modified_time: string;
}

export class TransformJobs {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly models: Models,
    private readonly host: ModelHost,
    private readonly seed = 0,
  ) {}

  async create(input: unknown): Promise<CreateTransformJobResponse> {
    const req = checkTransformJobRequest(input);
    this.assertNew(req.TransformJobName);
    const model = this.models.get(req.ModelName);
    const inputs = await inputObjects(this.ctx.objectStore, req);
    this.assertNew(req.TransformJobName);
    const now = iso(this.ctx.now());
    const arn = this.ctx.arn('transform-job', req.TransformJobName);
    this.ctx.db
      .prepare(
        `INSERT INTO sagemaker_transform_jobs (name, arn, status, request, owner, creation_time, transform_start_time, last_modified_time)
         VALUES (?, ?, 'InProgress', ?, ?, ?, ?, ?)`,
      )
      .run(req.TransformJobName, arn, JSON.stringify(req), this.ctx.owner, now, now, now);
    this.changed(req.TransformJobName, 'InProgress');
    void this.run(req, model, inputs).catch(() => undefined); // run records its own failures; this only swallows a closed store's
    return { TransformJobArn: arn };
  }

  describe(input: unknown): DescribeTransformJobResponse {
    const { TransformJobName } = requireObject<{ TransformJobName?: string }>(input, 'DescribeTransformJobRequest');
    const name = requireName(TransformJobName, 'TransformJobName');
    const row = this.find(name);
    if (!row) throw invalid(`Could not find requested job with name ${name}`, 'TransformJobName');
    const req = JSON.parse(row.request) as ValidTransformJobRequest;
    return {
      TransformJobName: row.name,
      TransformJobArn: row.arn,
      TransformJobStatus: row.status,
      FailureReason: row.failure_reason ?? undefined,
      ModelName: req.ModelName,
      MaxConcurrentTransforms: req.MaxConcurrentTransforms,
      MaxPayloadInMB: req.MaxPayloadInMB,
      BatchStrategy: req.BatchStrategy,
      Environment: req.Environment,
      TransformInput: req.TransformInput,
      TransformOutput: req.TransformOutput,
      TransformResources: req.TransformResources,
      CreationTime: new Date(row.creation_time),
      TransformStartTime: dateOf(row.transform_start_time),
      TransformEndTime: dateOf(row.transform_end_time),
    };
  }

  /** The `.out` objects a job wrote, in input order. */
  outputs(name: string): string[] {
    const row = this.find(name);
    if (!row) throw invalid(`Could not find requested job with name ${name}`, 'TransformJobName');
    return JSON.parse(row.outputs) as string[];
  }

  wait(name: string, signal?: AbortSignal): Promise<DescribeTransformJobResponse> {
    return this.ctx.waitUntil(resourceKey('transform-job', name), () => {
      const d = this.describe({ TransformJobName: name });
      return d.TransformJobStatus === 'Completed' || d.TransformJobStatus === 'Failed' || d.TransformJobStatus === 'Stopped' ? d : undefined;
    }, signal);
  }

  recover(): string[] {
    const rows = this.ctx.db.prepare(`SELECT * FROM sagemaker_transform_jobs WHERE status IN ('InProgress', 'Stopping')`).all() as Row[];
    const orphans = rows.filter((r) => isOrphanOwner(r.owner));
    for (const row of orphans) this.finish(row.name, 'Failed', ORPHAN_FAILURE_REASON, { requireOwner: false });
    return orphans.map((r) => r.name);
  }

  private async run(req: ValidTransformJobRequest, model: StoredModel, inputs: string[]): Promise<void> {
    const name = req.TransformJobName;
    const prefix = req.TransformInput!.DataSource!.S3DataSource!.S3Uri!;
    const outputPath = req.TransformOutput!.S3OutputPath!.replace(/\/+$/, '');
    let current = '';
    try {
      checkDeepArBatchSettings(req);
      const forecast = await this.forecaster(model);
      for (const uri of inputs) {
        current = uri;
        await nextTurn(); // let other work (waiters, HTTP) in between objects
        if (this.ctx.isClosed()) return;
        const text = (await this.ctx.objectStore.get(uri)).toString('utf8');
        const out = await forecast(text, req.Environment?.DEEPAR_INFERENCE_CONFIG);
        const outUri = `${outputPath}/${relativeName(prefix, uri)}.out`;
        await this.ctx.objectStore.put(outUri, out);
        this.ctx.db
          .prepare(`UPDATE sagemaker_transform_jobs SET outputs = json_insert(outputs, '$[#]', ?), last_modified_time = ? WHERE name = ? AND owner = ?`)
          .run(outUri, iso(this.ctx.now()), name, this.ctx.owner);
      }
      current = '';
      if (!this.ctx.isClosed()) this.finish(name, 'Completed');
    } catch (e) {
      if (this.ctx.isClosed()) return;
      // A model that cannot be loaded is the job's failure, not one input object's.
      const inObject = current && !(e instanceof WorkerTransformError && e.stage === 'load');
      this.finish(name, 'Failed', inObject ? `${failureReason(e)} (in ${current})` : failureReason(e));
    }
  }

  /**
   * How this job forecasts one input object. With DeepAR's own loader, in a worker thread from the unpacked model
   * (a forecast of a week of minutes blocks a thread for hundreds of milliseconds: bench/transform-blocking.ts),
   * so the twin's HTTP server and executions go on meanwhile; with an injected loader (tests' fakes, which only run
   * where they were made), in this thread.
   */
  private async forecaster(model: StoredModel): Promise<(input: string, inferenceConfig?: string) => Promise<string>> {
    const hosted = { name: model.name, arn: model.arn, modelDataUrl: model.modelDataUrl, creationTime: model.creationTime.getTime() };
    if (this.host.loader === loadPredictor) {
      const modelDir = await this.host.unpacked(hosted);
      return (input, inferenceConfig) => transformInWorker({ modelDir, input, inferenceConfig, seed: this.seed });
    }
    const predictor = await this.host.load(hosted);
    return async (input, inferenceConfig) => batchTransform(predictor, input, inferenceConfig, this.seed);
  }

  /** Ends a job. Only the owner, or recovery of an orphan, ends it: the row's owner is cleared. */
  private finish(name: string, status: TransformJobStatus, reason?: string, { requireOwner = true } = {}): void {
    const now = iso(this.ctx.now());
    const { changes } = this.ctx.db
      .prepare(
        `UPDATE sagemaker_transform_jobs SET status = ?, failure_reason = ?, transform_end_time = ?, last_modified_time = ?, owner = NULL
         WHERE name = ? AND (owner = ? OR NOT ?)`,
      )
      .run(status, reason ?? null, now, now, name, this.ctx.owner, requireOwner ? 1 : 0);
    if (changes > 0) this.changed(name, status, reason);
  }

  private changed(name: string, status: string, failureReason?: string): void {
    this.ctx.changed(resourceKey('transform-job', name), { type: 'TransformJobStatusChanged', name, status, failureReason });
  }

  private assertNew(name: string): void {
    const row = this.find(name);
    if (row) {
      // SageMaker's documented refusal (test/fixtures/aws/sagemaker-job-names.json): a name is never reused.
      throw resourceInUse(`${jobNames.transformJob.message} (${row.arn})`, 'TransformJobName');
    }
  }

  private find(name: string): Row | undefined {
    return this.ctx.db.prepare('SELECT * FROM sagemaker_transform_jobs WHERE name = ?').get(name) as Row | undefined;
  }
}
