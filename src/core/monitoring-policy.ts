/**
 * When monitoring retrains. A check measures one stage's live accuracy; whether it breaches depends on
 * the criterion it was measured under (`monitoring/criterion`, recorded on the check):
 *   absolute (the seed's rule): the loss is over the threshold;
 *   skill: the model lost its skill: its loss over seasonal naive's on the very same windows (skill) is
 *     over `monitoring/max-skill` (1: no better than naive). A volatile stretch raises both losses, not
 *     their ratio, so it does not breach; a broken model raises its own loss only, so it does.
 *     And, when the check knows the loss the serving model was approved at (the gate's many-window loss,
 *     on its model package), its loss is also over that loss × `monitoring/approved-loss-factor`: a
 *     model doing as well as it was approved at has not broken, even in a calm stretch where seasonal
 *     naive happens to do better (the false alarms after a retraining). A factor of 0 turns this off.
 * Retraining starts when a stage has breached on K consecutive checks, outside the cool-down
 * since the last training started, and with no training running. A check that could not measure (no
 * endpoint, stale data, an endpoint that does not answer) neither counts as a breach nor breaks a run of
 * them: it says nothing about accuracy. Old breaches never retrain on data that stopped flowing: when
 * the latest check of every stage found stale data, monitoring notifies instead. Every decision
 * carries its reason.
 */
export type Stage = 'staging' | 'production';

export const STAGES: readonly Stage[] = ['staging', 'production'];

export type CheckOutcome = 'measured' | 'no-endpoint' | 'stale-data' | 'endpoint-error';

/** How a check is judged: `absolute` (loss over the threshold, the seed's rule) or `skill` (see above). */
export const CRITERIA = ['absolute', 'skill'] as const;
export type Criterion = (typeof CRITERIA)[number];

export interface Check {
  /** ISO 8601, the twin's or AWS's clock */
  at: string;
  stage: Stage;
  outcome: CheckOutcome;
  loss?: number;
  threshold?: number;
  /** The criterion the check was judged under; absent on checks recorded before it existed (absolute). */
  criterion?: Criterion;
  /** Seasonal naive's loss (one-day season) on the same windows. */
  naiveLoss?: number;
  /** loss / naiveLoss: under 1, the model beats seasonal naive. */
  skill?: number;
  /** The skill over which a check breaches (criterion `skill`). */
  maxSkill?: number;
  /** The loss the serving model was approved at (its model package's many-window evaluation loss), when known. */
  approvedLoss?: number;
  /** Criterion `skill`: a loss at or under approvedLoss × this is not a breach (0: not compared). */
  approvedLossFactor?: number;
}

export interface RetrainingPolicy {
  breachesBeforeRetraining: number;
  cooldownHours: number;
}

export interface RetrainingContext {
  now: Date;
  /** When the latest training execution started (any outcome), if ever. */
  lastTrainingStart?: Date;
  trainingRunning: boolean;
}

export type Decision =
  | { retrain: true; stage: Stage; reason: string; consecutiveBreaches: number }
  | { retrain: false; reason: string; consecutiveBreaches: number };

export function isBreach(check: Check): boolean {
  if (check.outcome !== 'measured' || check.loss === undefined) return false;
  if (check.criterion !== 'skill') return check.threshold !== undefined && check.loss > check.threshold;
  // Without a skill (naive's loss was 0 or unknown) the check cannot say the model lost its skill.
  const lostSkill = check.skill !== undefined && check.maxSkill !== undefined && check.skill > check.maxSkill;
  return lostSkill && !holdsApprovedLoss(check);
}

/**
 * The model still does as well as it was approved at: its loss is at or under approvedLoss × factor.
 * False when either is unknown or the factor is 0 (the comparison is off): then skill alone decides.
 */
export function holdsApprovedLoss(check: Pick<Check, 'loss' | 'approvedLoss' | 'approvedLossFactor'>): boolean {
  const { loss, approvedLoss, approvedLossFactor } = check;
  if (loss === undefined || approvedLoss === undefined || !approvedLossFactor) return false;
  return loss <= approvedLoss * approvedLossFactor;
}

/**
 * The loss a registered model was approved at: its package's `meanWQuantileLoss` (the gate's many-window
 * loss, a string as SageMaker keeps metadata); undefined when absent or not a positive finite number.
 */
export function approvedLossOf(metadata: Readonly<Record<string, string>> | undefined): number | undefined {
  const text = metadata?.meanWQuantileLoss;
  const loss = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(loss) && loss > 0 ? loss : undefined;
}

/** skill = model loss / seasonal naive's loss, undefined when naive's loss is 0 or not a number. */
export function skillOf(loss: number, naiveLoss: number): number | undefined {
  return Number.isFinite(naiveLoss) && naiveLoss > 0 && Number.isFinite(loss) ? loss / naiveLoss : undefined;
}

/** What a run of breaches means, in the words of the latest check's criterion. */
function breachWords(latest: Check | undefined): string {
  if (latest?.criterion !== 'skill') return 'over the threshold';
  const skill = `with skill (loss / seasonal naive's) over ${latest.maxSkill}`;
  return latest.approvedLoss !== undefined && latest.approvedLossFactor
    ? `${skill} and loss over ${latest.approvedLossFactor} × the loss the model was approved at`
    : skill;
}

/** Breaches at the end of one stage's history (oldest first), skipping checks that measured nothing. */
export function consecutiveBreaches(history: readonly Check[], stage: Stage): number {
  let run = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const check = history[i];
    if (check.stage !== stage || check.outcome !== 'measured') continue;
    if (!isBreach(check)) break;
    run++;
  }
  return run;
}

export function decideRetraining(history: readonly Check[], policy: RetrainingPolicy, context: RetrainingContext): Decision {
  const runs = (['production', 'staging'] as const).map((stage) => ({ stage, run: consecutiveBreaches(history, stage) }));
  const worst = runs.reduce((a, b) => (b.run > a.run ? b : a));
  const k = policy.breachesBeforeRetraining;
  if (worst.run < k) {
    const measured = history.some((c) => c.outcome === 'measured');
    return {
      retrain: false,
      consecutiveBreaches: worst.run,
      reason: measured ? `accuracy holds: ${worst.run} of ${k} consecutive breaches (${worst.stage})` : 'nothing measured yet',
    };
  }
  if (context.trainingRunning) return { retrain: false, consecutiveBreaches: worst.run, reason: `${worst.run} consecutive breaches on ${worst.stage}, but a training is already running` };
  if (context.lastTrainingStart) {
    const hoursSince = (context.now.getTime() - context.lastTrainingStart.getTime()) / 3_600_000;
    if (hoursSince < policy.cooldownHours) {
      return {
        retrain: false,
        consecutiveBreaches: worst.run,
        reason: `${worst.run} consecutive breaches on ${worst.stage}, but the last training started ${hoursSince.toFixed(1)} h ago (cool-down ${policy.cooldownHours} h)`,
      };
    }
  }
  const latest = history.filter((c) => c.stage === worst.stage && c.outcome === 'measured').at(-1);
  return { retrain: true, stage: worst.stage, consecutiveBreaches: worst.run, reason: `${worst.run} consecutive checks of ${worst.stage} ${breachWords(latest)}` };
}

/**
 * The latest check of each stage that has a model found stale data (ingestion stalled). A stage with no
 * endpoint (no model yet) says nothing about the data, and a stack with no model at all is waiting, not stalled.
 */
export function isDataStale(history: readonly Check[]): boolean {
  const latest = STAGES.map((stage) => history.filter((c) => c.stage === stage).at(-1)?.outcome);
  const withModel = latest.filter((outcome) => outcome !== 'no-endpoint');
  return withModel.length > 0 && withModel.every((outcome) => outcome === 'stale-data');
}

export type MonitoringDecision = Decision & {
  /** True when the latest check of every stage found stale data: notify, do not retrain. */
  staleData: boolean;
};

/** The retraining decision, withheld while the data is stale: a model is never retrained on data that stopped flowing. */
export function decideMonitoringAction(history: readonly Check[], policy: RetrainingPolicy, context: RetrainingContext): MonitoringDecision {
  const decision = decideRetraining(history, policy, context);
  const staleData = isDataStale(history);
  if (!decision.retrain || !staleData) return { ...decision, staleData };
  return {
    retrain: false,
    reason: `${decision.reason}, but the latest checks found stale data: no retraining until data flows again`,
    consecutiveBreaches: decision.consecutiveBreaches,
    staleData,
  };
}

/** Ingestion is stalled when the latest stored minute is older than this before the check's time. */
export const MAX_DATA_AGE_MINUTES = 10;

/** Stale data: the latest stored minute is older than `maxAgeMinutes` before now (ingestion stalled). */
export function isStale(latestMinute: Date | undefined, now: Date, maxAgeMinutes: number): boolean {
  return !latestMinute || now.getTime() - latestMinute.getTime() > maxAgeMinutes * 60_000;
}

/**
 * What the first day has done so far, kept between hourly runs (in SSM): `waiting` once the waiting was
 * notified, `training-started` once a training found enough history (it was notified, or someone started it).
 */
export type FirstDayState = 'waiting' | 'training-started';

export const FIRST_DAY_STATES: readonly FirstDayState[] = ['waiting', 'training-started'];

export interface HistoryCount {
  /** Minutes the feature group holds in the training window. */
  minutes: number;
  /** The minimum (training/min-history-minutes). */
  required: number;
}

/** The check recorded for a stage with no endpoint at all: the dashboard shows it as "no model yet". */
export const noModelYetDetail = (endpoint: string) => `no model yet: no endpoint ${endpoint} exists`;

export const waitingMessage = ({ minutes, required }: HistoryCount) => `waiting for data: ${minutes} of ${required} minutes`;

export const hasEnoughHistory = ({ minutes, required }: HistoryCount) => minutes >= required;

export type FirstDayDecision = {
  /** `waiting-for-data` while the history is short; `no-model-yet` once a first training has started. */
  status: 'waiting-for-data' | 'no-model-yet' | 'first-training';
  message: string;
  startFirstTraining: boolean;
  /** Tell the people now (a change of state), or stay quiet (the same state as an hour ago). */
  notify: boolean;
  subject: string;
  /** The state to keep; undefined keeps it as it is. */
  nextState?: FirstDayState;
};

/**
 * Monitoring with no model on any stage: wait while the history is short (notified once, when the
 * waiting begins), start the first training once it suffices (notified once), and after that say that
 * no model is deployed yet. A training that started (by anyone) is never started again from here: later
 * trainings come from breaches, or by hand.
 */
export function decideFirstDay(count: HistoryCount, state: FirstDayState | undefined): FirstDayDecision {
  if (state === 'training-started') {
    return {
      status: 'no-model-yet', startFirstTraining: false, notify: false, subject: 'DeepAR monitoring: no model yet',
      message: `no model deployed yet: the first training has started (${count.minutes} of ${count.required} minutes of history); its model waits for approval or failed`,
    };
  }
  if (!hasEnoughHistory(count)) {
    return {
      status: 'waiting-for-data', startFirstTraining: false, notify: state !== 'waiting', subject: 'DeepAR monitoring: waiting for data',
      message: waitingMessage(count), ...(state !== 'waiting' ? { nextState: 'waiting' as const } : {}),
    };
  }
  return {
    status: 'first-training', startFirstTraining: true, notify: true, subject: 'DeepAR monitoring: first training started',
    message: `the history suffices (${count.minutes} of ${count.required} minutes): the first training starts`,
    nextState: 'training-started',
  };
}
