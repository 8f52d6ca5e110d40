// @ts-nocheck — AssemblyScript, not TypeScript: compiled to kernels.wasm by `npm run build:wasm`
// (src/deepar/wasm/build.mjs). tsc only parses this file; its types (i32, usize, v128) are AssemblyScript's.
//
// C[M,N] (+)= A[M,K] · B[N,K]ᵀ in float64 with 128-bit SIMD (f64x2), the WebAssembly twin of gemmABt
// in ../kernels.ts. Every output element is summed exactly as the JS kernel sums it — s = 0, then
// s += a[k]·b[k] for k = 0 … K−1 (a multiply then an add, no FMA), then C = s or C = C + s — so the
// results are bit-identical to the JS path, only four columns are computed per SIMD pair.
//
// All pointers are byte addresses in this module's memory; row strides (lda, ldb, ldc) are in elements.
// `pack` is scratch of ceil(N/4)·4·K doubles: B is repacked there into panels of 4 rows, k-major, so
// that the 4 values of one k are two contiguous v128 loads.

export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, lda: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
  accumulate: i32,
  pack: usize,
): void {
  const NB = (N + 3) >> 2;
  const panel = <usize>K << 5; // bytes of one panel: K × 4 doubles
  // pack B
  for (let jb = 0; jb < NB; jb++) {
    const dst = pack + <usize>jb * panel;
    for (let q = 0; q < 4; q++) {
      const j = (jb << 2) + q;
      const d = dst + (<usize>q << 3);
      if (j < N) {
        const src = b + ((<usize>j * <usize>ldb) << 3);
        for (let k = 0; k < K; k++) store<f64>(d + (<usize>k << 5), load<f64>(src + (<usize>k << 3)));
      } else {
        for (let k = 0; k < K; k++) store<f64>(d + (<usize>k << 5), 0.0);
      }
    }
  }
  const rowA = <usize>lda << 3;
  const rowC = <usize>ldc << 3;
  const M4 = M & ~3;
  for (let i = 0; i < M4; i += 4) {
    const a0 = a + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const c0 = c + <usize>i * rowC;
    for (let jb = 0; jb < NB; jb++) {
      let p = pack + <usize>jb * panel;
      let s00 = f64x2.splat(0.0), s01 = f64x2.splat(0.0);
      let s10 = f64x2.splat(0.0), s11 = f64x2.splat(0.0);
      let s20 = f64x2.splat(0.0), s21 = f64x2.splat(0.0);
      let s30 = f64x2.splat(0.0), s31 = f64x2.splat(0.0);
      let o: usize = 0;
      const end = <usize>K << 3;
      while (o < end) {
        const y0 = v128.load(p);
        const y1 = v128.load(p, 16);
        const x0 = v128.load64_splat(a0 + o);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        const x1 = v128.load64_splat(a1 + o);
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
        const x2 = v128.load64_splat(a2 + o);
        s20 = f64x2.add(s20, f64x2.mul(x2, y0));
        s21 = f64x2.add(s21, f64x2.mul(x2, y1));
        const x3 = v128.load64_splat(a3 + o);
        s30 = f64x2.add(s30, f64x2.mul(x3, y0));
        s31 = f64x2.add(s31, f64x2.mul(x3, y1));
        p += 32;
        o += 8;
      }
      const j = jb << 2;
      const n = min(4, N - j);
      const cc = c0 + (<usize>j << 3);
      storeRow(cc, s00, s01, n, accumulate);
      storeRow(cc + rowC, s10, s11, n, accumulate);
      storeRow(cc + 2 * rowC, s20, s21, n, accumulate);
      storeRow(cc + 3 * rowC, s30, s31, n, accumulate);
    }
  }
  for (let i = M4; i < M; i++) {
    const a0 = a + <usize>i * rowA;
    const c0 = c + <usize>i * rowC;
    for (let jb = 0; jb < NB; jb++) {
      let p = pack + <usize>jb * panel;
      let s0 = f64x2.splat(0.0), s1 = f64x2.splat(0.0);
      let o: usize = 0;
      const end = <usize>K << 3;
      while (o < end) {
        const x0 = v128.load64_splat(a0 + o);
        s0 = f64x2.add(s0, f64x2.mul(x0, v128.load(p)));
        s1 = f64x2.add(s1, f64x2.mul(x0, v128.load(p, 16)));
        p += 32;
        o += 8;
      }
      const j = jb << 2;
      storeRow(c0 + (<usize>j << 3), s0, s1, min(4, N - j), accumulate);
    }
  }
}

// Writes (or adds) the first n (1…4) of the four sums (lo: columns 0, 1; hi: columns 2, 3) at c.
function storeRow(c: usize, lo: v128, hi: v128, n: i32, accumulate: i32): void {
  if (n == 4) {
    if (accumulate) {
      v128.store(c, f64x2.add(v128.load(c), lo));
      v128.store(c, f64x2.add(v128.load(c, 16), hi), 16);
    } else {
      v128.store(c, lo);
      v128.store(c, hi, 16);
    }
    return;
  }
  storeOne(c, f64x2.extract_lane(lo, 0), accumulate);
  if (n > 1) storeOne(c + 8, f64x2.extract_lane(lo, 1), accumulate);
  if (n > 2) storeOne(c + 16, f64x2.extract_lane(hi, 0), accumulate);
}

function storeOne(c: usize, s: f64, accumulate: i32): void {
  store<f64>(c, accumulate ? load<f64>(c) + s : s);
}

// dst[cols, rows] = src[rows, cols]ᵀ, src with row stride `stride` (elements). Byte addresses.
export function transpose(rows: i32, cols: i32, src: usize, stride: i32, dst: usize): void {
  const rowS = <usize>stride << 3;
  const rowD = <usize>rows << 3;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * rowS;
    let d = dst + (<usize>r << 3);
    for (let q = 0; q < cols; q++) {
      store<f64>(d, load<f64>(s + (<usize>q << 3)));
      d += rowD;
    }
  }
}
