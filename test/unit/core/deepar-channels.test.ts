import { buildDeepArChannels, formatDeepArStart, seriesPrefixes, toDeepArLine, toJsonLines } from '../../../src/core/deepar-channels';
import evaluationWindows from '../../fixtures/aws/deepar-evaluation-windows.json';
import inferenceHistory from '../../fixtures/aws/deepar-inference-history.json';
import { fitDeepAR } from '../../../src/deepar/estimator';
import { parseHyperparameters } from '../../../src/deepar/hyperparameters';
import { pastLength } from '../../../src/deepar/model';
import { DeepARPredictor } from '../../../src/deepar/predictor';
import { Rng } from '../../../src/deepar/rng';
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

  it('writes the channels a line per prefix exactly as one JSON.stringify per line would, missing minutes as "NaN"', () => {
    // Prepare: 40 minutes with gaps (5 missing, 17 missing), 3 windows of 10.
    const gappy = buildSeries(recordsFor(range(40).filter((i) => i !== 5 && i !== 17)));

    // Act
    const channels = buildDeepArChannels(gappy, { predictionLength: 10, evaluationWindows: 3 });

    // Assess
    const line = (n: number) => toDeepArLine(gappy.start, gappy.values.slice(0, n));
    expect(channels.train).toBe(toJsonLines([line(10)]));
    expect(channels.test).toBe(toJsonLines([line(20), line(30), line(40)]));
    expect(channels.transformInput).toBe(toJsonLines([line(10), line(20), line(30)]));
  });
});

describe('The instances\' history (test/fixtures/aws/deepar-inference-history.json)', () => {
  const lines = (jsonLines: string) => jsonLines.trim().split('\n').map((line) => JSON.parse(line) as { start: string; target: unknown[] });

  it('gives every test and transform line its window\'s whole series, as AWS asks, never a tail of context_length + the largest lag', () => {
    // Prepare: 600 minutes, 3 windows of 30: every origin is past the 242 points the twin's lags and context read.
    expect(inferenceHistory.wholeSeries.quote).toMatch(/always provide the entire time series for training, testing, and when calling the model for inference/);
    const long = buildSeries(recordsFor(range(600)));

    // Act
    const channels = buildDeepArChannels(long, { predictionLength: 30, evaluationWindows: 3 });

    // Assess
    expect(lines(channels.transformInput).map((l) => [l.start, l.target.length])).toEqual([['2025-03-05 00:00:00', 510], ['2025-03-05 00:00:00', 540], ['2025-03-05 00:00:00', 570]]);
    expect(lines(channels.test).map((l) => [l.start, l.target.length])).toEqual([['2025-03-05 00:00:00', 540], ['2025-03-05 00:00:00', 570], ['2025-03-05 00:00:00', 600]]);
  });

  it('would change the twin\'s forecast if trimmed to context_length + the largest lag: its age feature reads the series\' length', () => {
    // Prepare: a tiny per-minute model (context 60, lags up to 182) and a series three times its reach.
    const hp = parseHyperparameters({ time_freq: '1min', context_length: '60', prediction_length: '30', epochs: '1', num_cells: '4', num_layers: '1', mini_batch_size: '4', num_eval_samples: '8' });
    const rng = new Rng(1);
    const target = Array.from({ length: 800 }, (_, t) => 10 + 5 * Math.sin((2 * Math.PI * t) / 60) + rng.normal());
    const { model } = fitDeepAR(hp, [{ start: formatDeepArStart(T0), startMs: T0, target }], { seed: 0, numBatchesPerEpoch: 2 });
    const reach = pastLength(model.config);
    expect([reach, Math.max(...model.config.lags)]).toEqual([242, 182]);
    const predictor = new DeepARPredictor(model);
    const cut = target.length - reach;

    // Act: the same seed, the whole series and its tail (its start moved so the time features match).
    const whole = predictor.sample({ startMs: T0, target }, 8, new Rng(3));
    const tail = predictor.sample({ startMs: T0 + cut * 60_000, target: target.slice(cut) }, 8, new Rng(3));

    // Assess
    const differs = whole.some((v, i) => Math.abs(v - tail[i]) > 1e-9);
    expect(differs).toBe(inferenceHistory.twin.trimmedForecastDiffers);
  });
});

describe('Function: seriesPrefixes', () => {
  // Values whose JSON is unusual: negative zero, exponents, long fractions, the non-finite ones DeepAR gets as "NaN".
  const values = [12.5, -0, 1e-7, 1e21, 0.1 + 0.2, -3, NaN, Infinity, 123456789.123456, -Infinity, 7];

  it('gives every prefix exactly as JSON.stringify(toDeepArLine(...)) writes it, with its size in bytes', () => {
    const prefixes = seriesPrefixes(T0, values);
    for (let n = 0; n <= values.length; n++) {
      const expected = JSON.stringify(toDeepArLine(T0, values.slice(0, n)));
      expect(prefixes.line(n)).toBe(expected);
      expect(prefixes.byteLength(n)).toBe(Buffer.byteLength(expected));
    }
  });

  it('refuses a prefix the series does not have, saying which', () => {
    expect(() => seriesPrefixes(T0, values).line(12)).toThrow('a prefix of 12 points of a series of 11');
    expect(() => seriesPrefixes(T0, values).byteLength(-1)).toThrow('a prefix of -1 points of a series of 11');
  });
});
