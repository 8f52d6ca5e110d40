/**
 * The pipeline's run-time configuration, kept in SSM Parameter Store under one path per stage and read
 * by each run, so a user changes the threshold or the hyperparameters without a deployment.
 */
import { parseFrequency, stepMinutes } from '../deepar/frequency';
import { ValidationError } from './errors';
import { MINUTE_MS } from './feature-record';
import { CRITERIA, type Criterion } from './monitoring-policy';

/** Names under the parameter path (e.g. /btc-fee-deepar/dev/quality/threshold). */
export const PARAMETER_NAMES = {
  hyperparameters: 'training/hyperparameters',
  windowDays: 'training/window-days',
  minHistoryMinutes: 'training/min-history-minutes',
  threshold: 'quality/threshold',
  updateRate: 'quality/update-rate',
  breachesBeforeRetraining: 'monitoring/breaches-before-retraining',
  cooldownHours: 'monitoring/cooldown-hours',
  monitoringWindows: 'monitoring/windows',
  monitoringCriterion: 'monitoring/criterion',
  maxSkill: 'monitoring/max-skill',
  approvedLossFactor: 'monitoring/approved-loss-factor',
  approvalTimeoutHours: 'approval/timeout-hours',
  // The gate on many windows (docs/gate.md).
  evaluationWindows: 'evaluation/windows',
  minImprovement: 'evaluation/min-improvement',
} as const;

export type ParameterKey = keyof typeof PARAMETER_NAMES;

/** DeepAR's hyperparameters for the per-minute fee series: SageMaker's names, values as strings. */
export const DEFAULT_HYPERPARAMETERS: Readonly<Record<string, string>> = {
  time_freq: '1min',
  context_length: '60',
  prediction_length: '30',
  epochs: '10',
  mini_batch_size: '32',
  learning_rate: '0.001',
  num_cells: '40',
  num_layers: '2',
  likelihood: 'student-T',
  dropout_rate: '0.1',
  num_eval_samples: '100',
};

export const DEFAULT_PARAMETERS: Readonly<Record<ParameterKey, string>> = {
  hyperparameters: JSON.stringify(DEFAULT_HYPERPARAMETERS),
  windowDays: '7',
  minHistoryMinutes: '1440',
  threshold: '0.5',
  updateRate: '0.5',
  breachesBeforeRetraining: '3',
  cooldownHours: '6',
  monitoringWindows: '12',
  monitoringCriterion: 'skill',
  maxSkill: '1',
  approvedLossFactor: '1',
  approvalTimeoutHours: '168',
  // The last 24 h as 48 windows of 30 minutes; a candidate must beat production by at least 1%.
  evaluationWindows: '48',
  minImprovement: '0.01',
};

export const PARAMETER_DESCRIPTIONS: Readonly<Record<ParameterKey, string>> = {
  hyperparameters: 'DeepAR hyperparameters (JSON object of strings, SageMaker names)',
  windowDays: 'days of history each training reads from the feature store',
  minHistoryMinutes: 'minutes the feature group must hold in the window before a training trains (a fresh stack waits)',
  threshold: 'mean wQuantileLoss at or under which a trained model is registered',
  updateRate: 'how far an approved better model moves the threshold toward its loss (0..1)',
  breachesBeforeRetraining: 'consecutive monitoring breaches that start a retraining',
  cooldownHours: 'hours after a training before monitoring may start another',
  monitoringWindows: 'windows of 30 minutes each hourly check scores (the latest hours), 1 to 48',
  monitoringCriterion: 'what a monitoring breach is: absolute (loss over the threshold) or skill (loss / seasonal naive loss over monitoring/max-skill)',
  maxSkill: 'criterion skill: the loss / seasonal-naive loss over which a check breaches',
  approvedLossFactor: 'criterion skill: a check breaches only when its loss is also over the loss the model was approved at times this (0: skill alone)',
  approvalTimeoutHours: 'hours an approval link stays valid before the model is rejected',
  evaluationWindows: 'windows of prediction_length, the most recent ones, a candidate is evaluated on (held out from training)',
  minImprovement: 'relative improvement over production a candidate must reach, beyond noise, to be registered (0..1)',
};

/** The training window in minutes, as a training reads it from the feature store (and monitoring, and the Live chart). */
export function windowMinutes(windowDays: number): number {
  return Math.round(windowDays * 24 * 60);
}

export function parameterName(path: string, key: ParameterKey): string {
  return `${path.replace(/\/$/, '')}/${PARAMETER_NAMES[key]}`;
}

export interface RunConfig {
  hyperparameters: Record<string, string>;
  windowDays: number;
  /** Minutes of history the window must hold before a training trains: below it, the run waits for data. */
  minHistoryMinutes: number;
  threshold: number;
  updateRate: number;
  breachesBeforeRetraining: number;
  cooldownHours: number;
  monitoringWindows: number;
  monitoringCriterion: Criterion;
  maxSkill: number;
  approvedLossFactor: number;
  approvalTimeoutHours: number;
  evaluationWindows: number;
  minImprovement: number;
}

/**
 * The minutes of history a training needs before it trains: `training/min-history-minutes`, or more when
 * the evaluation's windows (held out from training) plus one context and horizon to train on need more.
 * With the defaults (one day; 48 windows of 30 = one day held out; 60 + 30) a fresh stack waits 1530
 * minutes, not 1440, and its first model trains on what precedes the last day.
 */
export function requiredHistoryMinutes(config: Pick<RunConfig, 'minHistoryMinutes' | 'evaluationWindows'>, predictionLength: number, minValidPoints: number): number {
  return Math.max(config.minHistoryMinutes, config.evaluationWindows * predictionLength + minValidPoints);
}

/**
 * The history a training needs must fit in its window: otherwise every run would wait for data forever. And
 * monitoring's windows must leave some of the window before them to forecast from (a check reads the training
 * window). Names the parameter that asks for more than `training/window-days` can hold.
 */
export function checkHistoryFitsWindow(config: Pick<RunConfig, 'minHistoryMinutes' | 'evaluationWindows' | 'monitoringWindows' | 'windowDays'>, predictionLength: number, minValidPoints: number, path = ''): void {
  const minutes = windowMinutes(config.windowDays);
  const evaluationNeeds = config.evaluationWindows * predictionLength + minValidPoints;
  if (evaluationNeeds > minutes) {
    throw new ValidationError(
      `parameter ${parameterName(path, 'evaluationWindows')} is ${config.evaluationWindows}: ${config.evaluationWindows} windows of ${predictionLength} points ` +
        `held out plus ${minValidPoints} to train on need ${evaluationNeeds} minutes, more than ${parameterName(path, 'windowDays')} (${config.windowDays} days, ` +
        `${minutes} minutes) holds; lower evaluation/windows or raise training/window-days`,
      { field: 'evaluationWindows' },
    );
  }
  if (config.minHistoryMinutes > minutes) {
    throw new ValidationError(
      `parameter ${parameterName(path, 'minHistoryMinutes')} is ${config.minHistoryMinutes}: more minutes than ${parameterName(path, 'windowDays')} ` +
        `(${config.windowDays} days, ${minutes} minutes) holds, so no training would ever start; lower it or raise training/window-days`,
      { field: 'minHistoryMinutes' },
    );
  }
  const monitoringNeeds = config.monitoringWindows * predictionLength;
  if (monitoringNeeds >= minutes) {
    throw new ValidationError(
      `parameter ${parameterName(path, 'monitoringWindows')} is ${config.monitoringWindows}: ${config.monitoringWindows} windows of ${predictionLength} minutes ` +
        `(${monitoringNeeds}) fill all of ${parameterName(path, 'windowDays')} (${config.windowDays} days, ${minutes} minutes), which each check reads, ` +
        'leaving nothing to forecast the first window from; lower monitoring/windows or raise training/window-days',
      { field: 'monitoringWindows' },
    );
  }
}

/** One batch transform line per window; beyond this the evaluation would cost more than the training. */
export const MAX_EVALUATION_WINDOWS = 1000;

/** A number as a user writes one: decimal, optional exponent. Not "0x10" (16 to Number()), not " 5", not "". */
export const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The training series' spacing: the feature group holds one record per minute (`tx_minute`). */
export const SERIES_STEP_MINUTES = MINUTE_MS / 60_000;

/** Parses the stored strings; a bad value is a ValidationError naming the parameter and the value. */
export function parseRunConfig(values: Readonly<Record<ParameterKey, string>>, path = ''): RunConfig {
  const number = (key: ParameterKey, check: (n: number) => boolean, expected: string): number => {
    const n = DECIMAL_NUMBER.test(values[key] ?? '') ? Number(values[key]) : NaN;
    if (!Number.isFinite(n) || !check(n)) {
      throw new ValidationError(`parameter ${parameterName(path, key)} is ${JSON.stringify(values[key])}, expected ${expected}`, { field: key });
    }
    return n;
  };
  let hyperparameters: unknown;
  try {
    hyperparameters = JSON.parse(values.hyperparameters);
  } catch {
    hyperparameters = undefined;
  }
  if (!hyperparameters || typeof hyperparameters !== 'object' || Array.isArray(hyperparameters) || Object.values(hyperparameters).some((v) => typeof v !== 'string')) {
    throw new ValidationError(
      `parameter ${parameterName(path, 'hyperparameters')} must be a JSON object of strings, like ${DEFAULT_PARAMETERS.hyperparameters}`,
      { field: 'hyperparameters' },
    );
  }
  checkTimeFreqMatchesSeries((hyperparameters as Record<string, string>).time_freq, parameterName(path, 'hyperparameters'));
  return {
    hyperparameters: hyperparameters as Record<string, string>,
    windowDays: number('windowDays', (n) => n > 0 && n <= MAX_WINDOW_DAYS, `a number of days in (0, ${MAX_WINDOW_DAYS}]`),
    minHistoryMinutes: number('minHistoryMinutes', (n) => Number.isInteger(n) && n >= 1, 'a whole number of minutes, 1 or more'),
    threshold: number('threshold', (n) => n > 0, 'a positive loss'),
    updateRate: number('updateRate', (n) => n >= 0 && n <= 1, 'a rate in [0, 1]'),
    breachesBeforeRetraining: number('breachesBeforeRetraining', (n) => Number.isInteger(n) && n >= 1, 'a whole number of checks, 1 or more'),
    cooldownHours: number('cooldownHours', (n) => n >= 0, 'a number of hours, 0 or more'),
    monitoringWindows: number('monitoringWindows', (n) => Number.isInteger(n) && n >= 1 && n <= MAX_MONITORING_WINDOWS, `a whole number of windows from 1 to ${MAX_MONITORING_WINDOWS}`),
    monitoringCriterion: criterion(values.monitoringCriterion, parameterName(path, 'monitoringCriterion')),
    maxSkill: number('maxSkill', (n) => n > 0, 'a positive ratio of losses'),
    approvedLossFactor: number('approvedLossFactor', (n) => n >= 0, 'a factor of 0 or more (0: skill alone)'),
    approvalTimeoutHours: number('approvalTimeoutHours', (n) => n > 0 && n <= 24 * 365, 'a number of hours in (0, 8760]'),
    evaluationWindows: number(
      'evaluationWindows',
      (n) => Number.isInteger(n) && n >= 2 && n <= MAX_EVALUATION_WINDOWS,
      `a whole number of windows in [2, ${MAX_EVALUATION_WINDOWS}] (the paired gate needs two or more)`,
    ),
    minImprovement: number('minImprovement', (n) => n >= 0 && n < 1, 'a relative improvement in [0, 1)'),
  };
}

/** The longest training window: two months of minutes (86,400 records a training, and a monitoring check, reads). */
export const MAX_WINDOW_DAYS = 60;

/** A day of 30-minute windows: more would forecast a whole day at each hourly check. */
export const MAX_MONITORING_WINDOWS = 48;

function criterion(value: string | undefined, parameter: string): Criterion {
  if ((CRITERIA as readonly string[]).includes(value ?? '')) return value as Criterion;
  throw new ValidationError(`parameter ${parameter} is ${JSON.stringify(value)}, expected one of ${CRITERIA.join(', ')}`, { field: 'monitoringCriterion' });
}

/**
 * DeepAR reads the series at `time_freq`; the series a run extracts is on the feature group's one-minute grid.
 * A mismatch (e.g. "H" for per-minute data) would train and register a model whose date features and lags
 * are wrong without a word, so it is refused, naming both. An unparsable time_freq is left to DeepAR's own
 * validation, which names it.
 */
function checkTimeFreqMatchesSeries(timeFreq: string | undefined, parameter: string): void {
  if (timeFreq === undefined) return;
  let minutes: number | undefined;
  try {
    minutes = stepMinutes(parseFrequency(timeFreq));
  } catch {
    return;
  }
  if (minutes !== SERIES_STEP_MINUTES) {
    const spacing = minutes === undefined ? 'one month' : `${minutes} minutes`;
    throw new ValidationError(
      `parameter ${parameter}: time_freq "${timeFreq}" (${spacing}) does not match the series' spacing of ${SERIES_STEP_MINUTES} minute: ` +
        'training reads one feature record per minute (tx_minute), so time_freq must be "1min"',
      { field: 'hyperparameters.time_freq' },
    );
  }
}

/** Reads every run-time parameter from a parameter store (the port's `get`) and parses them. */
export async function readRunConfig(store: { get(name: string): Promise<{ value: string }> }, path: string): Promise<RunConfig> {
  const keys = Object.keys(PARAMETER_NAMES) as ParameterKey[];
  const values = Object.fromEntries(await Promise.all(keys.map(async (key) => [key, (await store.get(parameterName(path, key))).value])));
  return parseRunConfig(values as Record<ParameterKey, string>, path);
}

/**
 * The original system's rule for moving the threshold after an approved model beat it:
 * new = loss + |loss − threshold| × update_rate. A worse loss leaves the threshold as it is.
 */
export function nextThreshold(loss: number, threshold: number, updateRate: number): number {
  return loss < threshold ? loss + Math.abs(loss - threshold) * updateRate : threshold;
}

/**
 * A SageMaker-safe resource name (training job, model, transform job) derived from an execution name. It
 * leaves room in SageMaker's 63 characters for the `-xxxxxxxx` each attempt of a job adds (training.asl.yml).
 */
export const JOB_NAME_MAX_LENGTH = 63 - 9;

export function jobNameFrom(executionName: string): string {
  const cleaned = executionName.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+/, '');
  const name = cleaned.slice(0, JOB_NAME_MAX_LENGTH).replace(/-+$/, '');
  if (!name) throw new ValidationError(`cannot derive a job name from execution name ${JSON.stringify(executionName)}`);
  return name;
}
