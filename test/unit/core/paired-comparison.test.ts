/** The gate's paired rule, on hand-computed cases (four windows each). */
import { comparePaired, STANDARD_ERRORS_REQUIRED } from '../../../src/core/paired-comparison';

describe('Function: comparePaired', () => {
  const minImprovement = 0.01;

  it('passes a clearly better candidate', () => {
    // d = [0.10, 0.11, 0.09, 0.11]: mean 0.1025; squared deviations sum 2.75e-4, / 3 = 9.1667e-5,
    // sd 0.0095743, standard error 0.0047871, t = 21.41; relative 0.1025 / 0.3025 = 33.9%.
    const result = comparePaired([0.2, 0.21, 0.19, 0.2], [0.3, 0.32, 0.28, 0.31], { minImprovement });
    expect(result.meanImprovement).toBeCloseTo(0.1025, 12);
    expect(result.standardError).toBeCloseTo(0.0047871, 6);
    expect(result.tStatistic).toBeCloseTo(21.41, 2);
    expect(result.relativeImprovement).toBeCloseTo(0.33884, 4);
    expect(result.beatsBaseline).toBe(true);
    expect(result.reason).toMatch(/better than production \(paired rule/);
  });

  it('refuses a candidate equal to production, whatever the windows', () => {
    const losses = [0.3, 0.1, 0.5, 0.2];
    const result = comparePaired(losses, [...losses], { minImprovement: 0 });
    expect(result).toMatchObject({ meanImprovement: 0, tStatistic: 0, beatsBaseline: false });
    expect(result.reason).toMatch(/not better than production beyond noise/);
  });

  it('refuses a candidate slightly better on average but within the noise of the windows', () => {
    // d = [0.02, -0.03, 0.05, -0.02]: mean 0.005; squared deviations sum 4.1e-3, / 3 = 1.36667e-3,
    // sd 0.036968, standard error 0.018484, t = 0.2705 < 2.
    const result = comparePaired([0.28, 0.23, 0.35, 0.12], [0.3, 0.2, 0.4, 0.1], { minImprovement: 0 });
    expect(result.meanImprovement).toBeCloseTo(0.005, 12);
    expect(result.standardError).toBeCloseTo(0.018484, 5);
    expect(result.tStatistic).toBeCloseTo(0.2705, 3);
    expect(result.tStatistic).toBeLessThan(STANDARD_ERRORS_REQUIRED);
    expect(result.beatsBaseline).toBe(false);
  });

  it('refuses a worse candidate', () => {
    const result = comparePaired([0.3, 0.32, 0.28, 0.31], [0.2, 0.21, 0.19, 0.2], { minImprovement: 0 });
    expect(result.meanImprovement).toBeCloseTo(-0.1025, 12);
    expect(result.tStatistic).toBeCloseTo(-21.41, 2);
    expect(result.beatsBaseline).toBe(false);
  });

  it('refuses a consistent improvement smaller than the minimum, naming the parameter', () => {
    // d = [0.005, 0.004, 0.006, 0.005]: significant (t = 12.2) but 0.5% of production's 1.0 < 1%.
    const result = comparePaired([0.995, 0.996, 0.994, 0.995], [1, 1, 1, 1], { minImprovement });
    expect(result.tStatistic).toBeGreaterThan(STANDARD_ERRORS_REQUIRED);
    expect(result.relativeImprovement).toBeCloseTo(0.005, 12);
    expect(result.beatsBaseline).toBe(false);
    expect(result.reason).toMatch(/evaluation\/min-improvement/);
  });

  it('passes an identical improvement on every window (no spread: infinitely many standard errors)', () => {
    const result = comparePaired([0.25, 0.5], [0.5, 0.75], { minImprovement });
    expect(result).toMatchObject({ standardError: 0, tStatistic: Infinity, beatsBaseline: true });
  });

  it('refuses to pair losses of different windows', () => {
    expect(() => comparePaired([0.1, 0.2], [0.1], { minImprovement })).toThrow(/same windows/);
  });
});
