/**
 * DeepARPredictor.sampleBatch: several series forecast in one batch (an endpoint answering concurrent
 * requests with one forward pass) give what each would alone.
 */
import { fitDeepAR } from '../../src/deepar/estimator';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';
import type { KernelBackend } from '../../src/deepar/kernels';
import type { SeriesInput } from '../../src/deepar/model';
import { DeepARPredictor } from '../../src/deepar/predictor';
import { Rng } from '../../src/deepar/rng';
import '../../src/deepar/runtime'; // installs the WebAssembly kernels and the fused engine
import { seasonalSeries, START, START_MS, tinyHyperparameters, withBackend } from './mothers';

const P = 12;
const n = 24 * 8;
const dynamic = (length: number, phase: number) => [Array.from({ length }, (_, t) => Math.sin(t / 5 + phase))];

/** A model with a category and a dynamic feature, trained briefly on backend b. */
function trainedPredictor(b: KernelBackend): DeepARPredictor {
  const train = [0, 1, 2].map((k) => ({
    start: START, startMs: START_MS, target: seasonalSeries(n, k + 1), cat: [k], dynamicFeat: dynamic(n, k),
  }));
  const hp = parseHyperparameters(tinyHyperparameters({ epochs: '1', num_layers: '2' }));
  return withBackend(b, () => new DeepARPredictor(fitDeepAR(hp, train, { seed: 1, numBatchesPerEpoch: 2 }).model));
}

/** Requests unlike each other: lengths (one shorter than the context), a gap, categories, covariates, start times. */
function requests(): SeriesInput[] {
  const long = seasonalSeries(n + 40, 7);
  long[n - 3] = NaN;
  return [
    { startMs: START_MS, target: seasonalSeries(n, 4), cat: [2], dynamicFeat: dynamic(n + P, 0.3) },
    { startMs: START_MS + 5 * 3600_000, target: long, cat: [0], dynamicFeat: dynamic(n + 40 + P, 1) },
    { startMs: START_MS, target: seasonalSeries(10, 5, 0.5, 200), cat: [1], dynamicFeat: dynamic(10 + P, 2) },
  ];
}

describe('DeepARPredictor.sampleBatch', () => {
  describe.each(['f32', 'js'] as const)('on the %s backend', (backend) => {
    const predictor = trainedPredictor(backend);
    const series = requests();
    const S = 25;
    const run = <T>(fn: () => T): T => withBackend(backend, fn);

    it('gives each series, with its own Rng, exactly what `sample` gives it alone', () => {
      // Act
      const batch = run(() => predictor.sampleBatch(series, S, series.map((_, i) => new Rng(100 + i))));
      const alone = run(() => series.map((s, i) => predictor.sample(s, S, new Rng(100 + i))));
      // Assess
      expect(batch).toHaveLength(series.length);
      batch.forEach((samples, i) => {
        expect(samples).toHaveLength(S * P);
        samples.forEach((v) => expect(Number.isFinite(v)).toBe(true));
        expect(Array.from(samples)).toEqual(Array.from(alone[i]));
      });
    });

    it('answers a series the same whatever it is batched with, in any order, in batches larger than a block of paths', () => {
      // Prepare: 150 paths a series, so that series straddle the engine's blocks of 128 paths differently
      const many = 150;
      // Act
      const reversed = run(() => predictor.sampleBatch([...series].reverse(), many, series.map((_, i) => new Rng(100 + series.length - 1 - i))));
      const withOthers = run(() => predictor.sampleBatch([series[1], series[1], series[0]], many, [new Rng(9), new Rng(101), new Rng(8)]));
      const alone = run(() => predictor.sample(series[1], many, new Rng(101)));
      // Assess
      expect(Array.from(reversed[1])).toEqual(Array.from(alone));
      expect(Array.from(withOthers[1])).toEqual(Array.from(alone));
    });

    it('with one Rng for the batch: a batch of one is `sample`, and the same batch and seed give the same samples', () => {
      // Act
      const one = run(() => predictor.sampleBatch([series[0]], S, new Rng(3))[0]);
      const alone = run(() => predictor.sample(series[0], S, new Rng(3)));
      const first = run(() => predictor.sampleBatch(series, S, new Rng(3)));
      const again = run(() => predictor.sampleBatch(series, S, new Rng(3)));
      // Assess
      expect(Array.from(one)).toEqual(Array.from(alone));
      expect(first.map((a) => Array.from(a))).toEqual(again.map((a) => Array.from(a)));
    });

    it('draws from the same distribution as `sample` when the Rng is shared by the batch', () => {
      // Prepare
      const many = 400;
      const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
      const sd = (a: Float64Array) => {
        const m = mean(a);
        return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
      };
      // Act
      const batch = run(() => predictor.sampleBatch(series, many, new Rng(11)));
      const alone = run(() => series.map((s, i) => predictor.sample(s, many, new Rng(50 + i))));
      // Assess: different draws (not the same stream), same mean and spread within sampling noise
      batch.forEach((samples, i) => {
        expect(Array.from(samples)).not.toEqual(Array.from(alone[i]));
        const noise = (4 * sd(alone[i])) / Math.sqrt(many);
        expect(Math.abs(mean(samples) - mean(alone[i]))).toBeLessThan(noise);
        expect(sd(samples) / sd(alone[i])).toBeGreaterThan(0.85);
        expect(sd(samples) / sd(alone[i])).toBeLessThan(1.15);
      });
    });
  });

  it('returns nothing for no series, and says what is wrong when the Rngs do not match the series', () => {
    const predictor = trainedPredictor('f32');
    expect(predictor.sampleBatch([], 10, new Rng(1))).toEqual([]);
    expect(() => predictor.sampleBatch(requests(), 10, [new Rng(1)])).toThrow('1 random generators for 3 series');
  });
});
