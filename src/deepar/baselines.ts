/**
 * The two baselines of the backtest, as R's forecast package defines them (naive and snaive are
 * lagwalk with lag 1 and lag m): σ = sqrt(mean(residual²)) of the lag-m residuals in the fit range,
 * where a missing lagged value falls back to the same phase one more season back.
 *   naive:          point = last observed value,           q_τ = point + σ·sqrt(h)·z_τ
 *   seasonal naive: point = y[o − k·m + h − 1], k = ceil(h/m), q_τ = point + σ·sqrt(k)·z_τ
 * `o` is the number of points before the forecast; y is 0-based; missing values are NaN. Where no
 * earlier season exists the seasonal naive uses the last observed value; where no residual exists σ = 0.
 */
import { normalQuantile } from './special';

export interface BaselineForecast {
  point: number[];
  /** By quantile level. */
  quantiles: Map<number, number[]>;
}

/** The most recent observed value at index i, i − lag, i − 2·lag, … not before `from` (NaN when none). */
function laggedObserved(y: ArrayLike<number>, i: number, lag: number, from = 0): number {
  for (let j = i; j >= from; j -= lag) if (Number.isFinite(y[j])) return y[j];
  return NaN;
}

/** R's lagwalk σ over the fit range [from, to): sqrt(mean((y[t] − fitted[t])²)) over observed pairs. */
export function lagwalkSigma(y: ArrayLike<number>, from: number, to: number, lag: number): number {
  let sum = 0;
  let n = 0;
  for (let t = from + lag; t < to; t++) {
    if (!Number.isFinite(y[t])) continue;
    const fitted = laggedObserved(y, t - lag, lag, from);
    if (!Number.isFinite(fitted)) continue;
    sum += (y[t] - fitted) ** 2;
    n++;
  }
  return n > 0 ? Math.sqrt(sum / n) : 0;
}

function withQuantiles(point: number[], spread: (h: number) => number, levels: readonly number[]): BaselineForecast {
  const quantiles = new Map<number, number[]>();
  for (const tau of levels) {
    const z = normalQuantile(tau);
    quantiles.set(tau, point.map((p, i) => p + spread(i + 1) * z));
  }
  return { point, quantiles };
}

/** Naive forecast of y[o … o+H−1] from y[0 … o−1]; σ from the fit range [fitFrom, o). */
export function naiveForecast(y: ArrayLike<number>, o: number, H: number, levels: readonly number[], fitFrom = 0): BaselineForecast {
  const last = laggedObserved(y, o - 1, 1, 0);
  const sigma = lagwalkSigma(y, fitFrom, o, 1);
  return withQuantiles(new Array(H).fill(last), (h) => sigma * Math.sqrt(h), levels);
}

/** Seasonal naive forecast with season m; σ from the fit range [fitFrom, o). */
export function seasonalNaiveForecast(
  y: ArrayLike<number>, o: number, H: number, m: number, levels: readonly number[], fitFrom = 0,
): BaselineForecast {
  const point: number[] = [];
  for (let h = 1; h <= H; h++) {
    const k = Math.ceil(h / m);
    const v = laggedObserved(y, o - k * m + h - 1, m, 0);
    point.push(Number.isFinite(v) ? v : laggedObserved(y, o - 1, 1, 0));
  }
  const sigma = lagwalkSigma(y, fitFrom, o, m);
  return withQuantiles(point, (h) => sigma * Math.sqrt(Math.ceil(h / m)), levels);
}
