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
   * Returns shape [numSamples, predictionLength], row-major.
   */
  sample(series: SeriesInput, numSamples: number, rng: Rng): Float64Array {
    const { config, network: net } = this.model;
    const C = config.contextLength;
    const P = config.predictionLength;
    const I = inputSize(config);
    const K = this.likelihood.numParams;
    const S = numSamples;
    const s = prepareSeries(config, series, P, pastLength(config), C + P - 1); // covariates read: context and horizon
    const j = s.length;
    const scale = contextScale(config, s, j);
    // warm-up over the context: positions j − C + 1 … j, one sequence
    const fused = net.fusedEngine();
    const x1 = new Float64Array(I);
    let out1 = new Float64Array(K);
    let one: RecurrentState | undefined;
    if (fused) {
      // one sequence of C steps: its input projections are one product per layer
      const xs = new Float64Array(C * I);
      for (let p = j - C + 1; p <= j; p++) writeInput(config, s, p, scale, xs, (p - (j - C + 1)) * I);
      out1 = fused.forward(C, 1, xs, s.cats, null).slice((C - 1) * K, C * K);
      fused.startPaths(S);
    } else {
      one = zeroState(net, 1);
      const scratch1 = stepScratch(net, 1);
      for (let p = j - C + 1; p <= j; p++) {
        writeInput(config, s, p, scale, x1, 0);
        stepNetwork(net, x1, s.cats, one, out1, scratch1);
      }
    }
    const state = zeroState(net, fused ? 0 : S);
    if (one) {
      for (let l = 0; l < state.h.length; l++) {
        for (let k = 0; k < S; k++) {
          state.h[l].set(one.h[l], k * one.h[l].length);
          state.c[l].set(one.c[l], k * one.c[l].length);
        }
      }
    }
    const cats = new Int32Array(S * s.cats.length);
    for (let k = 0; k < S; k++) cats.set(s.cats, k * s.cats.length);
    const samples = new Float64Array(S * P);
    const scaled = new Float64Array(S * P);
    for (let k = 0; k < S; k++) {
      const v = this.likelihood.sample(out1, 0, scale, rng);
      samples[k * P] = v;
      scaled[k * P] = v / scale;
    }
    // the S paths advance together, one batch of S rows per step
    const x = new Float64Array(S * I);
    const out = new Float64Array(S * K);
    const scratch = fused ? undefined : stepScratch(net, S);
    let varying = 0; // lags ≤ h read sampled values; the other columns are the same for every path
    for (let h = 1; h < P; h++) {
      while (varying < config.lags.length && config.lags[varying] <= h) varying++;
      writeInput(config, s, j + h, scale, x, 0, scaled, 0, j);
      for (let k = 1; k < S; k++) {
        for (let c = 0; c < varying; c++) x[k * I + c] = scaled[k * P + h - config.lags[c]];
      }
      if (fused) fused.stepPaths(x, cats, out, varying);
      else stepNetwork(net, x, cats, state, out, scratch!, varying);
      for (let k = 0; k < S; k++) {
        const v = this.likelihood.sample(out, k * K, scale, rng);
        samples[k * P + h] = v;
        scaled[k * P + h] = v / scale;
      }
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
