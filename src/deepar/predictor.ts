/**
 * Prediction by ancestral sampling: the network is unrolled once over the context (shared by all
 * sample paths), its state copied to `numSamples` paths, then each step draws from the likelihood and
 * feeds the draw back as the next step's lag-1 input.
 */
import { sampleQuantile } from '../core/metrics';
import { type Likelihood, LIKELIHOOD_BY_NAME } from './likelihoods';
import { contextScale, inputSize, type ModelConfig, pastLength, prepareSeries, type SeriesInput, writeInput } from './model';
import type { DeepARNetwork } from './network';
import { type RecurrentState, stepNetwork, stepScratch, zeroState } from './network-step';
import { Rng } from './rng';

export interface TrainedModel {
  config: ModelConfig;
  network: DeepARNetwork;
}

export class DeepARPredictor {
  private readonly likelihood: Likelihood;

  constructor(readonly model: TrainedModel) {
    this.likelihood = LIKELIHOOD_BY_NAME[model.config.likelihood];
  }

  get predictionLength(): number {
    return this.model.config.predictionLength;
  }

  /**
   * Sample paths of the prediction_length points after the last target value.
   * Returns shape [numSamples, predictionLength], row-major. A batch of one: see sampleBatch.
   */
  sample(series: SeriesInput, numSamples: number, rng: Rng): Float64Array {
    return this.sampleBatch([series], numSamples, rng)[0];
  }

  /**
   * Sample paths for several series at once (an endpoint answering concurrent requests): the context
   * warm-ups of all series run as one batch of sequences, then all series' paths advance as one batch
   * of rows per step. Series may differ in length, covariates and categories. Returns one array per
   * series, each shaped as `sample`'s: [numSamples, predictionLength], row-major.
   *
   * What is deterministic: the network's outputs for a series do not depend on its batch-mates (every
   * row is computed alone, in the same order as in a batch of one). The draws come from `rng`:
   * - one Rng per series (rng[i] for series[i]): series i's samples are exactly
   *   `sample(series[i], numSamples, rng[i])`, whatever it is batched with;
   * - one Rng for the batch: draws are taken step by step, series by series, path by path, so the
   *   samples are a function of the whole batch (same series in the same order and the same seed give
   *   the same samples); a batch of one is exactly `sample`.
   */
  sampleBatch(series: readonly SeriesInput[], numSamples: number, rng: Rng | readonly Rng[]): Float64Array[] {
    if (Array.isArray(rng) && rng.length !== series.length) {
      throw new RangeError(`sampleBatch: ${rng.length} random generators for ${series.length} series (give one per series, or one for the batch)`);
    }
    const B = series.length;
    if (B === 0) return [];
    const rngOf = (b: number): Rng => (Array.isArray(rng) ? rng[b] : (rng as Rng));
    const { config, network: net } = this.model;
    const C = config.contextLength;
    const P = config.predictionLength;
    const I = inputSize(config);
    const K = this.likelihood.numParams;
    const S = numSamples;
    const R = B * S;
    const nCat = config.cardinalities.length;
    // covariates read: context and horizon
    const prepared = series.map((one) => prepareSeries(config, one, P, pastLength(config), C + P - 1));
    const ends = prepared.map((s) => s.length);
    const scales = prepared.map((s, b) => contextScale(config, s, ends[b]));
    const warmCats = new Int32Array(B * nCat);
    prepared.forEach((s, b) => warmCats.set(s.cats, b * nCat));
    // warm-up over the context: positions j − C + 1 … j of each series, B sequences of C steps
    const writeWarm = (t: number, x: Float64Array, row: (b: number) => number): void => {
      for (let b = 0; b < B; b++) writeInput(config, prepared[b], ends[b] - C + 1 + t, scales[b], x, row(b) * I);
    };
    const fused = net.fusedEngine();
    let last: Float64Array; // the outputs of each sequence's last step, shape [B, K]
    let state: RecurrentState | undefined;
    if (fused) {
      // time-major rows t·B + b: the input projections of all steps are one product per layer
      const xs = new Float64Array(C * B * I);
      for (let t = 0; t < C; t++) writeWarm(t, xs, (b) => t * B + b);
      last = fused.forward(C, B, xs, warmCats, null).slice((C - 1) * B * K, C * B * K);
      fused.startPaths(S);
    } else {
      const warm = zeroState(net, B);
      const scratch = stepScratch(net, B);
      const x1 = new Float64Array(B * I);
      last = new Float64Array(B * K);
      for (let t = 0; t < C; t++) {
        writeWarm(t, x1, (b) => b);
        stepNetwork(net, x1, warmCats, warm, last, scratch);
      }
      // path k of series b (row b·S + k) starts from series b's state
      state = zeroState(net, R);
      const H = net.spec.numCells;
      for (let l = 0; l < state.h.length; l++) {
        for (let r = 0; r < R; r++) {
          const b = Math.floor(r / S);
          state.h[l].set(warm.h[l].subarray(b * H, (b + 1) * H), r * H);
          state.c[l].set(warm.c[l].subarray(b * H, (b + 1) * H), r * H);
        }
      }
    }
    const cats = new Int32Array(R * nCat);
    for (let r = 0; r < R; r++) cats.set(prepared[Math.floor(r / S)].cats, r * nCat);
    const samples = prepared.map(() => new Float64Array(S * P));
    const scaled = new Float64Array(R * P); // row b·S + k: path k of series b, divided by its scale
    const draw = (h: number, out: Float64Array, rowOfOut: (b: number, k: number) => number): void => {
      for (let b = 0; b < B; b++) {
        const g = rngOf(b);
        const scale = scales[b];
        for (let k = 0; k < S; k++) {
          const v = this.likelihood.sample(out, rowOfOut(b, k) * K, scale, g);
          samples[b][k * P + h] = v;
          scaled[(b * S + k) * P + h] = v / scale;
        }
      }
    };
    draw(0, last, (b) => b);
    // the B·S paths advance together, one batch of rows per step
    const x = new Float64Array(R * I);
    const out = new Float64Array(R * K);
    const scratch = fused ? undefined : stepScratch(net, R, B);
    let varying = 0; // lags ≤ h read sampled values; the other columns are the same for every path of a series
    for (let h = 1; h < P; h++) {
      while (varying < config.lags.length && config.lags[varying] <= h) varying++;
      for (let b = 0; b < B; b++) {
        const first = b * S;
        writeInput(config, prepared[b], ends[b] + h, scales[b], x, first * I, scaled, first * P, ends[b]);
        for (let r = first + 1; r < first + S; r++) {
          for (let c = 0; c < varying; c++) x[r * I + c] = scaled[r * P + h - config.lags[c]];
        }
      }
      if (fused) fused.stepPaths(x, cats, out, varying);
      else stepNetwork(net, x, cats, state!, out, scratch!, varying, S);
      draw(h, out, (b, k) => b * S + k);
    }
    return samples;
  }

  /** Mean and quantiles (by level) of sample paths. */
  summarize(samples: Float64Array, numSamples: number, levels: readonly number[]): { mean: number[]; quantiles: Map<number, number[]> } {
    const P = this.predictionLength;
    const mean: number[] = [];
    const quantiles = new Map<number, number[]>(levels.map((q) => [q, []]));
    const column = new Float64Array(numSamples);
    for (let h = 0; h < P; h++) {
      let sum = 0;
      for (let k = 0; k < numSamples; k++) sum += column[k] = samples[k * P + h];
      mean.push(sum / numSamples);
      column.sort();
      for (const q of levels) quantiles.get(q)!.push(sampleQuantile(column, q));
    }
    return { mean, quantiles };
  }
}
