/**
 * The model's configuration (everything needed to rebuild the network and its inputs) and the
 * transformation of one series into network inputs: imputation, mean scaling, lags, covariates.
 *
 * Input row of one step (shape [inputSize]): lags of y/scale | time features | age | dynamic
 * features | log(scale). Embeddings of `cat` are appended by the network.
 */
import { covariates, type TimeFeatureName } from './features';
import { parseFrequency, timeAt } from './frequency';
import type { LikelihoodName } from './hyperparameters';

export interface ModelConfig {
  timeFreq: string;
  contextLength: number;
  predictionLength: number;
  lags: number[];
  timeFeatures: TimeFeatureName[];
  likelihood: LikelihoodName;
  numDynamicFeat: number;
  cardinalities: number[];
  embeddingDimension: number;
  numCells: number;
  numLayers: number;
  dropoutRate: number;
}

export function covariateWidth(c: ModelConfig): number {
  return c.timeFeatures.length + 1 + c.numDynamicFeat;
}

export function inputSize(c: ModelConfig): number {
  return c.lags.length + covariateWidth(c) + 1;
}

/** Positions before the first forecast step that a window reads (context plus the largest lag). */
export function pastLength(c: ModelConfig): number {
  return c.contextLength + Math.max(...c.lags);
}

/** One series ready for windowing: padded with `pad` unobserved zeros in front and `extra` positions after. */
export interface PreparedSeries {
  /** Number of target points. */
  length: number;
  pad: number;
  /** Target with missing values carried forward (0 before the first observation). shape: [pad + length + extra] */
  values: Float64Array;
  /** 1 where the target was observed. shape: [pad + length + extra] */
  observed: Uint8Array;
  /** shape: [pad + length + extra, covariateWidth] */
  cov: Float64Array;
  cats: Int32Array;
  /** Index (in the original series) of the first observed point, or -1. */
  firstObserved: number;
}

export interface SeriesInput {
  startMs: number;
  target: ArrayLike<number>;
  cat?: readonly number[];
  dynamicFeat?: ReadonlyArray<ArrayLike<number>>;
}

/**
 * Pads and imputes one series and computes its covariates. With `keepLast`, only the last keepLast
 * points are prepared (enough for prediction: pastLength), with the same time, age and imputed values.
 * With `covariateRows`, only the covariates of the last covariateRows positions are computed (the rest
 * stay 0): prediction reads them only for the context and the horizon, not for the lags' reach.
 */
export function prepareSeries(c: ModelConfig, s: SeriesInput, extra: number, keepLast = Infinity, covariateRows = Infinity): PreparedSeries {
  const pad = pastLength(c);
  const cut = Math.max(0, s.target.length - keepLast);
  const n = s.target.length - cut;
  const total = pad + n + extra;
  const values = new Float64Array(total);
  const observed = new Uint8Array(total);
  let last = 0;
  for (let i = cut - 1; i >= 0; i--) {
    if (Number.isFinite(s.target[i])) {
      last = s.target[i];
      break;
    }
  }
  let firstObserved = -1;
  for (let i = 0; i < n; i++) {
    const v = s.target[cut + i];
    if (Number.isFinite(v)) {
      last = v;
      observed[pad + i] = 1;
      if (firstObserved < 0) firstObserved = i;
    }
    values[pad + i] = last;
  }
  const dyn = c.numDynamicFeat > 0 ? (s.dynamicFeat ?? []).slice(0, c.numDynamicFeat).map((d) => Array.prototype.slice.call(d, cut) as number[]) : [];
  const freq = parseFrequency(c.timeFreq);
  const cov = covariates(timeAt(s.startMs, freq, cut), freq, c.timeFeatures, -pad, total, dyn, cut, Math.max(0, total - covariateRows));
  const cats = new Int32Array(c.cardinalities.length);
  for (let k = 0; k < cats.length; k++) cats[k] = Math.min(Math.max(0, s.cat?.[k] ?? 0), c.cardinalities[k] - 1);
  return { length: n, pad, values, observed, cov, cats, firstObserved };
}

/** Mean of |y| over the observed points of the context before forecast start j (1 when none is non-zero). */
export function contextScale(c: ModelConfig, s: PreparedSeries, j: number): number {
  let sum = 0;
  let count = 0;
  for (let i = s.pad + j - c.contextLength; i < s.pad + j; i++) {
    if (s.observed[i]) {
      sum += Math.abs(s.values[i]);
      count++;
    }
  }
  return count > 0 && sum > 0 ? Math.max(sum / count, 1e-10) : 1;
}

/**
 * Writes the input row for series position p into x at xOff, reading lags from the series and, for
 * positions ≥ `sampledFrom`, from `sampled` (already divided by the scale).
 */
export function writeInput(
  c: ModelConfig, s: PreparedSeries, p: number, scale: number,
  x: Float64Array, xOff: number,
  sampled?: Float64Array, sampledOff = 0, sampledFrom = Infinity,
): void {
  const lags = c.lags;
  for (let k = 0; k < lags.length; k++) {
    const q = p - lags[k];
    x[xOff + k] = q >= sampledFrom ? sampled![sampledOff + q - sampledFrom] : s.values[s.pad + q] / scale;
  }
  const w = covariateWidth(c);
  const src = (s.pad + p) * w;
  for (let k = 0; k < w; k++) x[xOff + lags.length + k] = s.cov[src + k];
  x[xOff + lags.length + w] = Math.log(scale);
}
