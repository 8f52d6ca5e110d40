/**
 * Fused dense kernels over Float64Array, written for V8: no per-op dispatch, no allocation.
 * The one matrix product everything uses is C = A·Bᵀ (both operands with K contiguous), register-
 * blocked 4×4 so each loaded value feeds four multiply-adds.
 *
 * Two backends with bit-identical results: the plain-JS kernels below (the reference, and the only ones
 * this pure module knows) and WebAssembly SIMD, which the runtime installs (runtime/kernels-wasm.ts:
 * loading a binary is I/O, so the model takes a loader instead of importing it). Without the runtime
 * the model runs on the JS kernels. `setKernelBackend` switches this thread at run time.
 */

/**
 * 'js': plain JS, float64 (the reference); 'wasm': WebAssembly SIMD f64x2 products, bit-identical to
 * 'js'; 'f32': the fused single-precision engine (the whole LSTM cell, its backward and the products
 * in WebAssembly f32x4 over buffers in the module's memory; runtime/lstm-f32.ts), close to 'js' within
 * the tolerance test/deepar/lstm-f32.test.ts states. Where the fused engine does not apply (numCells not
 * a multiple of 4) an 'f32' thread runs the network on the 'wasm' products.
 */
export type KernelBackend = 'wasm' | 'js' | 'f32';

/** What the fused engine does for one network (runtime/lstm-f32.ts implements it). */
export interface FusedNetwork {
  /** DeepARNetwork.forward's contract; reads the current parameters. */
  forward(T: number, B: number, x: Float64Array, cats: Int32Array | null, dropoutRng: { uniform(): number } | null): Float64Array;
  /** DeepARNetwork.backward's contract, after this engine's forward. */
  backward(dOut: Float64Array, cats: Int32Array | null): void;
  /**
   * Sampling: S paths per sequence of the last forward (B sequences) start from that sequence's state at
   * its last step; path k of sequence b is row b·S + k.
   */
  startPaths(S: number): void;
  /**
   * One step of the B·S paths (see network-step.ts's stepNetwork for x, cats, out and sharedFrom; the
   * columns from sharedFrom on are shared within each sequence's S paths, read from its first path's row).
   */
  stepPaths(x: Float64Array, cats: Int32Array | null, out: Float64Array, sharedFrom: number): void;
}

/** Makes the fused engine of a network, or null where it does not apply. */
export type FusedNetworkFactory = (net: FusedNetworkHost) => FusedNetwork | null;

/** The network seen by the engine (network.ts's DeepARNetwork). */
export interface FusedNetworkHost {
  readonly spec: { inputSize: number; numCells: number; numLayers: number; numOutputs: number; embeddingDimension: number; dropoutRate: number };
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly layers: readonly { inputSize: number; wx: number; wh: number; b: number }[];
  readonly embeddings: readonly { off: number; cardinality: number }[];
  readonly head: { w: number; b: number };
  readonly fullInputSize: number;
}

let fusedFactory: FusedNetworkFactory | undefined;

/** Called by the runtime: how this thread builds the fused engine of a network. */
export function installFusedNetwork(factory: FusedNetworkFactory): void {
  fusedFactory = factory;
}

/** Whether this thread runs the fused engine (the 'f32' backend, with the engine installed). */
export function fusedActive(): boolean {
  return backend === 'f32' && fusedFactory !== undefined;
}

/** A new fused engine for `net`, or null where it does not apply (or none is installed). */
export function fusedNetworkFor(net: FusedNetworkHost): FusedNetwork | null {
  return fusedFactory ? fusedFactory(net) : null;
}

export type GemmFn = (
  M: number, N: number, K: number,
  A: Float64Array, aOff: number,
  B: Float64Array, bOff: number,
  C: Float64Array, cOff: number,
  accumulate: boolean,
  lda: number, ldb: number,
) => void;

export type TransposeFn = (rows: number, cols: number, src: Float64Array, srcOff: number, stride: number, dst: Float64Array) => void;

/** A backend's two kernels, with the JS kernels' signatures and results. */
export interface DenseKernels {
  gemmABt: GemmFn;
  transpose: TransposeFn;
}

let loadWasm: (() => DenseKernels) | undefined;
let wasmKernels: DenseKernels | null | undefined;
let backend: KernelBackend = 'js';

/**
 * Installs how this thread loads the WebAssembly kernels (called by the runtime) and starts on
 * `preferred` when it is not 'js' and they load; the loader runs at most once, when first needed.
 */
export function installWasmKernels(load: () => DenseKernels, preferred: KernelBackend): void {
  loadWasm = load;
  wasmKernels = undefined;
  backend = preferred !== 'js' && wasmAvailable() ? preferred : 'js';
}

/** Whether the WebAssembly kernels load here (installed by the runtime, SIMD support, kernels.wasm present). */
export function wasmAvailable(): boolean {
  if (!loadWasm) return false;
  if (wasmKernels === undefined) {
    try {
      wasmKernels = loadWasm();
    } catch {
      wasmKernels = null;
    }
  }
  return wasmKernels !== null;
}

/** The backend this thread's kernels use. */
export function kernelBackend(): KernelBackend {
  return backend;
}

/** Switches this thread's kernels (other threads read DEEPAR_KERNELS when they start). */
export function setKernelBackend(b: KernelBackend): void {
  if (b !== 'js' && !wasmAvailable()) throw new Error('the WebAssembly kernels do not load on this runtime');
  backend = b;
}

/**
 * C[M,N] (+)= A[M,K] · B[N,K]ᵀ. Row-major, starting at the offsets, with row strides lda (A), ldb (B)
 * and N (C); lda and ldb default to K (dense operands).
 * shape: A [M, K], B [N, K], C [M, N].
 */
export function gemmABt(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number,
  B: Float64Array, bOff: number,
  C: Float64Array, cOff: number,
  accumulate: boolean,
  lda = K, ldb = K,
): void {
  if (backend !== 'js') wasmKernels!.gemmABt(M, N, K, A, aOff, B, bOff, C, cOff, accumulate, lda, ldb);
  else gemmABtJs(M, N, K, A, aOff, B, bOff, C, cOff, accumulate, lda, ldb);
}

/** gemmABt in plain JS: the reference, and the fallback. shape: A [M, K], B [N, K], C [M, N]. */
export function gemmABtJs(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number,
  B: Float64Array, bOff: number,
  C: Float64Array, cOff: number,
  accumulate: boolean,
  lda = K, ldb = K,
): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let j = 0; j < N4; j += 4) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        const y0 = B[b0 + k], y1 = B[b1 + k], y2 = B[b2 + k], y3 = B[b3 + k];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      let c = cOff + i * N + j;
      if (accumulate) {
        C[c] += s00; C[c + 1] += s01; C[c + 2] += s02; C[c + 3] += s03; c += N;
        C[c] += s10; C[c + 1] += s11; C[c + 2] += s12; C[c + 3] += s13; c += N;
        C[c] += s20; C[c + 1] += s21; C[c + 2] += s22; C[c + 3] += s23; c += N;
        C[c] += s30; C[c + 1] += s31; C[c + 2] += s32; C[c + 3] += s33;
      } else {
        C[c] = s00; C[c + 1] = s01; C[c + 2] = s02; C[c + 3] = s03; c += N;
        C[c] = s10; C[c + 1] = s11; C[c + 2] = s12; C[c + 3] = s13; c += N;
        C[c] = s20; C[c + 1] = s21; C[c + 2] = s22; C[c + 3] = s23; c += N;
        C[c] = s30; C[c + 1] = s31; C[c + 2] = s32; C[c + 3] = s33;
      }
    }
    for (let j = N4; j < N; j++) for (let r = i; r < i + 4; r++) dotInto(r, j, K, N, A, aOff, B, bOff, C, cOff, accumulate, lda, ldb);
  }
  for (let i = M4; i < M; i++) for (let j = 0; j < N; j++) dotInto(i, j, K, N, A, aOff, B, bOff, C, cOff, accumulate, lda, ldb);
}


/** C[i, j] (+)= A[i, :] · B[j, :] (the edge of gemmABt). */
function dotInto(
  i: number, j: number, K: number, N: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number, accumulate: boolean,
  lda: number, ldb: number,
): void {
  const a = aOff + i * lda;
  const b = bOff + j * ldb;
  let s = 0;
  for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
  const c = cOff + i * N + j;
  C[c] = accumulate ? C[c] + s : s;
}

/** dst[cols, rows] = src[rows, cols]ᵀ (src from srcOff, row stride `stride` ≥ cols). */
export function transpose(
  rows: number, cols: number,
  src: Float64Array, srcOff: number, stride: number,
  dst: Float64Array,
): void {
  if (backend !== 'js') wasmKernels!.transpose(rows, cols, src, srcOff, stride, dst);
  else transposeJs(rows, cols, src, srcOff, stride, dst);
}

/** transpose in plain JS. */
export function transposeJs(
  rows: number, cols: number,
  src: Float64Array, srcOff: number, stride: number,
  dst: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const s = srcOff + r * stride;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c];
  }
}
