/**
 * DecideRetraining: after each hourly measurement, decides from the recent checks whether to retrain
 * (K consecutive breaches on a stage, outside the cool-down since the last training started, none
 * running; K and the cool-down read from SSM at run time), records the decision with its reason, and
 * says whether the data is stale (the latest check of every stage found stale data) so the state
 * machine notifies instead of retraining.
 */
import { z } from 'zod';
import { decideRetraining, type Stage } from '../src/core/monitoring-policy';
import { readRunConfig } from '../src/core/run-config';
import { DynamoDbMonitoringStore } from '../src/adapters/aws/dynamodb-monitoring-store';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { DecisionRecord, MonitoringCheck, MonitoringStore } from '../src/ports/monitoring-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import type { MonitoringSettings } from './measure-accuracy';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';

/** Checks read for a decision: a day of hourly checks of both stages. */
export const RECENT_CHECKS = 48;

const STAGES: readonly Stage[] = ['staging', 'production'];

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time');

const DecideEvent = z.object({
  /** The time of the decision (the execution's start); the clock's now when absent. */
  asOf: isoTime.optional(),
  trainingRunning: z.boolean(),
  /**
   * When the latest training execution started (ListExecutions' StartDate), null if never. An ISO string,
   * or a number of epoch seconds (the API's wire form) or milliseconds.
   */
  lastTrainingStart: z.union([isoTime, z.number().positive()]).nullable(),
});

export interface DecideRetrainingDeps {
  parameterStore: () => ParameterStore;
  monitoringStore: () => MonitoringStore;
  settings: () => Pick<MonitoringSettings, 'PARAMETER_PATH'>;
  now: () => Date;
}

export interface DecideRetrainingResult {
  retrain: boolean;
  reason: string;
  stage?: Stage;
  consecutiveBreaches: number;
  /** True when the latest check of every stage found stale data: notify, do not retrain. */
  staleData: boolean;
}

const toDate = (value: string | number): Date => (typeof value === 'number' ? new Date(value < 1e11 ? value * 1000 : value) : new Date(value));

/** The latest check of each stage found stale data (ingestion stalled). */
export function isDataStale(history: readonly MonitoringCheck[]): boolean {
  return STAGES.every((stage) => history.filter((c) => c.stage === stage).at(-1)?.outcome === 'stale-data');
}

export function createHandler(deps: DecideRetrainingDeps) {
  return taskHandler(async (event: unknown): Promise<DecideRetrainingResult> => {
    const input = parseEvent(DecideEvent, event);
    const asOf = input.asOf === undefined ? deps.now() : new Date(input.asOf);
    const config = await readRunConfig(deps.parameterStore(), deps.settings().PARAMETER_PATH);
    const store = deps.monitoringStore();
    // Only what was known at asOf, so a decision replayed for an earlier time is the same decision.
    const history = (await store.recentChecks(RECENT_CHECKS)).filter((c) => Date.parse(c.at) <= asOf.getTime());
    const staleData = isDataStale(history);
    const decision = decideRetraining(
      history,
      { breachesBeforeRetraining: config.breachesBeforeRetraining, cooldownHours: config.cooldownHours },
      {
        now: asOf,
        trainingRunning: input.trainingRunning,
        ...(input.lastTrainingStart === null ? {} : { lastTrainingStart: toDate(input.lastTrainingStart) }),
      },
    );
    // Old breaches must not retrain a model on data that stopped flowing; the state machine notifies instead.
    const result: DecideRetrainingResult =
      decision.retrain && staleData
        ? { retrain: false, reason: `${decision.reason}, but the latest checks found stale data: no retraining until data flows again`, consecutiveBreaches: decision.consecutiveBreaches, staleData }
        : { ...decision, staleData };
    const record: DecisionRecord = {
      at: asOf.toISOString(),
      retrain: result.retrain,
      reason: result.reason,
      ...(result.stage ? { stage: result.stage } : {}),
      consecutiveBreaches: result.consecutiveBreaches,
    };
    await store.appendDecision(record);
    return result;
  });
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  monitoringStore: once(() => new DynamoDbMonitoringStore({ tableName: requireEnv('MONITORING_TABLE') })),
  settings: once(() => ({ PARAMETER_PATH: requireEnv('PARAMETER_PATH') })),
  now: () => new Date(),
});
