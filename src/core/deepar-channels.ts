/**
 * DeepAR's JSON Lines training format for the pipeline's one series, and the hold-out split:
 *
 *   train      the series without its last `predictionLength` points
 *   test       the whole series: DeepAR scores the last `predictionLength` points of each test series
 *   transform  the conditioning range for the batch transform, i.e. the train series, so its forecast
 *              covers exactly the held-out points
 *
 * Missing values are written as the string "NaN", which DeepAR accepts (JSON has no NaN).
 */
import { InsufficientDataError } from './errors';
import type { CleanSeries } from './series';

export const PREDICTION_LENGTH = 30;

export interface DeepArLine {
  /** `YYYY-MM-DD HH:MM:SS` */
  start: string;
  target: Array<number | 'NaN'>;
  cat?: number[];
  dynamic_feat?: number[][];
}

export interface DeepArChannels {
  train: string;
  test: string;
  transformInput: string;
  /** The held-out actuals the batch transform's forecast is scored against. */
  holdout: { start: string; values: number[] };
}

/** DeepAR's timestamp format for an epoch-ms instant (UTC). */
export function formatDeepArStart(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function toDeepArLine(start: number, values: readonly number[]): DeepArLine {
  return { start: formatDeepArStart(start), target: values.map((v) => (Number.isFinite(v) ? v : 'NaN')) };
}

export function toJsonLines(lines: readonly DeepArLine[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

export function buildDeepArChannels(
  series: CleanSeries,
  { predictionLength = PREDICTION_LENGTH, minTrainPoints = 1 }: { predictionLength?: number; minTrainPoints?: number } = {},
): DeepArChannels {
  const { start, values } = series;
  const trainLength = values.length - predictionLength;
  const trainValid = values.slice(0, Math.max(trainLength, 0)).filter(Number.isFinite).length;
  if (trainLength <= 0 || trainValid < minTrainPoints) {
    throw new InsufficientDataError(
      `the series has ${values.length} points (${trainValid} valid before the hold-out); holding out ${predictionLength} ` +
        `needs at least ${minTrainPoints} valid points before them`,
      trainValid,
      minTrainPoints,
    );
  }
  const trainLine = toDeepArLine(start, values.slice(0, trainLength));
  const minuteMs = 60_000;
  return {
    train: toJsonLines([trainLine]),
    test: toJsonLines([toDeepArLine(start, values)]),
    transformInput: toJsonLines([trainLine]),
    holdout: { start: formatDeepArStart(start + trainLength * minuteMs), values: values.slice(trainLength) },
  };
}
