/**
 * ExtractSeries: reads the feature group's window before `asOf`, cleans it into a per-minute series,
 * holds out the last `predictionLength` points, and writes DeepAR's `train` and `test` channels, the
 * transform input and the held-out actuals. Only their URIs go back into the state (payloads stay small).
 */
import { z } from 'zod';
import { buildDeepArChannels } from '../src/core/deepar-channels';
import { InsufficientDataError } from '../src/core/errors';
import { MINUTE_MS, formatMinute } from '../src/core/feature-record';
import { buildSeries } from '../src/core/series';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import type { FeatureStore } from '../src/ports/feature-store';
import type { ObjectStore } from '../src/ports/object-store';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';

const ExtractEvent = z.object({
  jobName: z.string().min(1),
  asOf: z.string().datetime({ offset: true }),
  windowDays: z.number().positive(),
  predictionLength: z.number().int().positive(),
  minValidPoints: z.number().int().positive(),
  dataPrefix: z.string().startsWith('s3://'),
});

export function createHandler(deps: { featureStore: () => FeatureStore; objectStore: () => ObjectStore }) {
  return taskHandler(async (event: unknown) => {
    const input = parseEvent(ExtractEvent, event);
    // The window ends at the last closed minute before asOf.
    const to = Math.floor(Date.parse(input.asOf) / MINUTE_MS) * MINUTE_MS;
    const from = to - Math.round(input.windowDays * 24 * 60) * MINUTE_MS;
    const records = await deps.featureStore().getRecords({ from: new Date(from), to: new Date(to) });
    const series = buildSeries(records, { from: new Date(from), to: new Date(to), minValidPoints: input.minValidPoints });
    const channels = buildDeepArChannels(series, { predictionLength: input.predictionLength, minTrainPoints: input.minValidPoints - input.predictionLength });
    const observedInHoldout = channels.holdout.values.filter(Number.isFinite).length;
    if (observedInHoldout < Math.ceil(input.predictionLength / 2)) {
      throw new InsufficientDataError(
        `only ${observedInHoldout} of the last ${input.predictionLength} minutes before ${formatMinute(to)} were observed: ` +
          'is ingestion stalled? A forecast cannot be scored against missing minutes',
        observedInHoldout,
        Math.ceil(input.predictionLength / 2),
      );
    }
    const p = `${input.dataPrefix}/data`;
    const store = deps.objectStore();
    await Promise.all([
      store.put(`${p}/train/train.jsonl`, channels.train, 'application/jsonlines'),
      store.put(`${p}/test/test.jsonl`, channels.test, 'application/jsonlines'),
      store.put(`${p}/transform/input.jsonl`, channels.transformInput, 'application/jsonlines'),
      store.put(`${p}/holdout.json`, JSON.stringify({ start: channels.holdout.start, values: channels.holdout.values.map((v) => (Number.isFinite(v) ? v : null)) }), 'application/json'),
    ]);
    return {
      trainUri: `${p}/train/`,
      testUri: `${p}/test/`,
      transformInputUri: `${p}/transform/`,
      trainFileUri: `${p}/train/train.jsonl`,
      holdoutUri: `${p}/holdout.json`,
      forecastPrefix: `${input.dataPrefix}/forecast/`,
      forecastUri: `${input.dataPrefix}/forecast/input.jsonl.out`,
      reportUri: `${input.dataPrefix}/evaluation.json`,
      window: { from: formatMinute(from), to: formatMinute(to) },
      points: series.values.length,
      validPoints: series.report.validPoints,
      missingMinutes: series.report.missingMinutes,
      duplicatesDropped: series.report.duplicatesDropped,
      invalidRecords: series.report.invalid.length,
      invalidSample: series.report.invalid.slice(0, 5).map((r) => ({ ...r, value: String(r.value) })),
    };
  });
}

export const handler = createHandler({
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  objectStore: once(() => new S3ObjectStore()),
});
