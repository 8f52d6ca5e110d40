/**
 * The WebAssembly (SIMD f64x2) backend of the dense kernels: loads src/deepar/wasm/kernels.wasm (built
 * from wasm/kernels.as.ts by `npm run build:wasm`, committed) synchronously, one instance per thread,
 * and installs it into the pure model's kernels (../kernels.ts), which never load it themselves.
 *
 * The operands live in ordinary Float64Arrays owned by the network (network.ts allocates them), so each
 * call stages them in the module's memory: A and B (the spans their rows cover) are copied in, C copied
 * in when accumulating, and C copied out (memcpy-speed TypedArray.set). The kernel sums every element in
 * the JS kernel's order, without FMA, so results are bit-identical to the JS kernels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DenseKernels, type GemmFn, installFusedNetwork, installWasmKernels as installIntoModel, type TransposeFn } from '../kernels';
import { fusedLstmF32 } from './lstm-f32';

interface Exports {
  memory: WebAssembly.Memory;
  gemm(M: number, N: number, K: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, acc: number, pack: number): void;
  transpose(rows: number, cols: number, src: number, stride: number, dst: number): void;
}

export interface WasmKernels extends DenseKernels {
  memory: WebAssembly.Memory;
}

/** The binary stays beside its AssemblyScript source and build script (package.json's build:wasm). */
export const WASM_PATH = join(__dirname, '..', 'wasm', 'kernels.wasm');

/**
 * Gives this thread's model the WebAssembly kernels and the fused f32 engine (./lstm-f32.ts), and picks
 * the backend from DEEPAR_KERNELS: 'js' (float64 reference), 'wasm' (float64 SIMD products, identical to
 * 'js'), anything else the fused 'f32' engine. Read once per thread, so helper threads follow it too.
 */
export function installWasmKernels(): void {
  installFusedNetwork(fusedLstmF32);
  const env = process.env.DEEPAR_KERNELS;
  installIntoModel(() => loadWasmKernels(), env === 'js' || env === 'wasm' ? env : 'f32');
}

/** Instantiates the module; throws when WebAssembly SIMD is unavailable or the file is missing. */
export function loadWasmKernels(bytes: Uint8Array = readFileSync(WASM_PATH)): WasmKernels {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const ex = instance.exports as unknown as Exports;
  const memory = ex.memory;
  const base = memory.buffer.byteLength; // AssemblyScript's static data ends below the first page
  let heap = new Float64Array(memory.buffer);

  /** Makes the staging area [base, base + bytes) exist; returns the current view. */
  const ensure = (bytes: number): Float64Array => {
    const need = base + bytes;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    if (heap.buffer !== memory.buffer) heap = new Float64Array(memory.buffer);
    return heap;
  };
  const up16 = (n: number): number => (n + 1) & ~1; // doubles, rounded to 16 bytes

  const gemmABt: GemmFn = (M, N, K, A, aOff, B, bOff, C, cOff, accumulate, lda, ldb) => {
    if (M <= 0 || N <= 0) return;
    const spanA = (M - 1) * lda + K;
    const spanB = (N - 1) * ldb + K;
    const NB = (N + 3) >> 2;
    // staging, in doubles from `base`: A's span, B's span, C, then the packed panels of B
    const iA = base / 8;
    const iB = iA + up16(spanA);
    const iC = iB + up16(spanB);
    const iP = iC + up16(M * N);
    const h = ensure(8 * (iP - iA + NB * 4 * K));
    h.set(A.subarray(aOff, aOff + spanA), iA);
    h.set(B.subarray(bOff, bOff + spanB), iB);
    if (accumulate) h.set(C.subarray(cOff, cOff + M * N), iC);
    ex.gemm(M, N, K, iA * 8, lda, iB * 8, ldb, iC * 8, N, accumulate ? 1 : 0, iP * 8);
    C.set(h.subarray(iC, iC + M * N), cOff);
  };

  const transpose: TransposeFn = (rows, cols, src, srcOff, stride, dst) => {
    if (rows <= 0 || cols <= 0) return;
    const span = (rows - 1) * stride + cols;
    const h = ensure(8 * (up16(span) + rows * cols));
    const at = base / 8;
    h.set(src.subarray(srcOff, srcOff + span), at);
    const out = at + up16(span);
    ex.transpose(rows, cols, at * 8, stride, out * 8);
    dst.set(heap.subarray(out, out + rows * cols));
  };

  return { gemmABt, transpose, memory };
}
