/**
 * The twin at a glance: what `mlops status` prints and the dashboard's /api/status serves. It reads the home
 * (whether `mlops up` runs or not) and returns plain JSON with exact numbers; rounding is the printer's job.
 * It writes nothing.
 */
import { effectiveStatus } from '../../src/core/approval';
import { isBreach, STAGES, type Stage } from '../../src/core/monitoring-policy';
import type { MonitoringCheck } from '../../src/ports/monitoring-store';
import type { FeatureStoreSummary } from '../adapters/sqlite-feature-store';
import { ExecutionStore } from '../executor/execution-store';
import type { Pipeline } from '../pipeline';
import type { Twin } from '../twin';

export type Gap = FeatureStoreSummary['gaps'][number];

export interface StageStatus {
  /** The stage's endpoint as SageMaker describes it; null when none is deployed. */
  endpoint: { name: string; status: string; endpointConfigName: string; lastModifiedTime: string } | null;
  /** The registered model the endpoint serves; null when none does (or it is not in the registry). */
  model: {
    modelPackageArn: string;
    version: number;
    trainingJob: string;
    /** Its mean wQuantileLoss on its held-out points when it was evaluated. */
    meanWQuantileLoss: number | null;
    /** The data window it was trained on. */
    window: { from: string; to: string } | null;
    /** Since when it serves this stage: when the stage's approval was decided (the twin's clock), if found. */
    approvedAt: string | null;
    approvedBy: string | null;
  } | null;
  /** The latest monitoring check of this stage; null before the first. */
  lastCheck: (MonitoringCheck & { breach: boolean }) | null;
}

export interface StatusSummary {
  home: string;
  /** The twin's clock (ISO 8601). */
  now: string;
  /** The feature store's summary, with its largest gap (null when there is none). */
  featureStore: FeatureStoreSummary & { largestGap: Gap | null };
  stages: Record<Stage, StageStatus>;
  pendingApprovals: Array<{
    stage: Stage;
    modelPackageArn: string;
    executionArn: string;
    meanWQuantileLoss: number;
    threshold: number;
    createdAt: string;
    expiresAt: string;
  }>;
  runningExecutions: Array<{
    name: string;
    executionArn: string;
    stateMachine: string;
    startDate: string;
    /** Its process has gone (killed or crashed): the next `mlops up` marks it ABORTED. */
    interrupted: boolean;
  }>;
}

/** How many recent checks are read to find each stage's latest (checks come hourly, one per stage). */
const RECENT_CHECKS = 50;

export async function statusSummary(twin: Twin, pipeline: Pipeline, now: Date): Promise<StatusSummary> {
  const featureStore = twin.featureStore.summary();
  const largestGap = featureStore.gaps.reduce<Gap | null>((largest, gap) => (largest === null || gap.minutes > largest.minutes ? gap : largest), null);
  const checks = await pipeline.monitoringStore.recentChecks(RECENT_CHECKS);
  const stages = {} as Record<Stage, StageStatus>;
  for (const stage of STAGES) stages[stage] = await stageStatus(pipeline, stage, checks);
  return {
    home: twin.home.dir,
    now: now.toISOString(),
    featureStore: { ...featureStore, largestGap },
    stages,
    pendingApprovals: (await pipeline.approvals.listPending())
      .filter((r) => effectiveStatus(r, now) === 'pending')
      .map((r) => ({
        stage: r.stage,
        modelPackageArn: r.modelPackageArn,
        executionArn: r.executionArn,
        meanWQuantileLoss: r.evidence.meanWQuantileLoss,
        threshold: r.evidence.threshold,
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
      })),
    runningExecutions: runningExecutions(twin, pipeline),
  };
}

function runningExecutions(twin: Twin, pipeline: Pipeline): StatusSummary['runningExecutions'] {
  const interrupted = new Set(new ExecutionStore(twin.home.db).orphans());
  return pipeline.stepFunctions.executionRecords({ status: 'RUNNING', limit: 100 }).map((e) => ({
    name: e.name,
    executionArn: e.executionArn,
    stateMachine: e.stateMachineArn.split(':').pop()!.replace(`${pipeline.settings.JOB_NAME_PREFIX}-`, ''),
    startDate: e.startDate,
    interrupted: interrupted.has(e.executionArn),
  }));
}

async function stageStatus(pipeline: Pipeline, stage: Stage, checks: MonitoringCheck[]): Promise<StageStatus> {
  const last = checks.filter((c) => c.stage === stage).at(-1);
  const lastCheck = last ? { ...last, breach: isBreach(last) } : null;
  const endpointName = stage === 'staging' ? pipeline.settings.STAGING_ENDPOINT_NAME : pipeline.settings.PRODUCTION_ENDPOINT_NAME;
  const listed = (await pipeline.sageMaker.listEndpoints({ NameContains: endpointName })).Endpoints ?? [];
  if (!listed.some((e) => e.EndpointName === endpointName)) return { endpoint: null, model: null, lastCheck };
  const described = await pipeline.sageMaker.describeEndpoint({ EndpointName: endpointName });
  const endpoint = {
    name: endpointName,
    status: described.EndpointStatus ?? '',
    endpointConfigName: described.EndpointConfigName ?? '',
    lastModifiedTime: new Date(described.LastModifiedTime!).toISOString(),
  };
  return { endpoint, model: await servedModel(pipeline, stage, endpoint.endpointConfigName), lastCheck };
}

/** The registered package behind an endpoint config: its model is named after the training job that made it. */
async function servedModel(pipeline: Pipeline, stage: Stage, endpointConfigName: string): Promise<StageStatus['model']> {
  if (!endpointConfigName) return null;
  const config = await pipeline.sageMaker.describeEndpointConfig({ EndpointConfigName: endpointConfigName });
  const modelName = config.ProductionVariants?.[0]?.ModelName;
  const packages = (await pipeline.sageMaker.listModelPackages({ ModelPackageGroupName: pipeline.settings.MODEL_PACKAGE_GROUP, MaxResults: 100, SortBy: 'CreationTime', SortOrder: 'Descending' })).ModelPackageSummaryList ?? [];
  for (const summary of packages) {
    const p = await pipeline.sageMaker.describeModelPackage({ ModelPackageName: summary.ModelPackageArn! });
    const meta = p.CustomerMetadataProperties ?? {};
    if (meta.trainingJob !== modelName) continue;
    const approval = await stageApproval(pipeline, stage, p.ModelPackageArn!);
    const loss = meta.meanWQuantileLoss === undefined ? NaN : Number(meta.meanWQuantileLoss);
    return {
      modelPackageArn: p.ModelPackageArn!,
      version: p.ModelPackageVersion ?? 0,
      trainingJob: meta.trainingJob,
      meanWQuantileLoss: Number.isFinite(loss) ? loss : null,
      window: meta.windowFrom && meta.windowTo ? { from: meta.windowFrom, to: meta.windowTo } : null,
      approvedAt: approval?.at ?? null,
      approvedBy: approval?.by ?? null,
    };
  }
  return null;
}

/** The approval that sent this package to this stage, found through the deployment its training started. */
async function stageApproval(pipeline: Pipeline, stage: Stage, modelPackageArn: string) {
  const trainings = pipeline.stepFunctions.executionRecords({ stateMachineArn: pipeline.stepFunctions.stateMachineArn('training'), limit: 1000 });
  const training = trainings.find((e) => (e.output as { modelPackageArn?: string } | undefined)?.modelPackageArn === modelPackageArn);
  const deploymentArn = (training?.output as { deploymentExecutionArn?: string } | undefined)?.deploymentExecutionArn;
  if (!deploymentArn) return undefined;
  const requests = await pipeline.approvals.listForExecution(deploymentArn);
  return requests.find((r) => r.stage === stage && r.status === 'approved')?.decision;
}
