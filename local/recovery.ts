/**
 * The steps that write when the twin starts. Opening a home and building a pipeline change nothing (so
 * `mlops status`, `executions` and `approvals` only read, even while `mlops up` runs); a command that
 * means to run the pipeline calls these.
 */
import { seedDefaultParameters } from '../src/core/seed-parameters';
import { redeliverDecisions, type RedeliverDecisionsResult } from '../src/use-cases/redeliver-decisions';
import type { Pipeline } from './pipeline';
import { resumeAbortedDeployments } from './resume';
import type { Twin } from './twin';

/** What a fresh home lacks: the run-time parameters' defaults and the model package group. Keeps what exists. */
export async function provision(twin: Twin, pipeline: Pipeline): Promise<void> {
  await seedDefaultParameters(twin.parameterStore, pipeline.settings.PARAMETER_PATH);
  await pipeline.sageMaker.ensureModelPackageGroup(pipeline.settings.MODEL_PACKAGE_GROUP);
}

export interface Recovery {
  trainingJobs: string[];
  transformJobs: string[];
  endpoints: string[];
  /** ARNs of the executions marked ABORTED. */
  executions: string[];
  /** How many task tokens of executions that no longer run were closed. */
  taskTokens: number;
}

/**
 * Ends what a twin process that has stopped left running: its SageMaker jobs and endpoint deployments
 * fail, its executions are aborted and their task tokens closed. What a live process (another `mlops`
 * command) runs is left alone.
 */
export function recoverOrphans(pipeline: Pipeline): Recovery {
  const jobs = pipeline.sageMaker.recover();
  const executions = pipeline.stepFunctions.recover();
  return { ...jobs, executions, taskTokens: pipeline.taskTokens.recover() };
}

/**
 * At `mlops up`: orphans ended, then the deployments they interrupted resumed (with the decisions made
 * on their links carried over), then every decision still undelivered sent once more: one whose
 * execution was not resumed hears Step Functions' answer (TaskTimedOut) and its page says so.
 */
export async function recover(
  pipeline: Pipeline,
  say: (line: string) => void,
): Promise<Recovery & { resumedDeployments: string[]; undeliveredDecisions: RedeliverDecisionsResult }> {
  const orphans = recoverOrphans(pipeline);
  const resumedDeployments = await resumeAbortedDeployments(pipeline, say);
  const undeliveredDecisions = await redeliverDecisions({ store: pipeline.approvals, callbacks: pipeline.taskTokens, now: new Date() });
  return { ...orphans, resumedDeployments, undeliveredDecisions };
}
