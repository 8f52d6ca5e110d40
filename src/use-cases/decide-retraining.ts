/**
 * Decide retraining: after each hourly measurement, decides from the checks known at `asOf` whether to
 * retrain (the core's monitoring policy, with K and the cool-down read from the parameter store at run
 * time), and records the decision with its reason, whether it retrains or not.
 */
import { decideMonitoringAction, type MonitoringDecision } from '../core/monitoring-policy';
import { readRunConfig } from '../core/run-config';
import type { MonitoringStore } from '../ports/monitoring-store';
import type { ParameterStore } from '../ports/parameter-store';

/** Checks read for a decision: a day of hourly checks of both stages. */
export const RECENT_CHECKS = 48;

export interface DecideRetrainingDeps {
  parameterStore: ParameterStore;
  monitoringStore: MonitoringStore;
  parameterPath: string;
}

export interface DecideRetrainingInput {
  /** The time of the decision (the execution's start). */
  asOf: Date;
  trainingRunning: boolean;
  /** When the latest training execution started, if ever. */
  lastTrainingStart?: Date;
}

export async function decideRetraining(deps: DecideRetrainingDeps, input: DecideRetrainingInput): Promise<MonitoringDecision> {
  const config = await readRunConfig(deps.parameterStore, deps.parameterPath);
  // Only what was known at asOf, so a decision replayed for an earlier time is the same decision.
  const history = (await deps.monitoringStore.recentChecks(RECENT_CHECKS)).filter((c) => Date.parse(c.at) <= input.asOf.getTime());
  const decision = decideMonitoringAction(
    history,
    { breachesBeforeRetraining: config.breachesBeforeRetraining, cooldownHours: config.cooldownHours },
    { now: input.asOf, trainingRunning: input.trainingRunning, ...(input.lastTrainingStart ? { lastTrainingStart: input.lastTrainingStart } : {}) },
  );
  await deps.monitoringStore.appendDecision({
    at: input.asOf.toISOString(),
    retrain: decision.retrain,
    reason: decision.reason,
    ...(decision.retrain ? { stage: decision.stage } : {}),
    consecutiveBreaches: decision.consecutiveBreaches,
  });
  return decision;
}
