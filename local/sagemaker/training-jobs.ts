/**
 * Training jobs: CreateTrainingJob starts one in the background (Starting → Downloading → Training →
 * Uploading → Completed, or Failed/Stopped); DescribeTrainingJob reads its row; waiters wake on each change.
 * The run copies each channel's objects to `<workDir>/training-jobs/<name>/input/data/<channel>/`, calls the
 * trainer (DeepAR in a worker thread), and puts the model directory as `<S3OutputPath>/<name>/output/model.tar.gz`.
 */
import type {
  CreateTrainingJobResponse, DescribeTrainingJobResponse, MetricData, SecondaryStatus, SecondaryStatusTransition,
  TrainingJobStatus,
} from '@aws-sdk/client-sagemaker';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import jobNames from '../../test/fixtures/aws/sagemaker-job-names.json';
import { PipelineError } from '../../src/core/errors';
import type { TrainingJobRequest, TrainingJobResult, TrainingProgress } from '../../src/deepar/runtime';
import {
  dateOf, failureReason, iso, isOrphanOwner, ORPHAN_FAILURE_REASON, resourceKey, type ServiceContext,
} from './context';
import { invalid, resourceInUse, resourceLimitExceeded, resourceNotFound } from './errors';
import { downloadPrefix, packDirectory } from './objects';
import { checkChannelFormat, checkChannelsExist, checkTrainingJobRequest, modelArtifactUri, type ValidTrainingJobRequest } from './training-request';
import { requireName, requireObject } from './validation';

/** Runs DeepAR: `runInWorker` from src/deepar, or a stand-in in tests. */
export type Trainer = (req: TrainingJobRequest) => Promise<TrainingJobResult>;

export interface TrainingJobsOptions {
  trainer: Trainer;
  /** Jobs InProgress at once before CreateTrainingJob answers ResourceLimitExceeded. */
  maxConcurrentTrainingJobs: number;
  seed?: number;
  numBatchesPerEpoch?: number;
}

interface Row {
  name: string;
  arn: string;
  status: TrainingJobStatus;
  secondary_status: SecondaryStatus;
  request: string;
  transitions: string;
  progress: string;
  final_metrics: string | null;
  model_artifacts: string | null;
  failure_reason: string | null;
  owner: string | null;
  creation_time: string;
  training_start_time: string | null;
  training_end_time: string | null;
  last_modified_time: string;
}

type UpdateExtra = { start?: boolean; end?: boolean; failureReason?: string; message?: string; finalMetrics?: MetricData[]; modelArtifacts?: string };

type StoredTransition = { Status: SecondaryStatus; StartTime: string; EndTime?: string; StatusMessage?: string };

const STATUS_MESSAGES: Partial<Record<SecondaryStatus, string>> = {
  Starting: 'Preparing the instances for training',
  Downloading: 'Downloading input data',
  Training: 'Training image download completed. Training in progress.',
  Uploading: 'Uploading generated training model',
  Completed: 'Training job completed',
  Stopping: 'Stopping the training job',
  Stopped: 'Training job stopped',
};

class JobStopped extends PipelineError {
  override readonly name = 'JobStopped' as const;
  constructor(readonly reason: 'Stopped' | 'MaxRuntimeExceeded') {
    super(reason);
  }
}

/** The row was taken from this instance (closed, or recovered by another): stop writing to it. */
class JobAbandoned extends PipelineError {
  override readonly name = 'JobAbandoned' as const;
}

export class TrainingJobs {
  private readonly stops = new Map<string, (reason: JobStopped['reason']) => void>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: TrainingJobsOptions,
  ) {}

  async create(input: unknown): Promise<CreateTrainingJobResponse> {
    const req = checkTrainingJobRequest(input);
    this.assertNew(req.TrainingJobName);
    await checkChannelsExist(this.ctx.objectStore, req);
    this.assertNew(req.TrainingJobName);
    const { n } = this.ctx.db.prepare(`SELECT count(*) AS n FROM sagemaker_training_jobs WHERE status IN ('InProgress', 'Stopping')`).get() as { n: number };
    if (n >= this.opts.maxConcurrentTrainingJobs) {
      throw resourceLimitExceeded(
        `The account-level service limit 'concurrent training jobs' is ${this.opts.maxConcurrentTrainingJobs} Jobs, with current utilization of ${n} Jobs ` +
          `and a request delta of 1 Jobs. Wait for a running job to end (the local twin's limit, set by maxConcurrentTrainingJobs).`,
      );
    }
    const now = iso(this.ctx.now());
    const arn = this.ctx.arn('training-job', req.TrainingJobName);
    const transitions: StoredTransition[] = [{ Status: 'Starting', StartTime: now, StatusMessage: STATUS_MESSAGES.Starting }];
    this.ctx.db
      .prepare(
        `INSERT INTO sagemaker_training_jobs (name, arn, status, secondary_status, request, transitions, owner, creation_time, last_modified_time)
         VALUES (?, ?, 'InProgress', 'Starting', ?, ?, ?, ?, ?)`,
      )
      .run(req.TrainingJobName, arn, JSON.stringify(req), JSON.stringify(transitions), this.ctx.owner, now, now);
    this.changed(req.TrainingJobName, 'InProgress', 'Starting');
    void this.run(req).catch(() => undefined); // run records its own failures; this only swallows a closed store's
    return { TrainingJobArn: arn };
  }

  describe(input: unknown): DescribeTrainingJobResponse {
    const { TrainingJobName } = requireObject<{ TrainingJobName?: string }>(input, 'DescribeTrainingJobRequest');
    const row = this.find(requireName(TrainingJobName, 'TrainingJobName'));
    if (!row) throw invalid('Requested resource not found.', 'TrainingJobName');
    return toDescription(row);
  }

  /** The per-epoch progress the trainer reported so far (for a dashboard). */
  progress(name: string): TrainingProgress[] {
    const row = this.find(name);
    if (!row) throw invalid('Requested resource not found.', 'TrainingJobName');
    return JSON.parse(row.progress) as TrainingProgress[];
  }

  /** Resolves with the description once the job is Completed, Failed or Stopped. */
  wait(name: string, signal?: AbortSignal): Promise<DescribeTrainingJobResponse> {
    return this.ctx.waitUntil(resourceKey('training-job', name), () => {
      const d = this.describe({ TrainingJobName: name });
      return d.TrainingJobStatus === 'Completed' || d.TrainingJobStatus === 'Failed' || d.TrainingJobStatus === 'Stopped' ? d : undefined;
    }, signal);
  }

  stop(input: unknown): Record<string, never> {
    const { TrainingJobName } = requireObject<{ TrainingJobName?: string }>(input, 'StopTrainingJobRequest');
    const row = this.find(requireName(TrainingJobName, 'TrainingJobName'));
    if (!row) throw resourceNotFound('Requested resource not found.', 'TrainingJobName');
    if (row.status !== 'InProgress') {
      throw invalid(`The request was rejected because the training job is in status ${row.status}.`, 'TrainingJobName');
    }
    this.update(row.name, row, 'Stopping', 'Stopping', {}, { requireOwner: false });
    this.stops.get(row.name.toLowerCase())?.('Stopped');
    return {};
  }

  /** Fails the jobs whose runner is gone (the twin stopped while they ran). Returns their names. */
  recover(): string[] {
    const rows = this.ctx.db.prepare(`SELECT * FROM sagemaker_training_jobs WHERE status IN ('InProgress', 'Stopping')`).all() as Row[];
    const orphans = rows.filter((r) => isOrphanOwner(r.owner));
    for (const row of orphans) {
      this.update(row.name, row, 'Failed', 'Failed', { failureReason: ORPHAN_FAILURE_REASON, end: true }, { requireOwner: false });
    }
    return orphans.map((r) => r.name);
  }

  private async run(req: ValidTrainingJobRequest): Promise<void> {
    const name = req.TrainingJobName;
    const jobDir = join(this.ctx.workDir, 'training-jobs', name.toLowerCase());
    let stopReason: JobStopped['reason'] | undefined;
    const stopped = new Promise<never>((_, reject) =>
      this.stops.set(name.toLowerCase(), (reason) => {
        stopReason ??= reason;
        reject(new JobStopped(stopReason));
      }),
    );
    stopped.catch(() => undefined);
    const timer = setTimeout(() => this.stops.get(name.toLowerCase())?.('MaxRuntimeExceeded'), req.StoppingCondition.MaxRuntimeInSeconds * 1000);
    timer.unref();
    const step = (status: SecondaryStatus, extra: UpdateExtra = {}): void => {
      if (stopReason) throw new JobStopped(stopReason);
      this.update(name, this.find(name), 'InProgress', status, extra);
    };
    try {
      await rm(jobDir, { recursive: true, force: true });
      step('Downloading', { start: true });
      const channelDirs: Record<string, string> = {};
      for (const c of req.InputDataConfig) {
        channelDirs[c.ChannelName!] = join(jobDir, 'input', 'data', c.ChannelName!);
        const files = await downloadPrefix(this.ctx.objectStore, c.DataSource!.S3DataSource!.S3Uri!, channelDirs[c.ChannelName!]);
        checkChannelFormat(c, files.map((f) => relative(channelDirs[c.ChannelName!], f)));
      }
      step('Training');
      const modelDir = join(jobDir, 'model');
      const result = await Promise.race([
        this.opts.trainer({
          hyperparameters: req.HyperParameters ?? {},
          trainPath: channelDirs.train,
          testPath: channelDirs.test,
          modelDir,
          seed: this.opts.seed,
          numBatchesPerEpoch: this.opts.numBatchesPerEpoch,
          onProgress: (p) => this.recordProgress(name, p),
        }),
        stopped,
      ]);
      step('Uploading');
      const tarball = join(jobDir, 'output', 'model.tar.gz');
      await mkdir(join(jobDir, 'output'), { recursive: true });
      await packDirectory(modelDir, tarball);
      const artifact = modelArtifactUri(req);
      await this.ctx.objectStore.put(artifact, await readFile(tarball));
      await rm(jobDir, { recursive: true, force: true });
      const end = iso(this.ctx.now());
      const metrics: MetricData[] = result.finalMetrics.map((m) => ({ MetricName: m.MetricName, Value: m.Value, Timestamp: new Date(end) }));
      this.update(name, this.find(name), 'Completed', 'Completed', { end: true, finalMetrics: metrics, modelArtifacts: artifact });
    } catch (e) {
      if (e instanceof JobAbandoned || this.ctx.isClosed()) return;
      await rm(jobDir, { recursive: true, force: true }).catch(() => undefined);
      if (e instanceof JobStopped) {
        const message = e.reason === 'MaxRuntimeExceeded'
          ? `Training job stopped: it ran longer than StoppingCondition.MaxRuntimeInSeconds = ${req.StoppingCondition.MaxRuntimeInSeconds}`
          : STATUS_MESSAGES.Stopped;
        this.update(name, this.find(name), 'Stopped', e.reason, { end: true, message }, { requireOwner: false });
      } else {
        this.update(name, this.find(name), 'Failed', 'Failed', { end: true, failureReason: failureReason(e) }, { requireOwner: false });
      }
    } finally {
      clearTimeout(timer);
      this.stops.delete(name.toLowerCase());
    }
  }

  private recordProgress(name: string, p: TrainingProgress): void {
    if (this.ctx.isClosed()) return;
    try {
      this.ctx.db
        .prepare(`UPDATE sagemaker_training_jobs SET progress = json_insert(progress, '$[#]', json(?)), last_modified_time = ? WHERE name = ? AND owner = ?`)
        .run(JSON.stringify(p), iso(this.ctx.now()), name, this.ctx.owner);
      this.ctx.changed(resourceKey('training-job', name), { type: 'TrainingJobProgress', name, ...p });
    } catch {
      // A progress line lost (store closed) must not fail the training.
    }
  }

  /**
   * Moves a job to a status, closing the open secondary-status transition. Unless `requireOwner` is false,
   * only the instance running the job may write it (a recovered row is left alone).
   */
  private update(
    name: string,
    row: Row | undefined,
    status: TrainingJobStatus,
    secondary: SecondaryStatus,
    extra: UpdateExtra,
    { requireOwner = true } = {},
  ): void {
    if (!row || (requireOwner && row.owner !== this.ctx.owner) || this.ctx.isClosed()) throw new JobAbandoned(name);
    if (requireOwner && row.status === 'Stopping' && status === 'InProgress') throw new JobStopped('Stopped');
    const now = iso(this.ctx.now());
    const transitions = JSON.parse(row.transitions) as StoredTransition[];
    const last = transitions[transitions.length - 1];
    if (last && last.Status !== secondary) {
      last.EndTime ??= now;
      transitions.push({ Status: secondary, StartTime: now, StatusMessage: extra.failureReason ?? extra.message ?? STATUS_MESSAGES[secondary] });
    }
    if (extra.end) transitions[transitions.length - 1].EndTime ??= now;
    const terminal = status === 'Completed' || status === 'Failed' || status === 'Stopped';
    this.ctx.db
      .prepare(
        `UPDATE sagemaker_training_jobs SET status = ?, secondary_status = ?, transitions = ?, last_modified_time = ?,
           failure_reason = coalesce(?, failure_reason), final_metrics = coalesce(?, final_metrics), model_artifacts = coalesce(?, model_artifacts),
           training_start_time = coalesce(training_start_time, ?), training_end_time = coalesce(training_end_time, ?),
           owner = CASE WHEN ? THEN NULL ELSE owner END
         WHERE name = ?`,
      )
      .run(
        status, secondary, JSON.stringify(transitions), now,
        extra.failureReason ?? null, extra.finalMetrics ? JSON.stringify(extra.finalMetrics) : null, extra.modelArtifacts ?? null,
        extra.start ? now : null, extra.end ? now : null,
        terminal ? 1 : 0, row.name,
      );
    this.changed(row.name, status, secondary, extra.failureReason);
  }

  private changed(name: string, status: string, secondaryStatus: string, failureReason?: string): void {
    this.ctx.changed(resourceKey('training-job', name), { type: 'TrainingJobStatusChanged', name, status, secondaryStatus, failureReason });
  }

  private assertNew(name: string): void {
    const row = this.find(name);
    if (row) {
      // SageMaker's documented refusal (test/fixtures/aws/sagemaker-job-names.json): a name is never reused.
      throw resourceInUse(`${jobNames.trainingJob.message} (${row.arn})`, 'TrainingJobName');
    }
  }

  private find(name: string): Row | undefined {
    return this.ctx.db.prepare('SELECT * FROM sagemaker_training_jobs WHERE name = ?').get(name) as Row | undefined;
  }
}

function toDescription(row: Row): DescribeTrainingJobResponse {
  const req = JSON.parse(row.request) as ValidTrainingJobRequest;
  const progress = JSON.parse(row.progress) as TrainingProgress[];
  const last = progress[progress.length - 1];
  const start = dateOf(row.training_start_time);
  const end = dateOf(row.training_end_time);
  const seconds = start && end ? Math.max(1, Math.ceil((end.getTime() - start.getTime()) / 1000)) : undefined;
  const metrics = row.final_metrics
    ? (JSON.parse(row.final_metrics) as { MetricName: string; Value: number; Timestamp: string }[]).map((m) => ({ ...m, Timestamp: new Date(m.Timestamp) }))
    : undefined;
  return {
    TrainingJobName: row.name,
    TrainingJobArn: row.arn,
    ModelArtifacts: row.model_artifacts ? { S3ModelArtifacts: row.model_artifacts } : undefined,
    TrainingJobStatus: row.status,
    SecondaryStatus: row.secondary_status,
    FailureReason: row.failure_reason ?? undefined,
    HyperParameters: req.HyperParameters ?? {},
    AlgorithmSpecification: req.AlgorithmSpecification,
    RoleArn: req.RoleArn,
    InputDataConfig: req.InputDataConfig,
    OutputDataConfig: req.OutputDataConfig,
    ResourceConfig: req.ResourceConfig,
    StoppingCondition: req.StoppingCondition,
    Environment: req.Environment,
    CreationTime: new Date(row.creation_time),
    TrainingStartTime: start,
    TrainingEndTime: end,
    LastModifiedTime: new Date(row.last_modified_time),
    SecondaryStatusTransitions: (JSON.parse(row.transitions) as StoredTransition[]).map(
      (t): SecondaryStatusTransition => ({ Status: t.Status, StartTime: new Date(t.StartTime), EndTime: dateOf(t.EndTime), StatusMessage: t.StatusMessage }),
    ),
    FinalMetricDataList: metrics,
    EnableNetworkIsolation: req.EnableNetworkIsolation ?? false,
    EnableInterContainerTrafficEncryption: req.EnableInterContainerTrafficEncryption ?? false,
    EnableManagedSpotTraining: req.EnableManagedSpotTraining ?? false,
    TrainingTimeInSeconds: seconds,
    BillableTimeInSeconds: seconds,
    ProgressInfo: last ? { CurrentEpoch: last.epoch, MaxEpoch: last.epochs } : undefined,
  };
}
