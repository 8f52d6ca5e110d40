import { backtest, fitDeepAR, parseFrequency, parseHyperparameters } from '../../src/deepar/runtime';
import { seasonalSeries, START, START_MS, tinyHyperparameters } from './mothers';

const train = [{ start: START, startMs: START_MS, target: seasonalSeries(24 * 20) }];

describe('Function: fitDeepAR', () => {
  it('gives the same model for the same data, hyperparameters and seed', () => {
    // Prepare
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '1' }));
    // Act
    const a = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 5 });
    const b = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 5 });
    const c = fitDeepAR(hp, train, { seed: 6, numBatchesPerEpoch: 5 });
    // Assess
    expect(Array.from(a.model.network.params)).toEqual(Array.from(b.model.network.params));
    expect(a.training.finalLoss).toBe(b.training.finalLoss);
    expect(Array.from(a.model.network.params)).not.toEqual(Array.from(c.model.network.params));
  });

  it('trains data parallel on two threads, deterministically, reducing the loss', () => {
    // Prepare
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '3', learning_rate: '0.01' }));
    // Act
    const a = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 10, threads: 2 });
    const b = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 10, threads: 2 });
    // Assess
    expect(Array.from(a.model.network.params)).toEqual(Array.from(b.model.network.params));
    expect(a.training.history[2].loss).toBeLessThan(a.training.history[0].loss);
    expect(Object.prototype.toString.call(a.model.network.params.buffer)).toBe('[object ArrayBuffer]'); // not shared
  });

  it.each(['student-T', 'gaussian', 'negative-binomial', 'deterministic-L1'])('reduces the training loss with likelihood %s', (likelihood) => {
    // Prepare
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '4', likelihood, learning_rate: '0.01' }));
    // Act
    const { training } = fitDeepAR(hp, train, { seed: 1, numBatchesPerEpoch: 10 });
    // Assess
    expect(training.history).toHaveLength(4);
    expect(training.history[3].loss).toBeLessThan(training.history[0].loss);
  });

  it('stops early after early_stopping_patience epochs without improvement', () => {
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '50', early_stopping_patience: '1', learning_rate: '0.5' }));
    const { training } = fitDeepAR(hp, train, { seed: 1, numBatchesPerEpoch: 2 });
    expect(training.history.length).toBeLessThan(50);
  });
});

describe('Function: backtest on a synthetic seasonal series', () => {
  it('beats seasonal naive', () => {
    // Prepare: daily cycle on hourly data, i.i.d. noise: seasonal naive's error has twice the noise variance
    const values = seasonalSeries(24 * 40, 2, 1);
    // Act
    const r = backtest(START_MS, values, {
      freq: parseFrequency('H'), predictionLength: 12, windows: 6, contextLength: 24, epochs: 8, seed: 3,
      hyperparameters: { num_cells: '16', num_layers: '1', mini_batch_size: '16', learning_rate: '0.005' },
      numBatchesPerEpoch: 25,
    });
    // Assess
    expect(r.windows).toBe(6);
    expect(r.origins).toEqual([888, 900, 912, 924, 936, 948]); // N − H − i·S = 960 − 12 − i·12
    expect(r.models.deepar.mean_wQuantileLoss).toBeLessThan(r.models.seasonal_naive.mean_wQuantileLoss);
    expect(r.models.seasonal_naive.mean_wQuantileLoss).toBeLessThan(r.models.naive.mean_wQuantileLoss);
  });
});
