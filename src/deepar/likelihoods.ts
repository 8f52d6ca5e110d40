/**
 * Output distributions. The network's head emits `numParams` raw values per step; each likelihood maps
 * them to its parameters (GluonTS's domain maps), and gives the negative log-likelihood of a target
 * with its gradient with respect to the raw values, and a sample.
 *
 * Scaling (mean scaling, GluonTS): for continuous likelihoods the distribution is over y / scale and
 * the NLL carries + log(scale); negative-binomial is over y itself with mean mu·scale.
 */
import type { LikelihoodName } from './hyperparameters';
import type { Rng } from './rng';
import { digamma, lgamma, sigmoid, softplus } from './special';

export interface Likelihood {
  readonly name: LikelihoodName;
  readonly numParams: number;
  /** Distribution parameters from raw head outputs raw[off…off+numParams), for a series of this scale. */
  params(raw: ArrayLike<number>, off: number, scale: number): number[];
  /** log p(y | params) with params as returned by `params`. */
  logDensity(params: readonly number[], y: number): number;
  /**
   * −log p(y) for an unscaled target y; when grad is given, writes ∂(−log p)/∂raw into
   * grad[gOff…gOff+numParams) multiplied by `weight`.
   */
  nll(raw: ArrayLike<number>, off: number, y: number, scale: number, grad: Float64Array | null, gOff: number, weight: number): number;
  /** One draw of the unscaled target. */
  sample(raw: ArrayLike<number>, off: number, scale: number, rng: Rng): number;
}

const LOG_PI = Math.log(Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_SCALE = 1e-7;

/** Student's t: df = 2 + softplus(r0), loc = r1, scale = softplus(r2). Over y / scale. */
export const studentT: Likelihood = {
  name: 'student-T',
  numParams: 3,
  params: (raw, off) => [2 + softplus(raw[off]), raw[off + 1], softplus(raw[off + 2]) + MIN_SCALE],
  logDensity([nu, mu, sigma], y) {
    const u = (y - mu) / sigma;
    return lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * (LOG_PI + Math.log(nu)) - Math.log(sigma) - ((nu + 1) / 2) * Math.log1p((u * u) / nu);
  },
  nll(raw, off, y, scale, grad, gOff, weight) {
    const [nu, mu, sigma] = this.params(raw, off, scale);
    const z = y / scale;
    const u = (z - mu) / sigma;
    const q = (u * u) / nu;
    if (grad) {
      const dMu = ((nu + 1) * u) / (sigma * nu * (1 + q));
      const dSigma = -1 / sigma + ((nu + 1) * q) / (sigma * (1 + q));
      const dNu = 0.5 * digamma((nu + 1) / 2) - 0.5 * digamma(nu / 2) - 0.5 / nu - 0.5 * Math.log1p(q) + ((nu + 1) * q) / (2 * nu * (1 + q));
      grad[gOff] -= weight * dNu * sigmoid(raw[off]);
      grad[gOff + 1] -= weight * dMu;
      grad[gOff + 2] -= weight * dSigma * sigmoid(raw[off + 2]);
    }
    return -this.logDensity([nu, mu, sigma], z) + Math.log(scale);
  },
  sample(raw, off, scale, rng) {
    const [nu, mu, sigma] = this.params(raw, off, scale);
    const chi2 = 2 * rng.gamma(nu / 2);
    return (mu + (sigma * rng.normal()) / Math.sqrt(chi2 / nu)) * scale;
  },
};

/** Normal: mu = r0, sigma = softplus(r1). Over y / scale. */
export const gaussian: Likelihood = {
  name: 'gaussian',
  numParams: 2,
  params: (raw, off) => [raw[off], softplus(raw[off + 1]) + MIN_SCALE],
  logDensity([mu, sigma], y) {
    const u = (y - mu) / sigma;
    return -Math.log(sigma) - 0.5 * LOG_2PI - 0.5 * u * u;
  },
  nll(raw, off, y, scale, grad, gOff, weight) {
    const [mu, sigma] = this.params(raw, off, scale);
    const u = (y / scale - mu) / sigma;
    if (grad) {
      grad[gOff] -= (weight * u) / sigma;
      grad[gOff + 1] -= weight * ((u * u - 1) / sigma) * sigmoid(raw[off + 1]);
    }
    return -this.logDensity([mu, sigma], y / scale) + Math.log(scale);
  },
  sample(raw, off, scale, rng) {
    const [mu, sigma] = this.params(raw, off, scale);
    return (mu + sigma * rng.normal()) * scale;
  },
};

/** Negative binomial with mean m = softplus(r0)·scale and shape α = softplus(r1) (variance m + α m²). Over y. */
export const negativeBinomial: Likelihood = {
  name: 'negative-binomial',
  numParams: 2,
  params: (raw, off, scale) => [(softplus(raw[off]) + MIN_SCALE) * scale, softplus(raw[off + 1]) + MIN_SCALE],
  logDensity([m, alpha], y) {
    const r = 1 / alpha;
    return lgamma(y + r) - lgamma(y + 1) - lgamma(r) + r * Math.log(r / (r + m)) + y * Math.log(m / (r + m));
  },
  nll(raw, off, y, scale, grad, gOff, weight) {
    const [m, alpha] = this.params(raw, off, scale);
    const yy = Math.max(0, y);
    if (grad) {
      const r = 1 / alpha;
      const dM = yy / m - (r + yy) / (r + m);
      const dR = digamma(yy + r) - digamma(r) + Math.log(r) - Math.log(r + m) + (m - yy) / (r + m);
      grad[gOff] -= weight * dM * sigmoid(raw[off]) * scale;
      grad[gOff + 1] -= weight * dR * (-1 / (alpha * alpha)) * sigmoid(raw[off + 1]);
    }
    return -this.logDensity([m, alpha], yy);
  },
  sample(raw, off, scale, rng) {
    const [m, alpha] = this.params(raw, off, scale);
    const r = 1 / alpha;
    return rng.poisson((rng.gamma(r) * m) / r);
  },
};

/** Point forecast trained with the L1 loss |y/scale − r0|; no uncertainty (every sample is the point). */
export const deterministicL1: Likelihood = {
  name: 'deterministic-L1',
  numParams: 1,
  params: (raw, off) => [raw[off]],
  logDensity([mu], y) {
    return -Math.abs(y - mu);
  },
  nll(raw, off, y, scale, grad, gOff, weight) {
    const e = y / scale - raw[off];
    if (grad) grad[gOff] -= weight * Math.sign(e);
    return Math.abs(e);
  },
  sample(raw, off, scale) {
    return raw[off] * scale;
  },
};

export const LIKELIHOOD_BY_NAME: Record<LikelihoodName, Likelihood> = {
  'student-T': studentT,
  gaussian,
  'negative-binomial': negativeBinomial,
  'deterministic-L1': deterministicL1,
};
