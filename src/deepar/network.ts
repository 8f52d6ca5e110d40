/**
 * The DeepAR network: optional categorical embeddings, a multi-layer LSTM (PyTorch's gate order
 * i, f, g, o; dropout between layers) and a linear head emitting the likelihood's raw parameters.
 *
 * Forward and backward are hand-fused over Float64Array (manual BPTT): the input projections of all
 * time steps are one matrix product per layer, only the recurrent product runs step by step, and the
 * weight gradients are again one product per layer. Gradients are checked against TF.js autodiff in
 * test/deepar/network.test.ts. All tensors are time-major: row r = t·B + b. Step-by-step unrolling for
 * sampling is in network-step.ts.
 */
import { type FusedNetwork, fusedActive, fusedNetworkFor, gemmABt, transpose } from './kernels';
import type { Rng } from './rng';

export interface NetworkSpec {
  /** Features per step supplied by the caller (lags, time features, age, log scale, dynamic features). */
  inputSize: number;
  numCells: number;
  numLayers: number;
  /** Raw outputs per step (the likelihood's numParams). */
  numOutputs: number;
  /** One entry per `cat` field; empty when categories are not used. */
  cardinalities: number[];
  embeddingDimension: number;
  dropoutRate: number;
}

interface LayerOffsets {
  inputSize: number;
  wx: number; // [4H, inputSize]
  wh: number; // [4H, H]
  b: number; // [4H]
}


/** The number of parameters a network of this spec holds. */
export function parameterCount(spec: NetworkSpec): number {
  const H = spec.numCells;
  const E = spec.cardinalities.reduce((s, c) => s + c * spec.embeddingDimension, 0);
  const I0 = spec.inputSize + spec.cardinalities.length * spec.embeddingDimension;
  let n = E;
  for (let l = 0; l < spec.numLayers; l++) n += 4 * H * ((l === 0 ? I0 : H) + H + 1);
  return n + spec.numOutputs * (H + 1);
}

export class DeepARNetwork {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly layers: LayerOffsets[] = [];
  readonly embeddings: { off: number; cardinality: number }[] = [];
  readonly head: { w: number; b: number };
  /** inputSize plus the embedding columns appended after the caller's features. */
  readonly fullInputSize: number;
  private ws: Workspace | undefined;
  /** The fused f32 engine (made on first use on an 'f32' thread), and whether the last forward ran on it. */
  private fused: FusedNetwork | null | undefined;
  private forwardFused = false;

  /** `buffers` lets several threads share the parameters (SharedArrayBuffer-backed arrays). */
  constructor(readonly spec: NetworkSpec, buffers: { params?: Float64Array; grads?: Float64Array } = {}) {
    const H = spec.numCells;
    let n = 0;
    for (const cardinality of spec.cardinalities) {
      this.embeddings.push({ off: n, cardinality });
      n += cardinality * spec.embeddingDimension;
    }
    this.fullInputSize = spec.inputSize + spec.cardinalities.length * spec.embeddingDimension;
    for (let l = 0; l < spec.numLayers; l++) {
      const inputSize = l === 0 ? this.fullInputSize : H;
      const wx = n;
      const wh = wx + 4 * H * inputSize;
      const b = wh + 4 * H * H;
      n = b + 4 * H;
      this.layers.push({ inputSize, wx, wh, b });
    }
    this.head = { w: n, b: n + spec.numOutputs * H };
    n = this.head.b + spec.numOutputs;
    this.params = buffers.params ?? new Float64Array(n);
    this.grads = buffers.grads ?? new Float64Array(n);
    if (this.params.length !== n || this.grads.length !== n) throw new RangeError(`the network needs ${n} parameters`);
  }

  /** PyTorch's initialisation: U(±1/√H) for LSTM and head, N(0, 1) for embeddings. */
  initialize(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.spec.numCells);
    const embEnd = this.layers[0].wx;
    for (let i = 0; i < this.params.length; i++) {
      this.params[i] = i < embEnd ? rng.normal() : (2 * rng.uniform() - 1) * bound;
    }
  }

  /**
   * Unrolls the network over T steps for B sequences from a zero state, caching what backward needs.
   * x: shape [T·B, inputSize]; cats: shape [B, numCat]. Returns raw outputs, shape [T·B, numOutputs]
   * (a view of the workspace, valid until the next call). Dropout is applied when `dropoutRng` is given.
   */
  forward(T: number, B: number, x: Float64Array, cats: Int32Array | null, dropoutRng: Rng | null): Float64Array {
    const fused = this.fusedEngine();
    this.forwardFused = fused !== null;
    if (fused) return fused.forward(T, B, x, cats, dropoutRng);
    const { numCells: H, numLayers: L, numOutputs: K, inputSize } = this.spec;
    const w = this.workspace(T, B);
    const TB = T * B;
    const I0 = this.fullInputSize;
    const X0 = w.X[0];
    const p = this.params;
    const E = this.spec.embeddingDimension;
    for (let r = 0; r < TB; r++) {
      X0.set(x.subarray(r * inputSize, (r + 1) * inputSize), r * I0);
      for (let c = 0; c < this.embeddings.length; c++) {
        const e = this.embeddings[c];
        const src = e.off + cats![(r % B) * this.embeddings.length + c] * E;
        X0.set(p.subarray(src, src + E), r * I0 + inputSize + c * E);
      }
    }
    const drop = dropoutRng && this.spec.dropoutRate > 0 ? this.spec.dropoutRate : 0;
    for (let l = 0; l < L; l++) {
      const { inputSize: I, wx, wh, b } = this.layers[l];
      const X = w.X[l];
      if (l > 0) {
        const prev = w.H[l - 1];
        const mask = w.mask[l];
        for (let i = 0; i < TB * H; i++) {
          mask[i] = drop > 0 ? (dropoutRng!.uniform() < drop ? 0 : 1 / (1 - drop)) : 1;
          X[i] = prev[i] * mask[i];
        }
      }
      const A = w.A[l];
      const Cs = w.C[l];
      const TC = w.TC[l];
      const Hs = w.H[l];
      gemmABt(TB, 4 * H, I, X, 0, p, wx, A, 0, false);
      for (let r = 0; r < TB; r++) for (let j = 0; j < 4 * H; j++) A[r * 4 * H + j] += p[b + j];
      for (let t = 0; t < T; t++) {
        if (t > 0) gemmABt(B, 4 * H, H, Hs, (t - 1) * B * H, p, wh, A, t * B * 4 * H, true);
        for (let bb = 0; bb < B; bb++) {
          const r = t * B + bb;
          const a = r * 4 * H;
          const s = r * H;
          for (let u = 0; u < H; u++) {
            const gi = 1 / (1 + Math.exp(-A[a + u]));
            const gf = 1 / (1 + Math.exp(-A[a + H + u]));
            const gg = Math.tanh(A[a + 2 * H + u]);
            const go = 1 / (1 + Math.exp(-A[a + 3 * H + u]));
            A[a + u] = gi;
            A[a + H + u] = gf;
            A[a + 2 * H + u] = gg;
            A[a + 3 * H + u] = go;
            const c = (t > 0 ? gf * Cs[s - B * H + u] : 0) + gi * gg;
            const tc = Math.tanh(c);
            Cs[s + u] = c;
            TC[s + u] = tc;
            Hs[s + u] = go * tc;
          }
        }
      }
    }
    const out = w.out;
    gemmABt(TB, K, H, w.H[L - 1], 0, p, this.head.w, out, 0, false);
    for (let r = 0; r < TB; r++) for (let k = 0; k < K; k++) out[r * K + k] += p[this.head.b + k];
    return out;
  }

  /** Accumulates ∂loss/∂params into `grads` from dOut = ∂loss/∂outputs, shape [T·B, numOutputs], after forward. */
  backward(dOut: Float64Array, cats: Int32Array | null): void {
    if (this.forwardFused) return this.fused!.backward(dOut, cats);
    const { numCells: H, numLayers: L, numOutputs: K, inputSize } = this.spec;
    const w = this.ws!;
    const { T, B } = w;
    const TB = T * B;
    const p = this.params;
    const g = this.grads;
    // head
    transpose(TB, K, dOut, 0, K, w.tK);
    transpose(TB, H, w.H[L - 1], 0, H, w.tH);
    gemmABt(K, H, TB, w.tK, 0, w.tH, 0, g, this.head.w, true);
    for (let r = 0; r < TB; r++) for (let k = 0; k < K; k++) g[this.head.b + k] += dOut[r * K + k];
    transpose(K, H, p, this.head.w, H, w.wT);
    let dH = w.dH;
    gemmABt(TB, H, K, dOut, 0, w.wT, 0, dH, 0, false);

    for (let l = L - 1; l >= 0; l--) {
      const { inputSize: I, wx, wh, b } = this.layers[l];
      const A = w.A[l];
      const Cs = w.C[l];
      const TC = w.TC[l];
      const dG = w.dG;
      const dhNext = w.dhNext;
      const dcNext = w.dcNext;
      dcNext.fill(0);
      transpose(4 * H, H, p, wh, H, w.wT);
      for (let t = T - 1; t >= 0; t--) {
        if (t < T - 1) gemmABt(B, H, 4 * H, dG, (t + 1) * B * 4 * H, w.wT, 0, dhNext, 0, false);
        else dhNext.fill(0);
        for (let bb = 0; bb < B; bb++) {
          const r = t * B + bb;
          const a = r * 4 * H;
          const s = r * H;
          const q = bb * H;
          for (let u = 0; u < H; u++) {
            const gi = A[a + u], gf = A[a + H + u], gg = A[a + 2 * H + u], go = A[a + 3 * H + u];
            const tc = TC[s + u];
            const cPrev = t > 0 ? Cs[s - B * H + u] : 0;
            const dh = dH[s + u] + dhNext[q + u];
            const dc = dh * go * (1 - tc * tc) + dcNext[q + u];
            dG[a + u] = dc * gg * gi * (1 - gi);
            dG[a + H + u] = dc * cPrev * gf * (1 - gf);
            dG[a + 2 * H + u] = dc * gi * (1 - gg * gg);
            dG[a + 3 * H + u] = dh * tc * go * (1 - go);
            dcNext[q + u] = dc * gf;
          }
        }
      }
      // weight gradients: one product each over all steps
      transpose(TB, 4 * H, dG, 0, 4 * H, w.tG);
      transpose(TB, I, w.X[l], 0, I, w.tX);
      gemmABt(4 * H, I, TB, w.tG, 0, w.tX, 0, g, wx, true);
      const hPrevT = w.tH;
      const Hs = w.H[l];
      for (let u = 0; u < H; u++) {
        const row = u * TB;
        for (let r = 0; r < B; r++) hPrevT[row + r] = 0;
        for (let r = B; r < TB; r++) hPrevT[row + r] = Hs[(r - B) * H + u];
      }
      gemmABt(4 * H, H, TB, w.tG, 0, hPrevT, 0, g, wh, true);
      for (let r = 0; r < TB; r++) for (let j = 0; j < 4 * H; j++) g[b + j] += dG[r * 4 * H + j];
      if (l === 0 && this.embeddings.length === 0) break;
      // gradient w.r.t. this layer's input
      transpose(4 * H, I, p, wx, I, w.wT);
      const dX = w.dX;
      gemmABt(TB, I, 4 * H, dG, 0, w.wT, 0, dX, 0, false);
      if (l > 0) {
        const mask = w.mask[l];
        const next = w.dH2;
        for (let i = 0; i < TB * H; i++) next[i] = dX[i] * mask[i];
        w.dH2 = dH;
        w.dH = next;
        dH = next;
      } else {
        const E = this.spec.embeddingDimension;
        for (let r = 0; r < TB; r++) {
          for (let c = 0; c < this.embeddings.length; c++) {
            const dst = this.embeddings[c].off + cats![(r % B) * this.embeddings.length + c] * E;
            const src = r * I + inputSize + c * E;
            for (let d = 0; d < E; d++) g[dst + d] += dX[src + d];
          }
        }
      }
    }
  }

  /** The fused single-precision engine when this thread runs the 'f32' backend and it applies, else null. */
  fusedEngine(): FusedNetwork | null {
    if (!fusedActive()) return null;
    if (this.fused === undefined) this.fused = fusedNetworkFor(this);
    return this.fused;
  }

  private workspace(T: number, B: number): Workspace {
    if (this.ws && this.ws.T === T && this.ws.B === B) return this.ws;
    const H = this.spec.numCells;
    const TB = T * B;
    const maxI = Math.max(this.fullInputSize, H);
    const f = (n: number): Float64Array => new Float64Array(n);
    const per = (n: (l: number) => number): Float64Array[] => this.layers.map((_, l) => f(n(l)));
    this.ws = {
      T, B,
      X: per((l) => TB * this.layers[l].inputSize),
      mask: per((l) => (l === 0 ? 0 : TB * H)),
      A: per(() => TB * 4 * H),
      C: per(() => TB * H),
      TC: per(() => TB * H),
      H: per(() => TB * H),
      out: f(TB * this.spec.numOutputs),
      dH: f(TB * H), dH2: f(TB * H), dG: f(TB * 4 * H), dX: f(TB * maxI),
      dhNext: f(B * H), dcNext: f(B * H),
      tK: f(TB * this.spec.numOutputs), tH: f(TB * H), tG: f(TB * 4 * H), tX: f(TB * maxI),
      wT: f(4 * H * maxI),
    };
    return this.ws;
  }
}


interface Workspace {
  T: number; B: number;
  X: Float64Array[]; mask: Float64Array[]; A: Float64Array[]; C: Float64Array[]; TC: Float64Array[]; H: Float64Array[];
  out: Float64Array;
  dH: Float64Array; dH2: Float64Array; dG: Float64Array; dX: Float64Array;
  dhNext: Float64Array; dcNext: Float64Array;
  tK: Float64Array; tH: Float64Array; tG: Float64Array; tX: Float64Array; wT: Float64Array;
}
