import { deterministicL1, gaussian, type Likelihood, negativeBinomial, studentT } from '../../src/deepar/likelihoods';
import { Rng } from '../../src/deepar/rng';
import { digamma, lgamma, normalQuantile, softplus } from '../../src/deepar/special';

const inverseSoftplus = (y: number) => Math.log(Math.expm1(y));

describe('Special functions', () => {
  it('match known values', () => {
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 11);
    expect(lgamma(1e-3)).toBeCloseTo(6.907178885383854, 10);
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 10);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 10);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446004, 8);
    expect(normalQuantile(0.1)).toBeCloseTo(-1.2815515655446004, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
  });
});

describe('Likelihoods: log-densities against known values', () => {
  it('student-T', () => {
    // df=3 at 0.5: log Γ(2) − log Γ(3/2) − ½ log(3π) − 2 log(1 + 1/12), Γ(3/2) = √π/2 (scipy: -1.16097426497058)
    const t3 = -Math.log(Math.sqrt(Math.PI) / 2) - 0.5 * Math.log(3 * Math.PI) - 2 * Math.log1p(1 / 12);
    expect(t3).toBeCloseTo(-1.16097426497058, 12);
    expect(studentT.logDensity([3, 0, 1], 0.5)).toBeCloseTo(t3, 12);
    // Cauchy (df=1): -log(π (1 + x²))
    expect(studentT.logDensity([1, 2, 1], 3)).toBeCloseTo(-Math.log(Math.PI * 2), 12);
    // loc/scale: log p(x; ν, μ, σ) = log p((x-μ)/σ; ν) − log σ
    expect(studentT.logDensity([3, 1, 2], 2)).toBeCloseTo(t3 - Math.log(2), 12);
  });

  it('gaussian', () => {
    // scipy.stats.norm.logpdf(1.5, loc=1, scale=2) = -1.6433357137646178
    expect(gaussian.logDensity([1, 2], 1.5)).toBeCloseTo(-1.6433357137646178, 12);
  });

  it('negative-binomial', () => {
    // α = 1 is geometric: p(k) = (1/(1+m)) (m/(1+m))^k
    expect(negativeBinomial.logDensity([4, 1], 3)).toBeCloseTo(Math.log((1 / 5) * (4 / 5) ** 3), 12);
    // α = 0.5, m = 4: r = 2, p = r/(r+m) = 1/3; P(3) = C(4,3) p² (1−p)³ = 32/243 (scipy nbinom.logpmf(3, 2, 1/3))
    expect(negativeBinomial.logDensity([4, 0.5], 3)).toBeCloseTo(Math.log(32 / 243), 12);
  });

  it('deterministic-L1 is the L1 loss', () => {
    expect(deterministicL1.nll([2], 0, 10, 4, null, 0, 1)).toBeCloseTo(0.5, 12);
  });

  it('maps raw outputs to parameters and scales continuous targets', () => {
    const raw = [inverseSoftplus(1), 0.5, inverseSoftplus(2)];
    expect(studentT.params(raw, 0, 1)[0]).toBeCloseTo(3, 12);
    // NLL of y under scale s = −log p(y/s) + log s
    expect(studentT.nll(raw, 0, 10, 4, null, 0, 1)).toBeCloseTo(-studentT.logDensity([3, 0.5, 2 + 1e-7], 2.5) + Math.log(4), 9);
    expect(softplus(100)).toBe(100);
  });
});

describe.each<[string, Likelihood, number[], number, number]>([
  ['student-T', studentT, [0.3, -0.2, 0.4], 1.7, 2],
  ['gaussian', gaussian, [0.1, -0.3], 0.8, 3],
  ['negative-binomial', negativeBinomial, [0.7, -0.5], 6, 2.5],
  ['deterministic-L1', deterministicL1, [0.4], 3, 2],
])('Likelihood %s', (_name, lik, raw, y, scale) => {
  it('has gradients equal to central finite differences', () => {
    // Act
    const grad = new Float64Array(raw.length);
    lik.nll(raw, 0, y, scale, grad, 0, 1);
    // Assess
    for (let k = 0; k < raw.length; k++) {
      const h = 1e-6;
      const up = raw.slice();
      up[k] += h;
      const down = raw.slice();
      down[k] -= h;
      expect(grad[k]).toBeCloseTo((lik.nll(up, 0, y, scale, null, 0, 1) - lik.nll(down, 0, y, scale, null, 0, 1)) / (2 * h), 6);
    }
  });

  it('samples with the distribution mean', () => {
    const rng = new Rng(3);
    const n = 20000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += lik.sample(raw, 0, scale, rng);
    const p = lik.params(raw, 0, scale);
    const expected = lik === negativeBinomial ? p[0] : p[lik === studentT ? 1 : 0] * scale;
    expect(sum / n).toBeCloseTo(expected, 1);
  });
});
