import { fitDeepAR } from '../../src/deepar/estimator';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';
import { inputSize } from '../../src/deepar/model';
import { DeepARPredictor } from '../../src/deepar/predictor';
import { Rng } from '../../src/deepar/rng';
import { seasonalSeries, START, START_MS, tinyHyperparameters } from './mothers';

const n = 24 * 8;
const P = 12;
const records = (withCat: boolean, numDyn: number) =>
  [0, 1, 2].map((k) => ({
    start: START, startMs: START_MS, target: seasonalSeries(n, k + 1),
    ...(withCat ? { cat: [k % 2, k] } : {}),
    ...(numDyn > 0 ? { dynamicFeat: Array.from({ length: numDyn }, (_, d) => Array.from({ length: n }, (_, t) => Math.sin(t / (d + 3)))) } : {}),
  }));

describe('Shapes over feature configurations', () => {
  it.each([
    { name: 'target only', withCat: false, numDyn: 0, freq: 'H', likelihood: 'student-T' },
    { name: 'with cat', withCat: true, numDyn: 0, freq: 'H', likelihood: 'gaussian' },
    { name: 'with two dynamic_feat', withCat: false, numDyn: 2, freq: '30min', likelihood: 'negative-binomial' },
    { name: 'with cat and dynamic_feat', withCat: true, numDyn: 1, freq: 'D', likelihood: 'deterministic-L1' },
  ])('$name ($freq, $likelihood)', ({ withCat, numDyn, freq, likelihood }) => {
    // Prepare
    const train = records(withCat, numDyn);
    const hp = parseHyperparameters(tinyHyperparameters({ time_freq: freq, likelihood, epochs: '1', num_layers: '2' }));
    // Act
    const { model } = fitDeepAR(hp, train, { seed: 1, numBatchesPerEpoch: 2 });
    const predictor = new DeepARPredictor(model);
    const dyn = train[0].dynamicFeat?.map((d) => [...d, ...d.slice(0, P)]);
    const samples = predictor.sample({ startMs: START_MS, target: train[0].target, cat: train[0].cat, dynamicFeat: dyn }, 9, new Rng(1));
    // Assess
    const c = model.config;
    expect(c.cardinalities).toEqual(withCat ? [2, 3] : []);
    expect(c.numDynamicFeat).toBe(numDyn);
    expect(inputSize(c)).toBe(c.lags.length + c.timeFeatures.length + 1 + numDyn + 1);
    expect(model.network.fullInputSize).toBe(inputSize(c) + (withCat ? 2 * c.embeddingDimension : 0));
    expect(samples).toHaveLength(9 * P);
    samples.forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });
});
