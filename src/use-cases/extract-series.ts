/**
 * Extract the series: reads the feature group's window before `asOf`, cleans it into a per-minute
 * series, holds out the last `evaluationWindows` windows of `predictionLength` points (rolling origins
 * over the most recent hours), and writes DeepAR's `train` and `test` channels, the transform input (one
 * line per window) and the held-out windows. Returns where they are, and what the cleaning found.
 */
import { buildDeepArChannels } from '../core/deepar-channels';
import { InsufficientDataError } from '../core/errors';
import { MINUTE_MS, formatMinute, storedMinuteRange } from '../core/feature-record';
import { windowMinutes } from '../core/run-config';
import { buildSeries } from '../core/series';
import type { FeatureStore } from '../ports/feature-store';
import type { ObjectStore } from '../ports/object-store';

/**
 * The result lands in the state machine's data, which Step Functions caps at 256 KiB
 * (test/fixtures/aws/step-functions-payload-limit.json): the series stays in S3, and a sampled bad value is
 * cut short, whatever a broken producer wrote.
 */
const SAMPLE_CHARS = 80;
const INVALID_SAMPLES = 5;
const short = (value: unknown): string => {
  const text = String(value);
  return text.length <= SAMPLE_CHARS ? text : `${text.slice(0, SAMPLE_CHARS)}… (${text.length} characters)`;
};

export interface ExtractSeriesDeps {
  featureStore: FeatureStore;
  objectStore: ObjectStore;
}

export interface ExtractSeriesInput {
  asOf: Date;
  windowDays: number;
  predictionLength: number;
  minValidPoints: number;
  /** Held-out windows of `predictionLength` (parameter evaluation/windows); one when not given. */
  evaluationWindows?: number;
  /** `s3://bucket/training/<job>`: every file of the run goes under it. */
  dataPrefix: string;
}

export async function extractSeries(deps: ExtractSeriesDeps, input: ExtractSeriesInput) {
  // The window ends at the last closed minute before asOf.
  const to = Math.floor(input.asOf.getTime() / MINUTE_MS) * MINUTE_MS;
  const windowStart = to - windowMinutes(input.windowDays) * MINUTE_MS;
  const records = await deps.featureStore.getRecords({ from: new Date(windowStart), to: new Date(to) });
  // The window is what exists, up to windowDays: a young feature group is not padded with days of missing minutes.
  const from = Math.max(windowStart, storedMinuteRange(records).first ?? windowStart);
  const series = buildSeries(records, { from: new Date(from), to: new Date(to), minValidPoints: input.minValidPoints });
  const channels = buildDeepArChannels(series, {
    predictionLength: input.predictionLength,
    minTrainPoints: input.minValidPoints - input.predictionLength,
    evaluationWindows: input.evaluationWindows ?? 1,
  });
  const observedInHoldout = channels.windows[channels.windows.length - 1].values.filter(Number.isFinite).length;
  const neededInHoldout = Math.ceil(input.predictionLength / 2);
  if (observedInHoldout < neededInHoldout) {
    throw new InsufficientDataError(
      `only ${observedInHoldout} of the last ${input.predictionLength} minutes before ${formatMinute(to)} were observed: ` +
        'is ingestion stalled? A forecast cannot be scored against missing minutes',
      observedInHoldout,
      neededInHoldout,
    );
  }
  const p = `${input.dataPrefix}/data`;
  // `.json`: DeepAR reads the channels' format from the file extension (.json, .json.gz, .parquet); the
  // content is JSON Lines. The batch transform writes `<input>.out` beside nothing else.
  await Promise.all([
    deps.objectStore.put(`${p}/train/train.json`, channels.train, 'application/jsonlines'),
    deps.objectStore.put(`${p}/test/test.json`, channels.test, 'application/jsonlines'),
    deps.objectStore.put(`${p}/transform/input.json`, channels.transformInput, 'application/jsonlines'),
    deps.objectStore.put(
      `${p}/holdout.json`,
      JSON.stringify({ windows: channels.windows.map((w) => ({ start: w.start, values: w.values.map((v) => (Number.isFinite(v) ? v : null)) })) }),
      'application/json',
    ),
  ]);
  return {
    trainUri: `${p}/train/`,
    testUri: `${p}/test/`,
    transformInputUri: `${p}/transform/`,
    trainFileUri: `${p}/train/train.json`,
    holdoutUri: `${p}/holdout.json`,
    forecastPrefix: `${input.dataPrefix}/forecast/`,
    forecastUri: `${input.dataPrefix}/forecast/input.json.out`,
    reportUri: `${input.dataPrefix}/evaluation.json`,
    window: { from: formatMinute(from), to: formatMinute(to) },
    evaluationWindows: channels.windows.length,
    evaluationFrom: channels.windows[0].start,
    points: series.values.length,
    validPoints: series.report.validPoints,
    missingMinutes: series.report.missingMinutes,
    duplicatesDropped: series.report.duplicatesDropped,
    invalidRecords: series.report.invalid.length,
    invalidSample: series.report.invalid.slice(0, INVALID_SAMPLES).map((r) => ({ ...r, recordId: short(r.recordId), value: short(r.value) })),
  };
}
