/**
 * Training: windows sampled at random (seeded), teacher forcing over context_length − 1 +
 * prediction_length steps, masked NLL (unobserved targets skipped), Adam with gradient-norm clipping,
 * learning rate halved after 10 epochs without improvement, optional early stopping, and the
 * parameters of the best epoch kept (GluonTS's trainer defaults). Optionally data parallel over two
 * threads (see gradient-helper.ts; the runtime provides the thread).
 */
import { InsufficientDataError } from '../core/errors';
import type { Likelihood } from './likelihoods';
import { contextScale, inputSize, type ModelConfig, type PreparedSeries, writeInput } from './model';
import { allocateBatch, batchGradient, type BatchBuffers, chunkGradient } from './batch-gradient';
import { chunkRowsOf, type GradientHelper, spawnGradientHelper } from './gradient-helper';
import { Adam, clipByNorm } from './optimizer';
import { DeepARNetwork, type NetworkSpec, parameterCount } from './network';
import { Rng } from './rng';

export interface TrainingOptions {
  epochs: number;
  miniBatchSize: number;
  learningRate: number;
  earlyStoppingPatience?: number;
  seed: number;
  /** Batches per epoch (GluonTS's num_batches_per_epoch); 50 by default. */
  numBatchesPerEpoch?: number;
  clipGradientNorm?: number;
  /**
   * 1 (default) or 2: with 2, each mini-batch is cut into chunks that this thread and a helper thread
   * claim one at a time (data parallel; the same seed and thread count give the same model).
   */
  threads?: number;
  onEpoch?: (e: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  seconds: number;
  learningRate: number;
}

export interface TrainingResult {
  network: DeepARNetwork;
  history: EpochReport[];
  /** Mean loss of the last epoch run (SageMaker's train:final_loss). */
  finalLoss: number;
  bestEpoch: number;
}

export function trainNetwork(
  config: ModelConfig, likelihood: Likelihood, series: readonly PreparedSeries[], opts: TrainingOptions,
): TrainingResult {
  const rng = new Rng(opts.seed);
  const spec: NetworkSpec = {
    inputSize: inputSize(config),
    numCells: config.numCells,
    numLayers: config.numLayers,
    numOutputs: likelihood.numParams,
    cardinalities: config.cardinalities,
    embeddingDimension: config.embeddingDimension,
    dropoutRate: config.dropoutRate,
  };
  const threads = Math.max(1, Math.min(2, opts.threads ?? 1));
  const nParams = parameterCount(spec);
  const net = new DeepARNetwork(spec, threads > 1 ? { params: new Float64Array(new SharedArrayBuffer(nParams * 8)) } : {});
  net.initialize(rng);
  const sampler = windowSampler(config, series);
  const C = config.contextLength;
  const T = C - 1 + config.predictionLength;
  const B = opts.miniBatchSize;
  const I = spec.inputSize;
  const nCat = config.cardinalities.length;
  // with 2 threads the batch is cut into chunks that this thread and the helper claim as they go
  const chunkRows = threads > 1 && B > 1 ? chunkRowsOf(B) : [B];
  const helper = chunkRows.length > 1 ? spawnGradientHelper(spec, likelihood.name, net.params, T, chunkRows, opts.seed + 7919) : undefined;
  const mine = helper ? undefined : allocateBatch(T, B, I, spec.numOutputs, nCat, false);
  const adam = new Adam(nParams, opts.learningRate);
  const nb = opts.numBatchesPerEpoch ?? 50;
  const clip = opts.clipGradientNorm ?? 10;
  const history: EpochReport[] = [];
  let best = { loss: Infinity, epoch: 0, params: net.params.slice() };
  let sincePlateauBest = 0;
  let plateauBest = Infinity;
  let batchNumber = 0; // 1, 2, …, 2^20 − 1, then 1 again (it shares a 32-bit counter with the chunk number)
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0;
      for (let batch = 0; batch < nb; batch++) {
        let count = 0;
        for (let b = 0; b < B; b++) {
          const { s, j } = sampler(rng);
          if (mine) {
            count += fillWindow(config, s, j, mine, b, B, T, I);
          } else {
            const chunk = Math.floor(b / chunkRows[0]);
            count += fillWindow(config, s, j, helper!.chunks[chunk], b - chunk * chunkRows[0], chunkRows[chunk], T, I);
          }
        }
        const weight = 1 / Math.max(1, count);
        batchNumber = nextBatchNumber(batchNumber);
        const loss = mine
          ? batchGradient(net, likelihood, T, B, mine, weight, rng)
          : sharedBatchGradient(helper!, net, likelihood, T, chunkRows, weight, opts.seed + 7919, batchNumber);
        clipByNorm(net.grads, clip);
        adam.step(net.params, net.grads);
        lossSum += loss;
      }
      const loss = lossSum / nb;
      const report = { epoch, loss, seconds: (performance.now() - t0) / 1000, learningRate: adam.lr };
      history.push(report);
      opts.onEpoch?.(report);
      if (!Number.isFinite(loss)) break;
      if (loss < best.loss) best = { loss, epoch, params: net.params.slice() };
      if (loss < plateauBest) {
        plateauBest = loss;
        sincePlateauBest = 0;
      } else if (++sincePlateauBest >= 10) {
        adam.lr *= 0.5;
        sincePlateauBest = 0;
      }
      if (opts.earlyStoppingPatience !== undefined && epoch - best.epoch >= opts.earlyStoppingPatience) break;
    }
  } finally {
    helper?.close();
  }
  if (best.epoch > 0) net.params.set(best.params);
  const network = threads > 1 ? copyNetwork(net) : net;
  return { network, history, finalLoss: history[history.length - 1].loss, bestEpoch: best.epoch };
}

/**
 * A mini-batch's loss and gradient (into net.grads) on two threads: this thread computes the chunks it
 * claims while the helper computes the others; the chunks' gradients and losses are summed in order.
 */
function sharedBatchGradient(
  helper: GradientHelper, net: DeepARNetwork, likelihood: Likelihood, T: number, chunkRows: readonly number[], weight: number, seed: number, batch: number,
): number {
  helper.start(batch, weight);
  for (let c = helper.claim(); c >= 0; c = helper.claim()) {
    chunkGradient(net, likelihood, T, chunkRows[c], helper.chunks[c], weight, seed, batch, c, helper.chunkGrads[c], helper.chunkLoss);
    helper.done(c);
  }
  helper.finish();
  const g = net.grads;
  g.set(helper.chunkGrads[0]);
  let loss = helper.chunkLoss[0];
  for (let c = 1; c < chunkRows.length; c++) {
    const h = helper.chunkGrads[c];
    for (let i = 0; i < g.length; i++) g[i] += h[i];
    loss += helper.chunkLoss[c];
  }
  return loss;
}

/** Writes window (series s, forecast start j) as row b of a batch of `rows`; returns its observed count. */
function fillWindow(config: ModelConfig, s: PreparedSeries, j: number, buf: BatchBuffers, b: number, rows: number, T: number, I: number): number {
  const scale = contextScale(config, s, j);
  buf.scales[b] = scale;
  buf.cats.set(s.cats, b * s.cats.length);
  let count = 0;
  for (let t = 0; t < T; t++) {
    const p = j - config.contextLength + 1 + t;
    const r = t * rows + b;
    writeInput(config, s, p, scale, buf.x, r * I);
    buf.y[r] = s.values[s.pad + p];
    count += buf.obs[r] = s.observed[s.pad + p];
  }
  return count;
}

/** A network with ordinary (non-shared) buffers holding the same parameters. */
function copyNetwork(net: DeepARNetwork): DeepARNetwork {
  const copy = new DeepARNetwork(net.spec);
  copy.params.set(net.params);
  return copy;
}

/** Draws (series, forecast start j) uniformly over all windows with an observed context and a full future. */
function windowSampler(config: ModelConfig, series: readonly PreparedSeries[]): (rng: Rng) => { s: PreparedSeries; j: number } {
  const P = config.predictionLength;
  const ranges = series
    .map((s) => ({ s, lo: s.firstObserved + 1, hi: s.length - P }))
    .filter((r) => r.s.firstObserved >= 0 && r.hi >= r.lo);
  if (ranges.length === 0) {
    throw new InsufficientDataError(`no training series has an observed point followed by prediction_length (${P}) more points`);
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const r of ranges) cumulative.push((total += r.hi - r.lo + 1));
  return (rng) => {
    const k = rng.int(0, total - 1);
    let i = 0;
    while (cumulative[i] <= k) i++;
    const r = ranges[i];
    return { s: r.s, j: r.hi - (cumulative[i] - 1 - k) };
  };
}

/** The largest batch number the two-thread helper takes (below 2^20: it shares a 32-bit counter with the chunk). */
export const MAX_BATCH_NUMBER = (1 << 20) - 1;

/** The batch number after n: 1 … MAX_BATCH_NUMBER, then 1 again, so a long training never hands the helper 2^20. */
export function nextBatchNumber(n: number): number {
  return (n % MAX_BATCH_NUMBER) + 1;
}
