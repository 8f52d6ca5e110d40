/**
 * Decide a training retry: on a stack that trained before but has no model deployed (the training failed,
 * the gate refused its candidate, or its model was rejected), whether monitoring trains again now (the
 * core's rule, with the cool-down read from the parameter store at run time). The decision is recorded
 * with its reason, whether it trains or waits.
 */
import { decideTrainingRetry, type ListedExecution, type TrainingRetryDecision } from '../core/first-training';
import { readRunConfig } from '../core/run-config';
import type { MonitoringStore } from '../ports/monitoring-store';
import type { ParameterStore } from '../ports/parameter-store';

export interface DecideTrainingRetryDeps {
  parameterStore: ParameterStore;
  monitoringStore: MonitoringStore;
  parameterPath: string;
}

export interface DecideTrainingRetryInput {
  asOf: Date;
  /** ListExecutions of the training machine, RUNNING only. */
  runningTrainings: ListedExecution[];
  /** ListExecutions of the deployment machine, RUNNING only. */
  runningDeployments: ListedExecution[];
  /** ListExecutions of the training machine, newest first (any status). */
  latestTrainings: ListedExecution[];
}

export async function recordTrainingRetryDecision(deps: DecideTrainingRetryDeps, input: DecideTrainingRetryInput): Promise<TrainingRetryDecision> {
  const config = await readRunConfig(deps.parameterStore, deps.parameterPath);
  // A listing filtered by status may still hold an execution that ended since: trust only RUNNING.
  const running = (list: ListedExecution[]) => list.find((e) => e.status === 'RUNNING');
  const runningTraining = running(input.runningTrainings) ?? running(input.latestTrainings);
  const runningDeployment = running(input.runningDeployments);
  const lastTraining = [...input.latestTrainings].sort((a, b) => b.startDate.getTime() - a.startDate.getTime())[0];
  const decision = decideTrainingRetry({
    now: input.asOf,
    cooldownHours: config.cooldownHours,
    ...(runningTraining ? { runningTraining } : {}),
    ...(runningDeployment ? { runningDeployment } : {}),
    ...(lastTraining ? { lastTraining } : {}),
  });
  await deps.monitoringStore.appendDecision({ at: input.asOf.toISOString(), retrain: decision.startFirstTraining, reason: decision.message, consecutiveBreaches: 0 });
  return decision;
}
