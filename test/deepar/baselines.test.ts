import { lagwalkSigma, naiveForecast, seasonalNaiveForecast } from '../../src/deepar/baselines';

const Z90 = 1.2815515655446004;

describe('Function: naiveForecast', () => {
  it('forecasts the last value with σ·sqrt(h) quantiles (hand-computed)', () => {
    // Prepare: differences 1, 2, −1, 2 → σ = sqrt((1 + 4 + 1 + 4) / 4) = sqrt(2.5)
    const y = [1, 2, 4, 3, 5];
    // Act
    const f = naiveForecast(y, 5, 2, [0.1, 0.5, 0.9]);
    // Assess
    expect(f.point).toEqual([5, 5]);
    expect(f.quantiles.get(0.5)).toEqual([5, 5]);
    expect(f.quantiles.get(0.9)![0]).toBeCloseTo(5 + Math.sqrt(2.5) * Z90, 8);
    expect(f.quantiles.get(0.9)![1]).toBeCloseTo(5 + Math.sqrt(2.5) * Math.SQRT2 * Z90, 8);
    expect(f.quantiles.get(0.1)![1]).toBeCloseTo(5 - Math.sqrt(2.5) * Math.SQRT2 * Z90, 8);
  });

  it('skips a missing last value and missing residuals', () => {
    const y = [1, NaN, 3, NaN];
    const f = naiveForecast(y, 4, 1, [0.5]);
    expect(f.point).toEqual([3]);
    // residual at t=2 uses the observed value before (1): σ = |3 − 1| = 2
    expect(lagwalkSigma(y, 0, 4, 1)).toBeCloseTo(2, 12);
  });
});

describe('Function: seasonalNaiveForecast', () => {
  it('repeats the last season, falls back one season when missing, σ·sqrt(k) (hand-computed)', () => {
    // Prepare: m = 2, o = 6. Lag-2 residuals: 3−1 = 2, 5−2 = 3, 4−3 = 1 (t=5 missing) → σ = sqrt(14/3)
    const y = [1, 2, 3, 5, 4, NaN];
    // Act
    const f = seasonalNaiveForecast(y, 6, 3, 2, [0.5, 0.9]);
    // Assess: h=1 → y[4] = 4; h=2 → y[5] missing → y[3] = 5; h=3 (k=2) → y[4] = 4
    expect(f.point).toEqual([4, 5, 4]);
    const sigma = Math.sqrt(14 / 3);
    expect(f.quantiles.get(0.9)![0]).toBeCloseTo(4 + sigma * Z90, 8);
    expect(f.quantiles.get(0.9)![1]).toBeCloseTo(5 + sigma * Z90, 8);
    expect(f.quantiles.get(0.9)![2]).toBeCloseTo(4 + sigma * Math.SQRT2 * Z90, 8);
  });

  it('uses only the fit range for σ', () => {
    const y = [100, 0, 1, 2, 3, 4];
    expect(lagwalkSigma(y, 2, 6, 1)).toBeCloseTo(1, 12);
    expect(seasonalNaiveForecast(y, 6, 1, 1, [0.9], 2).quantiles.get(0.9)![0]).toBeCloseTo(4 + Z90, 8);
  });
});
