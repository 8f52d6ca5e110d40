/** Gradient-norm clipping and Adam, as GluonTS's trainer uses them. */

/** Scales g in place so that its L2 norm is at most maxNorm (zeroes it if the norm is not finite). */
export function clipByNorm(g: Float64Array, maxNorm: number): void {
  let sq = 0;
  for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (!(norm > maxNorm)) {
    if (!Number.isFinite(norm)) g.fill(0);
    return;
  }
  const f = maxNorm / norm;
  for (let i = 0; i < g.length; i++) g[i] *= f;
}

/** Adam (β1 0.9, β2 0.999, ε 1e-8) with weight decay 1e-8, as GluonTS's default optimizer. */
export class Adam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(n: number, public lr: number, private weightDecay = 1e-8) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(params: Float64Array, grads: Float64Array): void {
    this.t++;
    const b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    const { m, v, lr, weightDecay } = this;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] + weightDecay * params[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      params[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }
}
