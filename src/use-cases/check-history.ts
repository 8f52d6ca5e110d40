/**
 * Check the history: how many minutes the feature group holds in the training window, against the
 * minimum a training needs (`training/min-history-minutes`). A fresh stack has none: training then ends
 * "waiting for data: N of M minutes", and monitoring, with no model on any stage, waits too (notified
 * once) and starts the first training once the history suffices. What was already said is kept in SSM
 * (`<path>/state/first-day`, `<path>/state/stale-data`), so each hourly run knows it.
 */
import { MINUTE_MS, parseMinute } from '../core/feature-record';
import {
  FIRST_DAY_STATES, MAX_DATA_AGE_MINUTES, STAGES, decideFirstDay, hasEnoughHistory, isStale, noModelYetDetail, waitingMessage,
  type FirstDayDecision, type FirstDayState, type HistoryCount, type Stage,
} from '../core/monitoring-policy';
import { checkHistoryFitsWindow, readRunConfig, requiredHistoryMinutes } from '../core/run-config';
import { parseHyperparameters } from '../deepar/hyperparameters';
import { ParameterNotFoundError } from '../ports/errors';
import type { FeatureStore } from '../ports/feature-store';
import type { MonitoringStore } from '../ports/monitoring-store';
import type { ParameterStore } from '../ports/parameter-store';

/** The first day's state, beside the run-time parameters but not one of them: the pipeline writes it. */
export const FIRST_DAY_STATE_NAME = 'state/first-day';

export const firstDayStateName = (path: string) => `${path.replace(/\/$/, '')}/${FIRST_DAY_STATE_NAME}`;

/**
 * Whether the current stale-data outage was notified (`notified`), or data flows (`clear`): stale data
 * with a model deployed is notified once when the outage starts, not every hour of it.
 */
export const STALE_DATA_STATE_NAME = 'state/stale-data';

export const staleDataStateName = (path: string) => `${path.replace(/\/$/, '')}/${STALE_DATA_STATE_NAME}`;

export interface CheckHistoryDeps {
  featureStore: FeatureStore;
  parameterStore: ParameterStore;
  parameterPath: string;
}

/** Distinct minutes the feature group holds in the window of `windowDays` ending at the last closed minute before `asOf`. */
export async function countHistory(featureStore: FeatureStore, asOf: Date, windowDays: number): Promise<{ minutes: number; latest?: Date }> {
  const to = Math.floor(asOf.getTime() / MINUTE_MS) * MINUTE_MS;
  const from = to - Math.round(windowDays * 24 * 60) * MINUTE_MS;
  const records = await featureStore.getRecords({ from: new Date(from), to: new Date(to) });
  const minutes = new Set(records.map((r) => parseMinute(r.tx_minute)).filter((m): m is number => m !== undefined));
  return { minutes: minutes.size, ...(minutes.size ? { latest: new Date(Math.max(...minutes)) } : {}) };
}

export interface TrainingHistoryInput {
  asOf: Date;
  windowDays: number;
  minHistoryMinutes: number;
}

/**
 * Training's gate: enough history, or "waiting for data". A training that goes on to train marks the
 * first day's training as started, so monitoring never starts another "first" one.
 */
export async function checkTrainingHistory(deps: CheckHistoryDeps, input: TrainingHistoryInput) {
  const { minutes } = await countHistory(deps.featureStore, input.asOf, input.windowDays);
  const count: HistoryCount = { minutes, required: input.minHistoryMinutes };
  const enough = hasEnoughHistory(count);
  if (enough && (await readFirstDayState(deps)) !== 'training-started') await writeFirstDayState(deps, 'training-started');
  return { ...count, enough, message: enough ? `${minutes} minutes of history (${input.minHistoryMinutes} needed)` : waitingMessage(count) };
}

export interface MonitoringHistoryDeps extends CheckHistoryDeps {
  monitoringStore: MonitoringStore;
  /** Whether an endpoint of that name exists, in any status: a stage without one has no model yet. */
  endpointExists: (name: string) => Promise<boolean>;
  /** Each stage's own endpoint. */
  endpoints: Record<Stage, string>;
}

export type MonitoringHistory = Partial<HistoryCount> & {
  /** The stages with an endpoint: the ones monitoring measures. */
  stagesWithModel: Stage[];
  anyModelDeployed: boolean;
  /** The current stale-data outage was notified already: stay quiet. Cleared as soon as data flows. */
  staleDataNotified: boolean;
  /** With no model on any stage (and then the history is counted): is it enough, and what the first day says to do. */
  enough?: boolean;
  firstDay?: FirstDayDecision;
};

/**
 * Monitoring's first look: which stages have a model (the others are recorded as "no model yet", never
 * as stale data or a breach), and, when none has, what the first day says to do.
 */
export async function checkMonitoringHistory(deps: MonitoringHistoryDeps, input: { asOf: Date }): Promise<MonitoringHistory> {
  const config = await readRunConfig(deps.parameterStore, deps.parameterPath);
  // A configuration no history could ever satisfy fails before anything is recorded.
  const hp = parseHyperparameters(config.hyperparameters);
  checkHistoryFitsWindow(config, hp.predictionLength, hp.contextLength + hp.predictionLength, deps.parameterPath);
  const deployed = await Promise.all(STAGES.map(async (stage) => ((await deps.endpointExists(deps.endpoints[stage])) ? stage : undefined)));
  const stagesWithModel = deployed.filter((s): s is Stage => s !== undefined);
  for (const stage of STAGES.filter((s) => !stagesWithModel.includes(s))) {
    await deps.monitoringStore.appendCheck({
      at: input.asOf.toISOString(), stage, outcome: 'no-endpoint', endpoint: deps.endpoints[stage], detail: noModelYetDetail(deps.endpoints[stage]),
    });
  }
  if (stagesWithModel.length > 0) {
    // Only the last minutes tell whether data flows: the whole window is read only while there is no model.
    const { latest } = await countHistory(deps.featureStore, input.asOf, (MAX_DATA_AGE_MINUTES + 1) / (24 * 60));
    const staleDataNotified = await staleDataOutageNotified(deps, !isStale(latest, input.asOf, MAX_DATA_AGE_MINUTES));
    return { stagesWithModel, anyModelDeployed: true, staleDataNotified };
  }
  const { minutes, latest } = await countHistory(deps.featureStore, input.asOf, config.windowDays);
  const count: HistoryCount = { minutes, required: requiredHistoryMinutes(config, hp.predictionLength, hp.contextLength + hp.predictionLength) };
  const staleDataNotified = await staleDataOutageNotified(deps, !isStale(latest, input.asOf, MAX_DATA_AGE_MINUTES));
  const firstDay = decideFirstDay(count, await readFirstDayState(deps));
  if (firstDay.nextState) await writeFirstDayState(deps, firstDay.nextState);
  return { ...count, enough: hasEnoughHistory(count), stagesWithModel, anyModelDeployed: false, staleDataNotified, firstDay };
}

/** Monitoring notified the stale data it found: the outage is told once, until data flows again. */
export async function markStaleDataNotified(deps: CheckHistoryDeps): Promise<{ staleDataNotified: true }> {
  await deps.parameterStore.put(staleDataStateName(deps.parameterPath), 'notified', { overwrite: true, description: 'the current stale-data outage was notified, written by the pipeline' });
  return { staleDataNotified: true };
}

/** Whether this outage was notified; fresh data ends the outage (the next stale hour notifies again). */
async function staleDataOutageNotified(deps: CheckHistoryDeps, dataFlows: boolean): Promise<boolean> {
  const name = staleDataStateName(deps.parameterPath);
  let state: string | undefined;
  try {
    state = (await deps.parameterStore.get(name)).value;
  } catch (error) {
    if (!(error instanceof ParameterNotFoundError)) throw error;
  }
  if (state !== 'notified') return false;
  if (!dataFlows) return true;
  await deps.parameterStore.put(name, 'clear', { overwrite: true });
  return false;
}

async function readFirstDayState(deps: CheckHistoryDeps): Promise<FirstDayState | undefined> {
  try {
    const { value } = await deps.parameterStore.get(firstDayStateName(deps.parameterPath));
    return (FIRST_DAY_STATES as readonly string[]).includes(value) ? (value as FirstDayState) : undefined;
  } catch (error) {
    if (error instanceof ParameterNotFoundError) return undefined;
    throw error;
  }
}

async function writeFirstDayState(deps: CheckHistoryDeps, state: FirstDayState): Promise<void> {
  await deps.parameterStore.put(firstDayStateName(deps.parameterPath), state, { overwrite: true, description: "the first day's state, written by the pipeline" });
}
