import deepArFormats from '../fixtures/aws/deepar-channel-formats.json';
import payloadLimit from '../fixtures/aws/step-functions-payload-limit.json';
import { range } from '../builders/feature-records';
import { extractSeries, type ExtractSeriesInput } from '../../src/use-cases/extract-series';
import { InMemoryObjectStore } from './fakes';
import { aFeatureStoreWith, minutesAfterT0 } from './mothers';

/** 0.1 day = 144 minutes of records, the last 30 held out. */
const MINUTES = 144;
const PREFIX = 's3://artifacts/training/job-1';
const INPUT: ExtractSeriesInput = { asOf: minutesAfterT0(MINUTES), windowDays: 0.1, predictionLength: 30, minValidPoints: 90, dataPrefix: PREFIX };
const level = (i: number) => 1000 + 10 * i;

describe('Use case: extractSeries', () => {
  it('writes the channels and the held-out actuals, and says where they are and what the cleaning found', async () => {
    // Prepare: one record per minute, a duplicate and two missing minutes.
    const featureStore = await aFeatureStoreWith(range(MINUTES).filter((i) => i !== 10 && i !== 11), level);
    await featureStore.putRecords([{ ...featureStore.records[0], event_time: '2025-03-05T00:00:30.000Z' } as never]);
    const objectStore = new InMemoryObjectStore();

    // Act
    const result = await extractSeries({ featureStore, objectStore }, INPUT);

    // Assess
    expect(result).toMatchObject({
      trainUri: `${PREFIX}/data/train/`,
      testUri: `${PREFIX}/data/test/`,
      transformInputUri: `${PREFIX}/data/transform/`,
      holdoutUri: `${PREFIX}/data/holdout.json`,
      forecastUri: `${PREFIX}/forecast/input.json.out`,
      reportUri: `${PREFIX}/evaluation.json`,
      window: { from: '2025-03-05T00:00:00Z', to: '2025-03-05T02:24:00Z' },
      points: 144,
      validPoints: 142,
      missingMinutes: 2,
      duplicatesDropped: 1,
      invalidRecords: 0,
    });
    expect(objectStore.json(`${PREFIX}/data/holdout.json`)).toEqual({ windows: [{ start: '2025-03-05 01:54:00', values: range(30, 114).map(level) }] });
    const train = objectStore.json(`${PREFIX}/data/train/train.json`) as { start: string; target: unknown[] };
    expect([train.start, train.target.length, train.target[10]]).toEqual(['2025-03-05 00:00:00', 114, 'NaN']);
  });

  it('trains on the window that exists: a young feature group in a week-long window is not padded with missing days (issue 12)', async () => {
    // Prepare: 144 minutes held, a window of 7 days.
    const featureStore = await aFeatureStoreWith(range(MINUTES), level);
    const objectStore = new InMemoryObjectStore();

    // Act
    const result = await extractSeries({ featureStore, objectStore }, { ...INPUT, windowDays: 7 });

    // Assess
    expect(result).toMatchObject({ window: { from: '2025-03-05T00:00:00Z', to: '2025-03-05T02:24:00Z' }, points: 144, missingMinutes: 0 });
    const train = objectStore.json(`${PREFIX}/data/train/train.json`) as { start: string; target: unknown[] };
    expect([train.start, train.target.length]).toEqual(['2025-03-05 00:00:00', 114]);
  });

  it('names every channel file with an extension DeepAR reads its format from, so no ContentType is needed (issue 11, item 4)', async () => {
    const featureStore = await aFeatureStoreWith(range(MINUTES), level);
    const objectStore = new InMemoryObjectStore();

    const result = await extractSeries({ featureStore, objectStore }, INPUT);

    const channelFiles = [...objectStore.objects.keys()].filter((uri) => [result.trainUri, result.testUri, result.transformInputUri].some((p) => uri.startsWith(p)));
    expect(channelFiles).toHaveLength(3);
    for (const uri of channelFiles) expect(deepArFormats.trainingChannels.extensions.some((ext) => uri.endsWith(ext))).toBe(true);
    // The batch transform's output is its input's name with .out appended.
    expect(result.forecastUri).toBe(`${PREFIX}/forecast/input.json${deepArFormats.transformOutput.suffix}`);
  });

  it('holds out the last evaluation windows, and fails naming evaluation/windows when they leave too little to train on', async () => {
    const featureStore = await aFeatureStoreWith(range(MINUTES), level);
    const objectStore = new InMemoryObjectStore();

    const result = await extractSeries({ featureStore, objectStore }, { ...INPUT, minValidPoints: 60, evaluationWindows: 3 });

    expect(result).toMatchObject({ evaluationWindows: 3, evaluationFrom: '2025-03-05 00:54:00' });
    const held = objectStore.json(`${PREFIX}/data/holdout.json`) as { windows: Array<{ start: string }> };
    expect(held.windows.map((w) => w.start)).toEqual(['2025-03-05 00:54:00', '2025-03-05 01:24:00', '2025-03-05 01:54:00']);
    await expect(extractSeries({ featureStore, objectStore: new InMemoryObjectStore() }, { ...INPUT, minValidPoints: 60, evaluationWindows: 4 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^evaluation\/windows is 4/),
    });
  });

  it('returns a summary far within Step Functions\' payload limit, whatever the records hold: bad values are sampled short', async () => {
    // Prepare: a week of minutes, 48 windows, and six minutes whose fee is a 300 kB string (a broken producer).
    const week = 7 * 1440;
    const featureStore = await aFeatureStoreWith(range(week), level);
    const garbage = 'x'.repeat(300_000);
    for (const r of featureStore.records.slice(100, 106)) (r as { avg_fee_1min: unknown }).avg_fee_1min = garbage;
    const objectStore = new InMemoryObjectStore();

    // Act
    const result = await extractSeries({ featureStore, objectStore }, { ...INPUT, asOf: minutesAfterT0(week), windowDays: 7, evaluationWindows: 48 });

    // Assess: what the state passes on is small; the series is in S3.
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(payloadLimit.maxBytes / 64);
    expect(result).toMatchObject({ invalidRecords: 6, evaluationWindows: 48, points: week });
    expect(result.invalidSample).toHaveLength(5);
    expect(result.invalidSample[0]).toMatchObject({ recordId: '2025-03-05T01:40:00Z', field: 'avg_fee_1min', value: `${'x'.repeat(80)}… (300000 characters)` });
    expect(objectStore.json(result.holdoutUri)).toMatchObject({ windows: expect.any(Array) });
  });

  it('refuses to train when fewer than half the held-out minutes were observed, writing nothing', async () => {
    // Prepare: 16 of the last 30 minutes are missing.
    const featureStore = await aFeatureStoreWith(range(MINUTES - 16), level);
    const objectStore = new InMemoryObjectStore();

    // Act
    const attempt = extractSeries({ featureStore, objectStore }, INPUT);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InsufficientDataError', found: 14, needed: 15 });
    expect(objectStore.objects.size).toBe(0);
  });
});
