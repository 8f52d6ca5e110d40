/**
 * Forecast accuracy metrics, defined as SageMaker DeepAR and Amazon Forecast define them.
 *
 *   wQuantileLoss[τ] = 2 · Σ_t (τ · max(y_t − q_t, 0) + (1 − τ) · max(q_t − y_t, 0)) / Σ_t |y_t|
 *   mean_wQuantileLoss = mean of wQuantileLoss[τ] over τ ∈ {0.1, …, 0.9}
 *   RMSE = sqrt(mean_t (y_t − ŷ_t)²), ŷ the mean forecast
 *
 * Missing actuals (NaN) are skipped in every sum, as DeepAR does for its test channel.
 */

/** The quantile levels SageMaker DeepAR reports by default (`test_quantiles`). */
export const DEFAULT_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** Quantile (pinball) loss summed over the observed points, before normalisation. */
export function quantileLossSum(actual: ArrayLike<number>, quantile: ArrayLike<number>, tau: number): number {
  assertSameLength(actual, quantile, 'quantile forecast');
  let sum = 0;
  for (let t = 0; t < actual.length; t++) {
    const y = actual[t];
    const q = quantile[t];
    if (!Number.isFinite(y)) continue;
    sum += y >= q ? tau * (y - q) : (1 - tau) * (q - y);
  }
  return 2 * sum;
}

/** Σ|y| over the observed points: the normaliser of the weighted quantile loss. */
export function absoluteSum(actual: ArrayLike<number>): number {
  let sum = 0;
  for (let t = 0; t < actual.length; t++) if (Number.isFinite(actual[t])) sum += Math.abs(actual[t]);
  return sum;
}

export function weightedQuantileLoss(actual: ArrayLike<number>, quantile: ArrayLike<number>, tau: number): number {
  return quantileLossSum(actual, quantile, tau) / absoluteSum(actual);
}

/** A probabilistic forecast as quantile paths keyed by level, e.g. { 0.1: [...], 0.5: [...] }. */
export type QuantileForecast = ReadonlyMap<number, ArrayLike<number>>;

/**
 * Mean weighted quantile loss. Several series (or backtest windows) are pooled the way Amazon Forecast
 * pools items: numerators and the normaliser are summed over all of them before dividing.
 */
export function meanWeightedQuantileLoss(
  windows: ReadonlyArray<{ actual: ArrayLike<number>; quantiles: QuantileForecast }>,
  levels: readonly number[] = DEFAULT_QUANTILES,
): { mean: number; byQuantile: Record<string, number> } {
  const denominator = windows.reduce((s, w) => s + absoluteSum(w.actual), 0);
  const byQuantile: Record<string, number> = {};
  let total = 0;
  for (const tau of levels) {
    let numerator = 0;
    for (const w of windows) {
      const q = w.quantiles.get(tau);
      if (!q) throw new RangeError(`the forecast has no quantile ${tau}`);
      numerator += quantileLossSum(w.actual, q, tau);
    }
    const loss = numerator / denominator;
    byQuantile[String(tau)] = loss;
    total += loss;
  }
  return { mean: total / levels.length, byQuantile };
}

/** Root mean squared error of a point forecast over the observed points (pooled over windows). */
export function rmse(windows: ReadonlyArray<{ actual: ArrayLike<number>; point: ArrayLike<number> }>): number {
  let sum = 0;
  let n = 0;
  for (const { actual, point } of windows) {
    assertSameLength(actual, point, 'point forecast');
    for (let t = 0; t < actual.length; t++) {
      if (!Number.isFinite(actual[t])) continue;
      sum += (actual[t] - point[t]) ** 2;
      n++;
    }
  }
  return n === 0 ? NaN : Math.sqrt(sum / n);
}

/** Empirical quantile of samples (linear interpolation between order statistics, numpy's default). */
export function sampleQuantile(sortedSamples: ArrayLike<number>, tau: number): number {
  const n = sortedSamples.length;
  if (n === 0) return NaN;
  const pos = tau * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sortedSamples[lo] + (pos - lo) * (sortedSamples[hi] - sortedSamples[lo]);
}

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`the ${what} has ${b.length} points but there are ${a.length} actual values`);
  }
}
