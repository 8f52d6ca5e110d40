/**
 * The model registry as people ask about it: each version with its status and loss, which version serves
 * each stage now, and one version's lineage (its evaluation against seasonal naive and the champion, the
 * data window, the training job and hyperparameters, the approvals: who and when, the executions).
 * Read through the twin's SageMaker API, the approval store and the executions: nothing is written.
 */
import type { ApprovalRequest } from '../../src/core/approval';
import { STAGES, type Stage } from '../../src/core/monitoring-policy';
import type { ApprovalStore } from '../../src/ports/approval-store';
import type { ObjectStore } from '../../src/ports/object-store';
import type { ExecutionRecord } from '../executor/execution-store';
import type { LocalSageMaker } from '../sagemaker';
import { NotFoundError } from './errors';
import { machineOf } from './executions';

export interface ModelSummary {
  version: number;
  arn: string;
  status: string;
  created: string;
  /** The candidate's mean wQuantileLoss on the hold-out, exact. */
  loss: number | null;
  trainingJob?: string;
  /** The stages this version serves now. */
  serves: Stage[];
}

export interface ModelsView {
  models: ModelSummary[];
  /** Which version serves each stage now (null: none, or a model not in the registry). */
  stages: Record<Stage, { endpoint: string; status?: string; version: number | null; endpointConfig?: string }>;
}

export interface ModelLineage extends ModelSummary {
  description?: string;
  approvalDescription?: string;
  /** Mean wQuantileLoss on the hold-out of the candidate, seasonal naive (baseline) and the model in production then (champion). */
  evaluation: { candidate: number | null; baseline: number | null; champion: number | null; threshold: number | null; rmse: number | null; reportUri?: string };
  dataWindow: { from?: string; to?: string };
  training?: { job: string; status?: string; hyperParameters?: Record<string, string>; started?: string; ended?: string; seconds?: number; finalMetrics?: Array<{ name: string; value: number }> };
  /** Every registry status change, oldest first. */
  statusHistory: Array<{ from: string; to: string; description?: string; at: string }>;
  /** The approval requests of its deployment: stage, outcome, who decided and when. */
  approvals: Array<{ stage: string; status: string; createdAt: string; expiresAt: string; decidedBy?: string; decidedAt?: string; from?: string }>;
  /** The training that made it and the deployments that carried it. */
  executions: Array<{ name: string; machine: string; status: string; startDate: string }>;
}

export interface ModelsDeps {
  sageMaker: Pick<LocalSageMaker, 'listModelPackages' | 'describeModelPackage' | 'listEndpoints' | 'describeEndpoint' | 'describeEndpointConfig' | 'describeTrainingJob' | 'modelPackageApprovalHistory'>;
  approvals: Pick<ApprovalStore, 'listForExecution'>;
  objectStore: Pick<ObjectStore, 'get'>;
  executions(): ExecutionRecord[];
  modelPackageGroup: string;
  /** The prefix of the state machines' names (`btc-fee-deepar-local`). */
  prefix: string;
  endpoints: Record<Stage, string>;
}

const numberOrNull = (text: string | undefined): number | null => {
  const n = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : null;
};

/** The training job (= model name) each stage's endpoint serves now. */
async function servingJobs(deps: ModelsDeps): Promise<ModelsView['stages'] & Record<Stage, { job?: string }>> {
  const stages = {} as ModelsView['stages'] & Record<Stage, { job?: string }>;
  for (const stage of STAGES) {
    const endpoint = deps.endpoints[stage];
    stages[stage] = { endpoint, version: null };
    try {
      const described = await deps.sageMaker.describeEndpoint({ EndpointName: endpoint });
      const config = await deps.sageMaker.describeEndpointConfig({ EndpointConfigName: described.EndpointConfigName! });
      stages[stage] = { endpoint, status: described.EndpointStatus, endpointConfig: described.EndpointConfigName, version: null, job: config.ProductionVariants?.[0]?.ModelName };
    } catch {
      // No such endpoint yet: the stage serves nothing.
    }
  }
  return stages;
}

async function packages(deps: ModelsDeps) {
  const list = (await deps.sageMaker.listModelPackages({ ModelPackageGroupName: deps.modelPackageGroup, MaxResults: 100, SortBy: 'CreationTime', SortOrder: 'Descending' })).ModelPackageSummaryList ?? [];
  return Promise.all(list.map((p) => deps.sageMaker.describeModelPackage({ ModelPackageName: p.ModelPackageArn! })));
}

type Described = Awaited<ReturnType<ModelsDeps['sageMaker']['describeModelPackage']>>;

function summaryOf(p: Described, stages: Awaited<ReturnType<typeof servingJobs>>): ModelSummary {
  const meta = p.CustomerMetadataProperties ?? {};
  const serves = STAGES.filter((s) => stages[s].job !== undefined && stages[s].job === meta.trainingJob);
  return {
    version: p.ModelPackageVersion ?? 0,
    arn: p.ModelPackageArn!,
    status: p.ModelApprovalStatus ?? '',
    created: new Date(p.CreationTime!).toISOString(),
    loss: numberOrNull(meta.meanWQuantileLoss),
    ...(meta.trainingJob ? { trainingJob: meta.trainingJob } : {}),
    serves,
  };
}

export async function modelsView(deps: ModelsDeps): Promise<ModelsView> {
  const stages = await servingJobs(deps);
  const models = (await packages(deps)).map((p) => summaryOf(p, stages));
  const view = {} as ModelsView['stages'];
  for (const stage of STAGES) {
    const { job: _job, ...rest } = stages[stage];
    view[stage] = { ...rest, version: models.find((m) => m.serves.includes(stage))?.version ?? null };
  }
  return { models, stages: view };
}

/** The champion's loss as the evaluation report recorded it (the report is the training's own evidence). */
async function championLoss(deps: ModelsDeps, reportUri: string | undefined): Promise<number | null> {
  if (!reportUri) return null;
  try {
    const report = JSON.parse((await deps.objectStore.get(reportUri)).toString('utf8')) as { production?: { meanWQuantileLoss?: unknown } | null };
    const loss = report.production?.meanWQuantileLoss;
    return typeof loss === 'number' && Number.isFinite(loss) ? loss : null;
  } catch {
    return null; // a report that cannot be read leaves the champion unknown, not the page broken
  }
}

export async function modelLineage(deps: ModelsDeps, version: number): Promise<ModelLineage> {
  const stages = await servingJobs(deps);
  const all = await packages(deps);
  const p = all.find((d) => d.ModelPackageVersion === version);
  if (!p) {
    const known = all.map((d) => d.ModelPackageVersion).sort((a, b) => (a ?? 0) - (b ?? 0));
    throw new NotFoundError(`no model version ${version} in the registry ${deps.modelPackageGroup}${known.length ? ` (versions: ${known.join(', ')})` : ' (no model registered yet)'}`);
  }
  const meta = p.CustomerMetadataProperties ?? {};
  const reportUri = p.ModelMetrics?.ModelQuality?.Statistics?.S3Uri;
  let training: ModelLineage['training'];
  if (meta.trainingJob) {
    training = { job: meta.trainingJob };
    try {
      const job = await deps.sageMaker.describeTrainingJob({ TrainingJobName: meta.trainingJob });
      const started = job.TrainingStartTime ? new Date(job.TrainingStartTime) : undefined;
      const ended = job.TrainingEndTime ? new Date(job.TrainingEndTime) : undefined;
      training = {
        job: meta.trainingJob,
        status: job.TrainingJobStatus,
        hyperParameters: job.HyperParameters,
        ...(started ? { started: started.toISOString() } : {}),
        ...(ended ? { ended: ended.toISOString() } : {}),
        ...(job.TrainingTimeInSeconds !== undefined ? { seconds: job.TrainingTimeInSeconds } : {}),
        finalMetrics: (job.FinalMetricDataList ?? []).map((m) => ({ name: m.MetricName ?? '', value: m.Value ?? NaN })),
      };
    } catch {
      // The job's record is gone: the registry still names it.
    }
  }
  const arn = p.ModelPackageArn!;
  const related = deps.executions().filter((e) => {
    const input = (e.input ?? {}) as { modelPackageArn?: unknown };
    const output = (e.output ?? {}) as { modelPackageArn?: unknown; registration?: { modelPackageArn?: unknown } };
    const job = (e.output ?? {}) as { training?: { jobName?: unknown }; jobName?: unknown };
    return input.modelPackageArn === arn || output.modelPackageArn === arn || output.registration?.modelPackageArn === arn || (meta.trainingJob !== undefined && (job.training?.jobName === meta.trainingJob || job.jobName === meta.trainingJob));
  });
  const requests: ApprovalRequest[] = [];
  for (const e of related) requests.push(...(await deps.approvals.listForExecution(e.executionArn)).filter((r) => r.modelPackageArn === arn));
  const history = await deps.sageMaker.modelPackageApprovalHistory(arn);
  return {
    ...summaryOf(p, stages),
    ...(p.ModelPackageDescription ? { description: p.ModelPackageDescription } : {}),
    ...(p.ApprovalDescription ? { approvalDescription: p.ApprovalDescription } : {}),
    evaluation: {
      candidate: numberOrNull(meta.meanWQuantileLoss),
      baseline: numberOrNull(meta.seasonalNaiveLoss),
      champion: await championLoss(deps, reportUri),
      threshold: numberOrNull(meta.threshold),
      rmse: numberOrNull(meta.rmse),
      ...(reportUri ? { reportUri } : {}),
    },
    dataWindow: { ...(meta.windowFrom ? { from: meta.windowFrom } : {}), ...(meta.windowTo ? { to: meta.windowTo } : {}) },
    ...(training ? { training } : {}),
    statusHistory: history.map((h) => ({ from: h.from, to: h.to, ...(h.description ? { description: h.description } : {}), at: h.changedAt.toISOString() })),
    approvals: requests.map((r) => ({
      stage: r.stage,
      status: r.status,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      ...(r.decision ? { decidedBy: r.decision.by, decidedAt: r.decision.at, ...(r.decision.from ? { from: r.decision.from } : {}) } : {}),
    })),
    executions: related.map((e) => ({ name: e.name, machine: machineOf(e.stateMachineArn, deps.prefix), status: e.status, startDate: e.startDate })),
  };
}
