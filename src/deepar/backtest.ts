/**
 * The backtest protocol over one regular series (pure: no I/O):
 * origins o_i = N − H − i·S for i = 0…K−1 (o = number of points before the forecast); DeepAR is trained
 * once on everything before the earliest origin, then at each origin conditioned on all points before
 * it; naive and seasonal naive (season m, one day by default) forecast the same windows. Metrics are
 * pooled over all windows; missing actuals are skipped.
 */
import { InsufficientDataError } from '../core/errors';
import { DEFAULT_QUANTILES, meanWeightedQuantileLoss, rmse } from '../core/metrics';
import { type BaselineForecast, naiveForecast, seasonalNaiveForecast } from './baselines';
import { fitDeepAR } from './estimator';
import { type Frequency, formatTimestamp, stepsPerDay, timeAt } from './frequency';
import { parseHyperparameters } from './hyperparameters';
import { DeepARPredictor } from './predictor';
import { Rng } from './rng';
import type { EpochReport } from './training';

export interface BacktestOptions {
  freq: Frequency;
  predictionLength?: number;
  windows?: number;
  /** Default: the prediction length. */
  stride?: number;
  /** Default: twice the prediction length. */
  contextLength?: number;
  epochs?: number;
  seed?: number;
  /** Seasonal naive's season in steps; default one day. */
  season?: number;
  /** Points before each origin whose residuals give the baselines' σ; default 7 seasons (at least 100). */
  fitWindow?: number;
  /** Extra DeepAR hyperparameters (SageMaker names), e.g. { num_cells: '40', mini_batch_size: '32' }. */
  hyperparameters?: Record<string, string>;
  numBatchesPerEpoch?: number;
  numSamples?: number;
  /** Training threads, 1 (default) or 2. */
  threads?: number;
  /** Explicit origins (points before each forecast), overriding windows/stride, e.g. a peer's. */
  origins?: number[];
  onEpoch?: (e: EpochReport) => void;
}

export interface ModelScore {
  mean_wQuantileLoss: number;
  RMSE: number;
  train_seconds?: number;
}

export interface BacktestResult {
  series: number;
  windows: number;
  models: { deepar: ModelScore; seasonal_naive: ModelScore; naive: ModelScore };
  origins: number[];
  firstForecast: string;
  season: number;
  epochsRun: number;
}

export function backtest(startMs: number, values: readonly number[], opts: BacktestOptions): BacktestResult {
  const N = values.length;
  const H = opts.predictionLength ?? 30;
  const K = opts.windows ?? 20;
  const S = opts.stride ?? H;
  const C = opts.contextLength ?? 2 * H;
  const m = opts.season ?? stepsPerDay(opts.freq);
  const fitWindow = opts.fitWindow ?? Math.max(7 * m, 100);
  const seed = opts.seed ?? 0;
  const origins = opts.origins ? [...opts.origins].sort((a, b) => a - b) : Array.from({ length: K }, (_, i) => N - H - i * S).reverse();
  const first = origins[0];
  if (first < C + H) {
    throw new InsufficientDataError(
      `${N} points on the ${opts.freq.text} grid are too few for ${K} windows of ${H} with stride ${S}: the earliest origin would be ${first}, and training needs at least context_length + prediction_length = ${C + H} points before it`,
      first,
      C + H,
    );
  }
  const trainValues = values.slice(0, first);
  const observedBeforeFirst = trainValues.filter(Number.isFinite).length;
  if (observedBeforeFirst < C + H) {
    throw new InsufficientDataError(`only ${observedBeforeFirst} observed points before the earliest origin; at least ${C + H} are needed`, observedBeforeFirst, C + H);
  }
  const levels = [...DEFAULT_QUANTILES];
  const hp = parseHyperparameters({
    mini_batch_size: '32',
    ...opts.hyperparameters,
    time_freq: opts.freq.text,
    context_length: String(C),
    prediction_length: String(H),
    epochs: String(opts.epochs ?? 10),
  });
  const t0 = performance.now();
  const { model, training } = fitDeepAR(hp, [{ start: formatTimestamp(startMs), startMs, target: trainValues }], {
    seed, numBatchesPerEpoch: opts.numBatchesPerEpoch, threads: opts.threads, onEpoch: opts.onEpoch,
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const predictor = new DeepARPredictor(model);
  const rng = new Rng(seed + 1);
  const numSamples = opts.numSamples ?? 100;
  const deepar: { actual: number[]; quantiles: Map<number, number[]>; point: number[] }[] = [];
  const naive: ReturnType<typeof scoreWindow>[] = [];
  const snaive: ReturnType<typeof scoreWindow>[] = [];
  for (const o of origins) {
    const actual = values.slice(o, o + H);
    const samples = predictor.sample({ startMs, target: values.slice(0, o) }, numSamples, rng);
    const { mean, quantiles } = predictor.summarize(samples, numSamples, levels);
    deepar.push({ actual, quantiles, point: mean });
    const fitFrom = Math.max(0, o - fitWindow);
    naive.push(scoreWindow(actual, naiveForecast(values, o, H, levels, fitFrom)));
    snaive.push(scoreWindow(actual, seasonalNaiveForecast(values, o, H, m, levels, fitFrom)));
  }
  const score = (w: typeof deepar): ModelScore => ({ mean_wQuantileLoss: meanWeightedQuantileLoss(w, levels).mean, RMSE: rmse(w) });
  return {
    series: N,
    windows: origins.length,
    models: { deepar: { ...score(deepar), train_seconds: trainSeconds }, seasonal_naive: score(snaive), naive: score(naive) },
    origins,
    firstForecast: formatTimestamp(timeAt(startMs, opts.freq, first)),
    season: m,
    epochsRun: training.history.length,
  };
}

function scoreWindow(actual: number[], f: BaselineForecast): { actual: number[]; quantiles: Map<number, number[]>; point: number[] } {
  return { actual, quantiles: f.quantiles, point: f.point };
}
