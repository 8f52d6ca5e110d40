import { buildDeepArChannels, formatDeepArStart } from '../../../src/core/deepar-channels';
import { buildSeries } from '../../../src/core/series';
import { T0, range, recordsFor } from '../../builders/feature-records';

describe('Function: buildDeepArChannels', () => {
  const series = buildSeries(recordsFor(range(40).filter((i) => i !== 5)));

  it('holds out the last 30 points: train has the rest, test has all, the transform input is the train series', () => {
    const channels = buildDeepArChannels(series);
    const train = JSON.parse(channels.train);
    const test = JSON.parse(channels.test);
    expect(train.start).toBe('2025-03-05 00:00:00');
    expect(train.target).toHaveLength(10);
    expect(test.target).toHaveLength(40);
    expect(channels.transformInput).toBe(channels.train);
    expect(channels.holdout.start).toBe('2025-03-05 00:10:00');
    expect(channels.holdout.values).toEqual(range(30, 10).map((i) => 1000 + 10 * i));
  });

  it('writes missing values as "NaN", one JSON object per line', () => {
    const channels = buildDeepArChannels(series);
    expect(channels.train.endsWith('\n')).toBe(true);
    expect(channels.train.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(channels.train).target[5]).toBe('NaN');
  });

  it('refuses a series too short to hold out the prediction length', () => {
    expect(() => buildDeepArChannels(series, { predictionLength: 40 })).toThrow(/holding out 40 needs at least 1 valid points/);
  });

  it('formats starts as DeepAR expects', () => {
    expect(formatDeepArStart(T0 + 61_000)).toBe('2025-03-05 00:01:01');
  });
});
