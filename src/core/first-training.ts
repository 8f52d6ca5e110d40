/**
 * A stack with no model after its first training: the training failed, the gate refused its candidate,
 * or its model was rejected. Monitoring has nothing to measure, so no breach will ever retrain it; this
 * rule says when to train again instead: nothing running, nothing awaiting approval, and the last
 * training ended longer ago than the cool-down.
 */

/** One execution as ListExecutions lists it (test/fixtures/aws/sfn-list-executions.json). */
export interface ListedExecution {
  name?: string;
  /** RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | PENDING_REDRIVE */
  status: string;
  startDate: Date;
  /** Present once the execution ended. */
  stopDate?: Date;
}

export interface TrainingRetryContext {
  now: Date;
  cooldownHours: number;
  /** A training execution listed as RUNNING, if any. */
  runningTraining?: ListedExecution;
  /** A deployment execution listed as RUNNING, if any: its model awaits approval (or is being deployed). */
  runningDeployment?: ListedExecution;
  /** The most recent training execution, whatever its status; undefined if none is on record. */
  lastTraining?: ListedExecution;
}

/** Shaped as monitoring's first-day decision, so the same states start, notify and end. */
export interface TrainingRetryDecision {
  /** `training-retry` when a training starts now; `no-model-yet` while monitoring waits. */
  status: 'no-model-yet' | 'training-retry';
  startFirstTraining: boolean;
  /** Only a training that starts is told; the hours of waiting stay quiet. */
  notify: boolean;
  subject: string;
  /** The reason, recorded as the decision's and the run's. */
  message: string;
}

const HOUR_MS = 3_600_000;

/** How the last training ended, in the words of its ListExecutions status. */
function howItEnded(status: string): string {
  switch (status) {
    case 'SUCCEEDED':
      return 'succeeded without a model deployed (refused by the gate, or its model rejected)';
    case 'FAILED':
    case 'PENDING_REDRIVE':
      return 'failed';
    case 'TIMED_OUT':
      return 'timed out';
    case 'ABORTED':
      return 'was stopped';
    default:
      return `ended ${status}`;
  }
}

const hoursAgo = (now: Date, then: Date) => ((now.getTime() - then.getTime()) / HOUR_MS).toFixed(1);

const waiting = (message: string): TrainingRetryDecision => ({
  status: 'no-model-yet', startFirstTraining: false, notify: false, subject: 'DeepAR monitoring: no model yet', message,
});

const retrying = (message: string): TrainingRetryDecision => ({
  status: 'training-retry', startFirstTraining: true, notify: true, subject: 'DeepAR monitoring: training started again (no model deployed)', message,
});

/**
 * Whether a stack that trained before but has no model deployed trains again now. Never while a training
 * runs (the first one included) or a model awaits approval; never sooner than the cool-down after the
 * last training ended, so a training that keeps failing is retried once per cool-down, not every hour.
 */
export function decideTrainingRetry(context: TrainingRetryContext): TrainingRetryDecision {
  const { now, cooldownHours, runningTraining, runningDeployment, lastTraining } = context;
  if (runningTraining) {
    return waiting(`no model deployed yet: a training is running (started ${hoursAgo(now, runningTraining.startDate)} h ago); nothing else starts while it runs`);
  }
  if (runningDeployment) {
    return waiting(`no model deployed yet: a model awaits approval (deployment started ${hoursAgo(now, runningDeployment.startDate)} h ago); no training starts meanwhile`);
  }
  if (!lastTraining) return retrying('no model deployed and no training on record: a training starts on the latest data');
  // An ended execution has a stop date; without one, its start is the latest time known to be past.
  const ended = lastTraining.stopDate ?? lastTraining.startDate;
  const hoursSince = (now.getTime() - ended.getTime()) / HOUR_MS;
  const last = `the last training ${howItEnded(lastTraining.status)} ${hoursAgo(now, ended)} h ago`;
  if (hoursSince < cooldownHours) {
    const next = new Date(ended.getTime() + cooldownHours * HOUR_MS).toISOString();
    return waiting(`no model deployed: ${last}; the next starts after the cool-down of ${cooldownHours} h (from ${next})`);
  }
  return retrying(`no model deployed: ${last}, past the cool-down of ${cooldownHours} h: a training starts on the latest data`);
}
