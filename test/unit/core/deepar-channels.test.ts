import { buildDeepArChannels, formatDeepArStart } from '../../../src/core/deepar-channels';
import evaluationWindows from '../../fixtures/aws/deepar-evaluation-windows.json';
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
    expect(channels.windows).toEqual([{ start: '2025-03-05 00:10:00', values: range(30, 10).map((i) => 1000 + 10 * i) }]);
  });

  describe('on many windows (rolling origins over the most recent points)', () => {
    // 40 points, 3 windows of 10: origins at 10, 20, 30.
    const lines = (jsonLines: string) => jsonLines.trim().split('\n').map((line) => JSON.parse(line) as { start: string; target: unknown[] });

    it('ends train before the first origin, so training never sees an evaluated point', () => {
      const channels = buildDeepArChannels(series, { predictionLength: 10, evaluationWindows: 3 });
      expect(channels.origins).toEqual([10, 20, 30]);
      expect(lines(channels.train).map((l) => l.target.length)).toEqual([10]);
    });

    it('writes one test line per window, cut at its end, as ' + 'DeepAR scores the last prediction_length points of each', () => {
      const channels = buildDeepArChannels(series, { predictionLength: 10, evaluationWindows: 3 });
      expect(evaluationWindows.testChannel.quote).toMatch(/repeating time series multiple times in the test set, but cutting them at different endpoints/);
      expect(lines(channels.test).map((l) => [l.start, l.target.length])).toEqual([['2025-03-05 00:00:00', 20], ['2025-03-05 00:00:00', 30], ['2025-03-05 00:00:00', 40]]);
    });

    it('writes one transform line per window, the series up to its origin, in the windows\' order', () => {
      const channels = buildDeepArChannels(series, { predictionLength: 10, evaluationWindows: 3 });
      expect(lines(channels.transformInput).map((l) => l.target.length)).toEqual([10, 20, 30]);
      expect(channels.windows.map((w) => [w.start, w.values[0]])).toEqual([['2025-03-05 00:10:00', 1100], ['2025-03-05 00:20:00', 1200], ['2025-03-05 00:30:00', 1300]]);
      // Window k's actuals follow its instance: together they are the test line k.
      const test = lines(channels.test);
      channels.windows.forEach((w, k) => expect(test[k].target.slice(-10)).toEqual(w.values));
    });

    it('refuses more windows than the data holds, naming the parameter', () => {
      expect(() => buildDeepArChannels(series, { predictionLength: 10, evaluationWindows: 4, minTrainPoints: 5 })).toThrow(
        expect.objectContaining({ name: 'ValidationError', message: expect.stringMatching(/^evaluation\/windows is 4: 4 windows of 10 points leave 0 valid points of 40 for training/) }),
      );
    });
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
