/**
 * Step-by-step unrolling of the network for sampling: S sequences (sample paths) advance one time
 * step at a time from a recurrent state, without dropout. Same weights and gate order as network.ts.
 */
import { gemmABt } from './kernels';
import type { DeepARNetwork } from './network';

/** Per-sequence recurrent state. shape: h[l], c[l]: [S, H] */
export interface RecurrentState {
  size: number;
  h: Float64Array[];
  c: Float64Array[];
}

export interface StepScratch {
  x0: Float64Array;
  gates: Float64Array;
  shared: Float64Array;
}

/** A zero recurrent state for S sequences. */
export function zeroState(net: DeepARNetwork, S: number): RecurrentState {
  const H = net.spec.numCells;
  const mk = (): Float64Array[] => net.layers.map(() => new Float64Array(S * H));
  return { size: S, h: mk(), c: mk() };
}

/** Work buffers of stepNetwork for S sequences in `groups` groups (see stepNetwork's groupSize). */
export function stepScratch(net: DeepARNetwork, S: number, groups = 1): StepScratch {
  const H4 = 4 * net.spec.numCells;
  return { x0: new Float64Array(S * net.fullInputSize), gates: new Float64Array(S * H4), shared: new Float64Array(groups * H4) };
}

/**
 * One step for S sequences without dropout, updating `state` in place.
 * x: shape [S, inputSize]; cats: shape [S, numCat]; out: shape [S, numOutputs].
 * When the columns from `sharedFrom` on (and the embeddings) are the same within each group of
 * `groupSize` consecutive sequences — the sample paths of one series — their input projection is
 * computed once per group, from the group's first row (a row's result does not depend on the others).
 */
export function stepNetwork(
  net: DeepARNetwork,
  x: Float64Array, cats: Int32Array | null, state: RecurrentState, out: Float64Array, scratch: StepScratch,
  sharedFrom = net.fullInputSize, groupSize = state.size,
): void {
  const { numCells: H, numOutputs: K, inputSize } = net.spec;
  const S = state.size;
  const p = net.params;
  const I0 = net.fullInputSize;
  let input: Float64Array = x;
  if (net.embeddings.length > 0) {
    const E = net.spec.embeddingDimension;
    input = scratch.x0;
    for (let s = 0; s < S; s++) {
      input.set(x.subarray(s * inputSize, (s + 1) * inputSize), s * I0);
      for (let c = 0; c < net.embeddings.length; c++) {
        const src = net.embeddings[c].off + cats![s * net.embeddings.length + c] * E;
        input.set(p.subarray(src, src + E), s * I0 + inputSize + c * E);
      }
    }
  }
  const G = scratch.gates;
  for (let l = 0; l < net.layers.length; l++) {
    const { inputSize: I, wx, wh, b } = net.layers[l];
    const h = state.h[l];
    const c = state.c[l];
    if (l === 0 && sharedFrom < I) {
      const g0 = scratch.shared;
      const groups = S / groupSize;
      gemmABt(groups, 4 * H, I - sharedFrom, input, sharedFrom, p, wx + sharedFrom, g0, 0, false, groupSize * I, I);
      gemmABt(S, 4 * H, sharedFrom, input, 0, p, wx, G, 0, false, I, I);
      for (let r = 0; r < S; r++) {
        const o = Math.floor(r / groupSize) * 4 * H;
        for (let j = 0; j < 4 * H; j++) G[r * 4 * H + j] += g0[o + j];
      }
    } else {
      gemmABt(S, 4 * H, I, input, 0, p, wx, G, 0, false);
    }
    gemmABt(S, 4 * H, H, h, 0, p, wh, G, 0, true);
    for (let s = 0; s < S; s++) {
      const a = s * 4 * H;
      for (let u = 0; u < H; u++) {
        const gi = 1 / (1 + Math.exp(-(G[a + u] + p[b + u])));
        const gf = 1 / (1 + Math.exp(-(G[a + H + u] + p[b + H + u])));
        const gg = Math.tanh(G[a + 2 * H + u] + p[b + 2 * H + u]);
        const go = 1 / (1 + Math.exp(-(G[a + 3 * H + u] + p[b + 3 * H + u])));
        const cc = gf * c[s * H + u] + gi * gg;
        c[s * H + u] = cc;
        h[s * H + u] = go * Math.tanh(cc);
      }
    }
    input = h;
  }
  gemmABt(S, K, H, input, 0, p, net.head.w, out, 0, false);
  for (let s = 0; s < S; s++) for (let k = 0; k < K; k++) out[s * K + k] += p[net.head.b + k];
}
