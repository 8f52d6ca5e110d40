import type { Check, Stage } from '../core/monitoring-policy';

/** One check of a stage's live accuracy, with what the measurement saw. */
export type MonitoringCheck = Check & {
  /** The endpoint asked (the stage's own). */
  endpoint?: string;
  /** Forecast windows pooled into the loss. */
  windows?: number;
  rmse?: number;
  /** Why a check could not measure: stale data, the endpoint's error name and message. */
  detail?: string;
};

/** A retraining decision, recorded with its reason whether it retrains or not. */
export interface DecisionRecord {
  /** ISO 8601 */
  at: string;
  retrain: boolean;
  reason: string;
  stage?: Stage;
  consecutiveBreaches: number;
  trainingExecutionArn?: string;
}

/**
 * The history of monitoring: every check and every decision. Both adapters key a check by (at, stage)
 * and a decision by (at, stage): appending the same one again (a retried task) replaces it.
 */
export interface MonitoringStore {
  appendCheck(check: MonitoringCheck): Promise<void>;
  /** The latest `limit` checks of every stage together, oldest first. */
  recentChecks(limit: number): Promise<MonitoringCheck[]>;
  appendDecision(record: DecisionRecord): Promise<void>;
  /** The latest `limit` decisions, oldest first. */
  recentDecisions(limit: number): Promise<DecisionRecord[]>;
}
