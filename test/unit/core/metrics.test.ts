import { DEFAULT_QUANTILES, meanWeightedQuantileLoss, rmse, sampleQuantile, weightedQuantileLoss } from '../../../src/core/metrics';

const constant = (value: number, length: number) => new Map(DEFAULT_QUANTILES.map((tau) => [tau, Array(length).fill(value)]));

describe('Function: weightedQuantileLoss', () => {
  it('matches a hand-computed value at τ = 0.1, skipping the missing actual', () => {
    // Prepare: y = [10, 20, NaN, 30], q = [8, 25, 5, 30]
    // 0.1·2 + 0.9·5 + 0 = 4.7; 2·4.7 / (10 + 20 + 30) = 9.4 / 60
    // Act / Assess
    expect(weightedQuantileLoss([10, 20, NaN, 30], [8, 25, 5, 30], 0.1)).toBeCloseTo(9.4 / 60, 12);
  });

  it('matches a hand-computed value at τ = 0.9', () => {
    // 0.1·2 + 0.9·2 + 0.1·3 = 2.3; 2·2.3 / 60
    expect(weightedQuantileLoss([10, 20, NaN, 30], [12, 18, 0, 33], 0.9)).toBeCloseTo(4.6 / 60, 12);
  });

  it('is zero for a perfect forecast', () => {
    expect(weightedQuantileLoss([5, 6, 7], [5, 6, 7], 0.3)).toBe(0);
  });

  it('rejects forecasts of another length', () => {
    expect(() => weightedQuantileLoss([1, 2], [1], 0.5)).toThrow('the quantile forecast has 1 points but there are 2 actual values');
  });
});

describe('Function: meanWeightedQuantileLoss', () => {
  it('averages over τ = 0.1 … 0.9: a flat forecast of 20 against [10, 30] loses 0.5 at every level', () => {
    // For each τ: (1−τ)·10 + τ·10 = 10; 2·10 / 40 = 0.5
    const { mean, byQuantile } = meanWeightedQuantileLoss([{ actual: [10, 30], quantiles: constant(20, 2) }]);
    expect(mean).toBeCloseTo(0.5, 12);
    expect(Object.keys(byQuantile)).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    for (const loss of Object.values(byQuantile)) expect(loss).toBeCloseTo(0.5, 12);
  });

  it('pools windows as Amazon Forecast pools items (sums before dividing), not an average of ratios', () => {
    // Pooled: 2·((1−τ)·10 + τ·10) / (10 + 30) = 0.5; averaging the two windows' own losses would give 2/3.
    const { mean } = meanWeightedQuantileLoss([
      { actual: [10], quantiles: constant(20, 1) },
      { actual: [30], quantiles: constant(20, 1) },
    ]);
    expect(mean).toBeCloseTo(0.5, 12);
  });

  it('names a missing quantile', () => {
    expect(() => meanWeightedQuantileLoss([{ actual: [1], quantiles: new Map([[0.5, [1]]]) }])).toThrow('no quantile 0.1');
  });
});

describe('Function: rmse', () => {
  it('skips missing actuals', () => {
    // errors 1, 0, (skipped), 3 -> sqrt((1 + 0 + 9) / 3)
    expect(rmse([{ actual: [1, 2, NaN, 4], point: [2, 2, 100, 1] }])).toBeCloseTo(Math.sqrt(10 / 3), 12);
  });
});

describe('Function: sampleQuantile', () => {
  it('interpolates between order statistics', () => {
    expect(sampleQuantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(sampleQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(sampleQuantile([0, 10], 0.1)).toBeCloseTo(1, 12);
  });
});
