/**
 * The Live page's forecast: asked of the production endpoint once per minute of data (a dashboard polling
 * every few seconds must not flood it), asked again when the data moves on or the endpoint serves another
 * model, and the past window set against what happened.
 */
import { ForecastReadModel, type ForecastReadModelDeps } from '../../local/read-models/forecast';
import type { DeepArForecast } from '../../src/core/evaluation';
import { formatMinute } from '../../src/core/feature-record';
import type { StoredFeatureRecord } from '../../src/core/feature-record';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-12T10:00:00Z');

function aFeatureStore(minutes: number) {
  let latest = T0 + (minutes - 1) * MINUTE;
  const fee = (t: number) => 100 + ((t - T0) / MINUTE) % 7;
  return {
    advance: () => void (latest += MINUTE),
    latestMinute: () => new Date(latest),
    getRecords: async ({ from, to }: { from: Date; to: Date }): Promise<StoredFeatureRecord[]> => {
      const out: StoredFeatureRecord[] = [];
      for (let t = Math.max(from.getTime(), T0); t < Math.min(to.getTime(), latest + MINUTE); t += MINUTE) {
        out.push({ tx_minute: formatMinute(t), total_nb_trx_1min: 10, total_fee_1min: fee(t) * 10, avg_fee_1min: fee(t), event_time: new Date(t).toISOString() } as StoredFeatureRecord);
      }
      return out;
    },
  };
}

const flat = (v: number): DeepArForecast => ({ mean: Array(30).fill(v), quantiles: Object.fromEntries(['0.1', '0.3', '0.5', '0.7', '0.9'].map((q) => [q, Array(30).fill(v)])) });

describe('Class: ForecastReadModel', () => {
  it('asks the endpoint once per minute of data and config, however often it is polled', async () => {
    // Prepare
    const featureStore = aFeatureStore(400);
    const calls: number[] = [];
    let config = 'config-a';
    const deps: ForecastReadModelDeps = {
      featureStore,
      forecaster: { forecast: async (_name, instances) => (calls.push(instances.length), instances.map(() => flat(100))) },
      endpointName: 'prod',
      endpointConfigOf: async () => config,
      seriesMinutes: async () => 7 * 1440,
    };
    const model = new ForecastReadModel(deps);
    // Act
    const first = await Promise.all([model.production(), model.production(), model.production()]);
    await model.production();
    // Assess
    expect(calls).toEqual([2]);
    expect(first[0].status).toBe('ok');
    expect(first[0].next!.minutes[0]).toBe(formatMinute(featureStore.latestMinute().getTime() + MINUTE));
    expect(first[0].next!.quantiles['0.5']).toHaveLength(30);
    // the past window is the last 30 known minutes, with what happened
    expect(first[0].past!.minutes[29]).toBe(formatMinute(featureStore.latestMinute()));
    expect(first[0].past!.actual.every((v) => typeof v === 'number')).toBe(true);

    featureStore.advance();
    await model.production();
    config = 'config-b';
    await model.production();
    expect(calls).toEqual([2, 2, 2]);
  });

  it('says what failed when the endpoint errs, and asks again the next minute', async () => {
    const featureStore = aFeatureStore(400);
    let fail = true;
    const model = new ForecastReadModel({
      featureStore,
      forecaster: {
        forecast: async (_n, instances) => {
          if (fail) throw Object.assign(new Error('the worker died'), { name: 'ModelError' });
          return instances.map(() => flat(1));
        },
      },
      endpointName: 'prod',
      endpointConfigOf: async () => 'config-a',
      seriesMinutes: async () => 7 * 1440,
    });
    expect(await model.production()).toMatchObject({ status: 'endpoint-error', detail: 'ModelError: the worker died' });
    fail = false;
    // an endpoint error is kept for the minute like any answer (a failing endpoint is not flooded either)
    featureStore.advance();
    expect((await model.production()).status).toBe('ok');
  });

  it('forecasts from the whole training window, from its first observed minute, as monitoring and the gate do', async () => {
    // Prepare: 400 minutes of data, younger than the 1-day window; then a 5-hour window, shorter than the data.
    const featureStore = aFeatureStore(400);
    const asked: Array<Array<[string, number]>> = [];
    let seriesMinutes = 1440;
    const model = new ForecastReadModel({
      featureStore,
      forecaster: { forecast: async (_n, instances) => (asked.push(instances.map((i) => [i.start, i.target.length])), instances.map(() => flat(100))) },
      endpointName: 'prod',
      endpointConfigOf: async () => 'config-a',
      seriesMinutes: async () => seriesMinutes,
    });

    // Act
    await model.production();
    seriesMinutes = 300; // `mlops config set training/window-days`: asked again, though no minute came
    await model.production();

    // Assess: the next window from all 400 minutes, the past one from all but its last 30.
    expect(asked).toEqual([
      [['2025-03-12 10:00:00', 400], ['2025-03-12 10:00:00', 370]],
      [['2025-03-12 11:40:00', 300], ['2025-03-12 11:40:00', 270]],
    ]);
  });
});
