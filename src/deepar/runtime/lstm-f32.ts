/**
 * The fused single-precision engine of one network (the 'f32' backend, ../kernels.ts): one instance of
 * src/deepar/wasm/lstm32.wasm (built from lstm32.as.ts, committed) per network, whose memory holds an
 * f32 copy of the parameters, their packed panels, the gradients and the whole workspace, so the
 * products, the LSTM cell and its backward run without copying operands in and out.
 *
 * The float64 parameters stay the master copy (Adam updates them); each forward copies them in once and
 * repacks the weights (~4 passes over 20k numbers, against ~200 M multiply-adds per batch); backward adds
 * the f32 gradients into the network's float64 ones. Dropout masks are drawn in JS from the same Rng in
 * the same order as the reference path, so the same seed draws the same masks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FusedNetwork, FusedNetworkHost } from '../kernels';

/** lstm32.as.ts's exports; pointers are byte addresses in `memory`. */
interface Lstm32Exports {
  memory: WebAssembly.Memory;
  pack(N: number, K: number, b: number, ldb: number, dst: number): void;
  packT(N: number, K: number, bt: number, ld: number, dst: number): void;
  gemm(M: number, N: number, K: number, a: number, lda: number, p: number, pk: number, c: number, ldc: number, acc: number): void;
  cellForward(R: number, H: number, g: number, bias: number, cPrev: number, c: number, tc: number, h: number): void;
  cellStep(R: number, H: number, g: number, bias: number, c: number, h: number, ldh: number, h2: number, ldh2: number): void;
  lstmForward(T: number, B: number, H: number, a: number, bias: number, cs: number, tcs: number, hs: number, whp: number): void;
  lstmBackward(T: number, B: number, H: number, a: number, cs: number, tcs: number, dh: number, dg: number, dhNext: number, dcNext: number, whTp: number): void;
  addRows(R: number, N: number, c: number, v: number): void;
  addColumnSums(R: number, N: number, src: number, dst: number): void;
  multiply(n: number, x: number, y: number, dst: number): void;
  transpose(rows: number, cols: number, src: number, stride: number, dst: number): void;
}

export const LSTM32_PATH = join(__dirname, '..', 'wasm', 'lstm32.wasm');

let compiled: WebAssembly.Module | null | undefined;

/**
 * The fused engine for `net`, or null where it does not apply: the cell works on 4 units at a time, so
 * numCells must be a multiple of 4 (SageMaker's default 40 is); other sizes run on the float64 path, as
 * does everything when lstm32.wasm does not load here (missing, or no WebAssembly SIMD).
 */
export function fusedLstmF32(net: FusedNetworkHost): FusedNetwork | null {
  if (net.spec.numCells % 4 !== 0) return null;
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(LSTM32_PATH));
    } catch {
      compiled = null;
    }
  }
  return compiled && new LstmF32(net, new WebAssembly.Instance(compiled, {}).exports as Lstm32Exports);
}

const pad8 = (n: number): number => (n + 7) & ~7;

/**
 * Sampling steps run over blocks of at most this many paths, every layer for one block before the next,
 * so the gates buffer stays 128 × 4·H floats (80 kB at H = 40) however many paths a batch of series has
 * (rows are independent, so the results are those of one pass; no speed change measured at 8–32 series
 * of 100 paths on this machine).
 */
const BLOCK_ROWS = 128;

interface LayerBuffers {
  X: number; mask: number; A: number; C: number; TC: number; H: number;
}

class LstmF32 implements FusedNetwork {
  private readonly memory: WebAssembly.Memory;
  private heap: Float32Array;
  private top: number;
  // fixed region: parameters, gradients, packed weights
  private readonly P: number;
  private readonly G: number;
  private readonly packs: { wx: number; wh: number; whT: number; wxT: number }[] = [];
  private readonly head: number;
  private readonly headT: number;
  private readonly fixedEnd: number;
  // workspace of the last (T, B)
  private T = 0;
  private B = 0;
  private layers: LayerBuffers[] = [];
  private ws = { out: 0, dOut: 0, dH: 0, dH2: 0, dG: 0, dX: 0, dhNext: 0, dcNext: 0, tG: 0, tK: 0, pk: 0 };
  private wsEnd = 0;
  private outF64 = new Float64Array(0);
  // sampling paths: per layer l a row buffer z[l] = [h_l | input of layer l] and its packed weights [Wh | Wx]
  private S = 0;
  private paths = { g: 0, g0: 0, out: 0, z: [] as number[], width: [] as number[], cat: [] as number[], c: [] as number[] };

  constructor(private readonly net: FusedNetworkHost, private readonly ex: Lstm32Exports) {
    this.memory = ex.memory;
    this.top = this.memory.buffer.byteLength; // the module's static data ends below its first page
    this.heap = new Float32Array(this.memory.buffer);
    const { numCells: H, numOutputs: K } = net.spec;
    const n = net.params.length;
    this.P = this.alloc(n);
    this.G = this.alloc(n);
    for (const { inputSize: I } of net.layers) {
      this.packs.push({ wx: this.alloc(pad8(4 * H) * I), wh: this.alloc(pad8(4 * H) * H), whT: this.alloc(pad8(H) * 4 * H), wxT: this.alloc(pad8(I) * 4 * H) });
    }
    this.head = this.alloc(pad8(K) * H);
    this.headT = this.alloc(pad8(H) * K);
    this.fixedEnd = this.top;
    this.commit();
  }

  forward(T: number, B: number, x: Float64Array, cats: Int32Array | null, dropoutRng: { uniform(): number } | null): Float64Array {
    const { ex, net } = this;
    const { numCells: H, numOutputs: K, inputSize, embeddingDimension: E } = net.spec;
    this.syncParameters();
    this.workspace(T, B);
    const f = this.heap;
    const TB = T * B;
    const I0 = net.fullInputSize;
    const X0 = this.layers[0].X / 4;
    const p = net.params;
    const nCat = net.embeddings.length;
    for (let r = 0; r < TB; r++) {
      f.set(x.subarray(r * inputSize, (r + 1) * inputSize), X0 + r * I0);
      for (let c = 0; c < nCat; c++) {
        const src = net.embeddings[c].off + cats![(r % B) * nCat + c] * E;
        f.set(p.subarray(src, src + E), X0 + r * I0 + inputSize + c * E);
      }
    }
    const drop = dropoutRng && net.spec.dropoutRate > 0 ? net.spec.dropoutRate : 0;
    for (let l = 0; l < net.layers.length; l++) {
      const { inputSize: I, b } = net.layers[l];
      const w = this.layers[l];
      if (l > 0) {
        const m = w.mask / 4;
        if (drop > 0) {
          const keep = 1 / (1 - drop);
          for (let i = 0; i < TB * H; i++) f[m + i] = dropoutRng!.uniform() < drop ? 0 : keep;
        } else f.fill(1, m, m + TB * H);
        ex.multiply(TB * H, this.layers[l - 1].H, w.mask, w.X);
      }
      ex.gemm(TB, 4 * H, I, w.X, I, this.packs[l].wx, I, w.A, 4 * H, 0);
      ex.lstmForward(T, B, H, w.A, this.P + 4 * b, w.C, w.TC, w.H, this.packs[l].wh);
    }
    const out = this.ws.out;
    ex.gemm(TB, K, H, this.layers[this.layers.length - 1].H, H, this.head, H, out, K, 0);
    ex.addRows(TB, K, out, this.P + 4 * net.head.b);
    this.outF64.set(f.subarray(out / 4, out / 4 + TB * K));
    return this.outF64;
  }

  backward(dOut: Float64Array, cats: Int32Array | null): void {
    const { ex, net, T, B, ws } = this;
    const { numCells: H, numOutputs: K, inputSize, embeddingDimension: E } = net.spec;
    const TB = T * B;
    const L = net.layers.length;
    const f = this.heap;
    const n = net.params.length;
    f.set(dOut.subarray(0, TB * K), ws.dOut / 4);
    f.fill(0, this.G / 4, this.G / 4 + n);
    // head: ∂W = dOutᵀ·H, ∂b = Σ dOut, ∂H = dOut·W
    const last = this.layers[L - 1].H;
    ex.transpose(TB, K, ws.dOut, K, ws.tK);
    ex.packT(H, TB, last, H, ws.pk);
    ex.gemm(K, H, TB, ws.tK, TB, ws.pk, TB, this.G + 4 * net.head.w, H, 1);
    ex.addColumnSums(TB, K, ws.dOut, this.G + 4 * net.head.b);
    let dH = ws.dH;
    let dH2 = ws.dH2;
    ex.gemm(TB, H, K, ws.dOut, K, this.headT, K, dH, H, 0);
    for (let l = L - 1; l >= 0; l--) {
      const { inputSize: I, wx, wh, b } = net.layers[l];
      const w = this.layers[l];
      ex.lstmBackward(T, B, H, w.A, w.C, w.TC, dH, ws.dG, ws.dhNext, ws.dcNext, this.packs[l].whT);
      // weight gradients, one product each over all steps: ∂Wx = dGᵀ·X, ∂Wh = dGᵀ·H(t−1), ∂b = Σ dG
      ex.transpose(TB, 4 * H, ws.dG, 4 * H, ws.tG);
      ex.packT(I, TB, w.X, I, ws.pk);
      ex.gemm(4 * H, I, TB, ws.tG, TB, ws.pk, TB, this.G + 4 * wx, I, 1);
      if (T > 1) {
        ex.packT(H, TB - B, w.H, H, ws.pk);
        ex.gemm(4 * H, H, TB - B, ws.tG + 4 * B, TB, ws.pk, TB - B, this.G + 4 * wh, H, 1);
      }
      ex.addColumnSums(TB, 4 * H, ws.dG, this.G + 4 * b);
      if (l === 0 && net.embeddings.length === 0) break;
      ex.gemm(TB, I, 4 * H, ws.dG, 4 * H, this.packs[l].wxT, 4 * H, ws.dX, I, 0);
      if (l > 0) {
        ex.multiply(TB * H, ws.dX, w.mask, dH2);
        [dH, dH2] = [dH2, dH];
      } else {
        const g = net.grads;
        const nCat = net.embeddings.length;
        const dX = ws.dX / 4;
        for (let r = 0; r < TB; r++) {
          for (let c = 0; c < nCat; c++) {
            const dst = net.embeddings[c].off + cats![(r % B) * nCat + c] * E;
            const src = dX + r * I + inputSize + c * E;
            for (let d = 0; d < E; d++) g[dst + d] += f[src + d];
          }
        }
      }
    }
    const g = net.grads;
    const G = this.G / 4;
    for (let i = 0; i < n; i++) g[i] += f[G + i];
  }

  startPaths(S: number): void {
    const { ex, net, T, B } = this;
    if (T === 0) throw new Error('startPaths needs a forward over the sequences first');
    const { numCells: H, numOutputs: K } = net.spec;
    const L = net.layers.length;
    this.top = this.wsEnd;
    const R = B * S;
    // one product per layer and step: row [h_l | x] against [Wh | Wx]; layer 0's x is the network input,
    // layer l's is h_(l−1), which the cell below it writes there directly
    const width = net.layers.map(({ inputSize: I }) => H + I);
    const z = width.map((w) => this.alloc(R * w));
    const cat = width.map((w) => this.alloc(pad8(4 * H) * w));
    const c = net.layers.map(() => this.alloc(R * H));
    const g = this.alloc(Math.min(R, BLOCK_ROWS) * 4 * H), g0 = this.alloc(B * 4 * H), out = this.alloc(R * K);
    const scratch = this.alloc(4 * H * Math.max(...width));
    this.commit();
    this.S = S;
    this.paths = { g, g0, out, z, width, cat, c };
    const f = this.heap;
    for (let l = 0; l < L; l++) {
      const { inputSize: I, wx, wh } = net.layers[l];
      const w = width[l];
      for (let j = 0; j < 4 * H; j++) {
        f.copyWithin(scratch / 4 + j * w, this.P / 4 + wh + j * H, this.P / 4 + wh + (j + 1) * H);
        f.copyWithin(scratch / 4 + j * w + H, this.P / 4 + wx + j * I, this.P / 4 + wx + (j + 1) * I);
      }
      ex.pack(4 * H, w, scratch, w, cat[l]);
    }
    // path k of sequence b (row b·S + k) starts from sequence b's state at the last step (row (T−1)·B + b)
    for (let l = 0; l < L; l++) {
      for (let b = 0; b < B; b++) {
        const last = ((T - 1) * B + b) * H;
        const hl = f.subarray(this.layers[l].H / 4 + last, this.layers[l].H / 4 + last + H);
        const cl = f.subarray(this.layers[l].C / 4 + last, this.layers[l].C / 4 + last + H);
        for (let k = 0; k < S; k++) {
          const r = b * S + k;
          f.set(hl, z[l] / 4 + r * width[l]);
          if (l + 1 < L) f.set(hl, z[l + 1] / 4 + r * width[l + 1] + H);
          f.set(cl, c[l] / 4 + r * H);
        }
      }
    }
  }

  stepPaths(x: Float64Array, cats: Int32Array | null, out: Float64Array, sharedFrom: number): void {
    const { ex, net, S: perSequence, B: sequences, paths } = this;
    const { numCells: H, numOutputs: K, inputSize, embeddingDimension: E } = net.spec;
    const L = net.layers.length;
    const I0 = net.fullInputSize;
    const f = this.heap;
    const p = net.params;
    const nCat = net.embeddings.length;
    const S = sequences * perSequence;
    const { z, width, cat, c, g, g0 } = paths;
    const W0 = width[0];
    const varying = Math.min(sharedFrom, I0);
    // the input after the state in layer 0's rows: a sequence's first row in full, the others only the
    // columns that differ between its paths (the rest is read from the first row)
    const copied = Math.min(varying, inputSize);
    for (let s = 0; s < S; s++) {
      const row = z[0] / 4 + s * W0 + H;
      const from = s * inputSize;
      if (s % perSequence !== 0) {
        for (let k = 0; k < copied; k++) f[row + k] = x[from + k]; // a loop: no subarray object per row
        continue;
      }
      for (let k = 0; k < inputSize; k++) f[row + k] = x[from + k];
      for (let k = 0; k < nCat; k++) {
        const src = net.embeddings[k].off + cats![s * nCat + k] * E;
        f.set(p.subarray(src, src + E), row + inputSize + k * E);
      }
    }
    const next = (l: number): [number, number] => (l + 1 < L ? [z[l + 1] + 4 * H, width[l + 1]] : [0, 0]);
    const shared = varying < I0;
    if (shared) {
      // the columns shared by a sequence's paths: projected once per sequence, folded into the bias
      ex.gemm(sequences, 4 * H, I0 - varying, z[0] + 4 * (H + varying), perSequence * W0, cat[0] + 32 * (H + varying), W0, g0, 4 * H, 0);
      ex.addRows(sequences, 4 * H, g0, this.P + 4 * net.layers[0].b);
    }
    for (let r0 = 0; r0 < S; r0 += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, S - r0);
      // layer 0: state and varying columns in one product
      ex.gemm(n, 4 * H, H + varying, z[0] + 4 * W0 * r0, W0, cat[0], W0, g, 4 * H, 0);
      const [h2, ld2] = next(0);
      if (shared) {
        // the cell per sequence (its own bias row), over the part of the sequence inside this block
        for (let b = Math.floor(r0 / perSequence); b * perSequence < r0 + n; b++) {
          const from = Math.max(r0, b * perSequence);
          const to = Math.min(r0 + n, (b + 1) * perSequence);
          ex.cellStep(to - from, H, g + 16 * H * (from - r0), g0 + 16 * H * b, c[0] + 4 * H * from, z[0] + 4 * W0 * from, W0, h2 && h2 + 4 * ld2 * from, ld2);
        }
      } else {
        ex.cellStep(n, H, g, this.P + 4 * net.layers[0].b, c[0] + 4 * H * r0, z[0] + 4 * W0 * r0, W0, h2 && h2 + 4 * ld2 * r0, ld2);
      }
      for (let l = 1; l < L; l++) {
        const [n2, nld] = next(l);
        const zl = z[l] + 4 * width[l] * r0;
        ex.gemm(n, 4 * H, width[l], zl, width[l], cat[l], width[l], g, 4 * H, 0);
        ex.cellStep(n, H, g, this.P + 4 * net.layers[l].b, c[l] + 4 * H * r0, zl, width[l], n2 && n2 + 4 * nld * r0, nld);
      }
      ex.gemm(n, K, H, z[L - 1] + 4 * width[L - 1] * r0, width[L - 1], this.head, H, paths.out + 4 * K * r0, K, 0);
    }
    ex.addRows(S, K, paths.out, this.P + 4 * net.head.b);
    out.set(f.subarray(paths.out / 4, paths.out / 4 + S * K));
  }

  /** Copies the float64 parameters in and repacks the weights for the products. */
  private syncParameters(): void {
    const { ex, net } = this;
    const { numCells: H, numOutputs: K } = net.spec;
    this.heap.set(net.params, this.P / 4);
    for (let l = 0; l < net.layers.length; l++) {
      const { inputSize: I, wx, wh } = net.layers[l];
      const pk = this.packs[l];
      ex.pack(4 * H, I, this.P + 4 * wx, I, pk.wx);
      ex.pack(4 * H, H, this.P + 4 * wh, H, pk.wh);
      ex.packT(H, 4 * H, this.P + 4 * wh, H, pk.whT);
      ex.packT(I, 4 * H, this.P + 4 * wx, I, pk.wxT);
    }
    ex.pack(K, H, this.P + 4 * net.head.w, H, this.head);
    ex.packT(H, K, this.P + 4 * net.head.w, H, this.headT);
  }

  /** Lays out the workspace for T steps of B sequences (kept while the shape stays). */
  private workspace(T: number, B: number): void {
    if (this.T === T && this.B === B) return;
    const { numCells: H, numOutputs: K } = this.net.spec;
    const TB = T * B;
    const maxI = Math.max(this.net.fullInputSize, H);
    this.top = this.fixedEnd;
    this.layers = this.net.layers.map(({ inputSize: I }, l) => ({
      X: this.alloc(TB * I), mask: l > 0 ? this.alloc(TB * H) : 0,
      A: this.alloc(TB * 4 * H), C: this.alloc(TB * H), TC: this.alloc(TB * H), H: this.alloc(TB * H),
    }));
    this.ws = {
      out: this.alloc(TB * K), dOut: this.alloc(TB * K), dH: this.alloc(TB * H), dH2: this.alloc(TB * H),
      dG: this.alloc(TB * 4 * H), dX: this.alloc(TB * maxI), dhNext: this.alloc(B * H), dcNext: this.alloc(B * H),
      tG: this.alloc(4 * H * TB), tK: this.alloc(K * TB), pk: this.alloc(pad8(maxI) * TB),
    };
    this.wsEnd = this.top;
    this.commit();
    this.T = T;
    this.B = B;
    this.S = 0;
    this.outF64 = new Float64Array(TB * K);
  }

  /** Reserves n floats at a 16-byte boundary; commit() makes the memory exist. */
  private alloc(n: number): number {
    const at = this.top;
    this.top += (n * 4 + 15) & ~15;
    return at;
  }

  private commit(): void {
    const have = this.memory.buffer.byteLength;
    if (have < this.top) this.memory.grow(Math.ceil((this.top - have) / 65536));
    if (this.heap.buffer !== this.memory.buffer) this.heap = new Float32Array(this.memory.buffer);
  }
}
