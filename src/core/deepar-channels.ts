/**
 * DeepAR's JSON Lines training format for the pipeline's one series, and the evaluation split: the last
 * `evaluationWindows` × `predictionLength` points are held out as rolling origins (window k starts at
 * origin o_k = trainLength + k·predictionLength):
 *
 *   train      the series up to the first origin: training never sees an evaluated point
 *   test       one line per window, the series up to that window's end: DeepAR withholds and scores the
 *              last prediction_length points of each test series, so its test metrics average over the
 *              windows (SageMaker's "repeating time series multiple times in the test set, but cutting
 *              them at different endpoints"; test/fixtures/aws/deepar-evaluation-windows.json)
 *   transform  one line per window, the series up to its origin: the batch transform answers one line per
 *              line in the same order, so output line k is window k's forecast
 *
 * Every line carries its window's whole history, never a trimmed tail: AWS asks for the entire series at
 * testing and inference (DeepAR's lags read further back than context_length), and the twin's DeepAR reads
 * the series' length too (its age feature); test/fixtures/aws/deepar-inference-history.json. The ~2x48
 * prefixes of one series are serialised from one string (`seriesPrefixes`), each value once.
 *
 * Missing values are written as the string "NaN", which DeepAR accepts (JSON has no NaN).
 */
import { InsufficientDataError, ValidationError } from './errors';
import type { CleanSeries } from './series';

export const PREDICTION_LENGTH = 30;

export interface DeepArLine {
  /** `YYYY-MM-DD HH:MM:SS` */
  start: string;
  target: Array<number | 'NaN'>;
  cat?: number[];
  dynamic_feat?: number[][];
}

/** One held-out window: its first minute and what happened (NaN where a minute is missing). */
export interface EvaluationWindow {
  start: string;
  values: number[];
}

export interface DeepArChannels {
  train: string;
  test: string;
  transformInput: string;
  /** The held-out windows, oldest first, the transform's output lines are scored against. */
  windows: EvaluationWindow[];
  /** Index in the series of each window's first point (its forecast origin). */
  origins: number[];
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

/** One series' prefixes as DeepAR JSON lines, from one serialisation of its values. */
export interface SeriesPrefixes {
  /** Exactly `JSON.stringify(toDeepArLine(start, values.slice(0, length)))` (for a string start, its `start` as given). */
  line(length: number): string;
  /** The line's size in UTF-8 bytes (the values serialise to ASCII). */
  byteLength(length: number): number;
}

/**
 * Serialises a series once for many of its prefixes (the rolling origins' instances): a line is a slice
 * of one comma-joined body, so 48 windows of a week cost one pass over the values, not 48. `start` is
 * epoch ms, or DeepAR's start string as a channel holds it.
 */
export function seriesPrefixes(start: number | string, values: readonly number[]): SeriesPrefixes {
  const head = `{"start":${JSON.stringify(typeof start === 'string' ? start : formatDeepArStart(start))},"target":[`;
  const headBytes = Buffer.byteLength(head);
  const tokens = values.map((v) => (Number.isFinite(v) ? JSON.stringify(v) : '"NaN"'));
  // bodyEnd[n]: the length of the first n tokens joined with commas.
  const bodyEnd = new Array<number>(tokens.length + 1);
  bodyEnd[0] = 0;
  for (let i = 0; i < tokens.length; i++) bodyEnd[i + 1] = bodyEnd[i] + (i > 0 ? 1 : 0) + tokens[i].length;
  const body = tokens.join(',');
  const check = (length: number) => {
    if (!Number.isInteger(length) || length < 0 || length > values.length) throw new RangeError(`a prefix of ${length} points of a series of ${values.length}`);
    return length;
  };
  return {
    line: (length) => `${head}${body.slice(0, bodyEnd[check(length)])}]}`,
    byteLength: (length) => headBytes + bodyEnd[check(length)] + 2,
  };
}

export function buildDeepArChannels(
  series: CleanSeries,
  { predictionLength = PREDICTION_LENGTH, minTrainPoints = 1, evaluationWindows = 1 }: { predictionLength?: number; minTrainPoints?: number; evaluationWindows?: number } = {},
): DeepArChannels {
  const { start, values } = series;
  const validBefore = (n: number) => values.slice(0, Math.max(n, 0)).filter(Number.isFinite).length;
  const trainLength = values.length - evaluationWindows * predictionLength;
  const trainValid = validBefore(trainLength);
  if (trainLength <= 0 || trainValid < minTrainPoints) {
    // Enough data for one window but not for this many: the parameter is what to change, and it is named.
    if (evaluationWindows > 1 && validBefore(values.length - predictionLength) >= minTrainPoints) {
      throw new ValidationError(
        `evaluation/windows is ${evaluationWindows}: ${evaluationWindows} windows of ${predictionLength} points leave ${trainValid} valid points of ` +
          `${values.length} for training, fewer than the ${minTrainPoints} needed; lower evaluation/windows or raise training/window-days`,
        { field: 'evaluationWindows' },
      );
    }
    throw new InsufficientDataError(
      `the series has ${values.length} points (${trainValid} valid before the hold-out); holding out ${evaluationWindows * predictionLength} ` +
        `needs at least ${minTrainPoints} valid points before them`,
      trainValid,
      minTrainPoints,
    );
  }
  const minuteMs = 60_000;
  const origins = Array.from({ length: evaluationWindows }, (_, k) => trainLength + k * predictionLength);
  const prefixes = seriesPrefixes(start, values);
  const lines = (lengths: number[]) => lengths.map((n) => `${prefixes.line(n)}\n`).join('');
  return {
    train: lines([trainLength]),
    test: lines(origins.map((o) => o + predictionLength)),
    transformInput: lines(origins),
    windows: origins.map((o) => ({ start: formatDeepArStart(start + o * minuteMs), values: values.slice(o, o + predictionLength) })),
    origins,
  };
}
