// @ts-nocheck — AssemblyScript, not TypeScript: compiled to lstm32.wasm by `npm run build:wasm`
// (src/deepar/wasm/build.mjs). tsc only parses this file; its types (i32, usize, v128) are AssemblyScript's.
//
// The fused single-precision LSTM engine (AssemblyScript, 128-bit SIMD, f32x4): products, the whole
// cell step (bias, sigmoid/tanh, state update) and its backward, run over buffers that live in this
// module's memory (laid out by src/deepar/runtime/lstm-f32.ts). Every pointer is a byte address; every
// matrix is row-major f32. Built by src/deepar/wasm/build.mjs into lstm32.wasm (committed).
//
// Products are C = A·Bᵀ with B "packed": panels of 8 rows of B, k-major (packed[jb][k][q] = B[8jb+q, k],
// rows past N zero), so one k step is two f32x4 loads of B and four splats of A feeding 8 accumulators
// (a 4×8 block of C). Each sum runs over k in order with a multiply then an add (no FMA): results are
// deterministic for a given shape, whatever the machine.

// Eight floats to spill a partial row of C (the last panel of a width that is not a multiple of 8).
const SPILL: usize = memory.data(32, 16);

/** Packs B [N, K] (row stride ldb) into panels of 8 rows at dst. */
export function pack(N: i32, K: i32, b: usize, ldb: i32, dst: usize): void {
  const NB = (N + 7) >> 3;
  for (let jb = 0; jb < NB; jb++) {
    const panel = dst + ((<usize>jb * <usize>K) << 5);
    for (let q = 0; q < 8; q++) {
      const j = (jb << 3) + q;
      let d = panel + (<usize>q << 2);
      if (j < N) {
        const src = b + ((<usize>j * <usize>ldb) << 2);
        for (let k = 0; k < K; k++) {
          store<f32>(d, load<f32>(src + (<usize>k << 2)));
          d += 32;
        }
      } else {
        for (let k = 0; k < K; k++) {
          store<f32>(d, 0);
          d += 32;
        }
      }
    }
  }
}

/** Packs B [N, K] given as its transpose Bt [K, N] (row stride ld): no transposed copy needed. */
export function packT(N: i32, K: i32, bt: usize, ld: i32, dst: usize): void {
  const NB = (N + 7) >> 3;
  const row = <usize>ld << 2;
  for (let jb = 0; jb < NB; jb++) {
    const j0 = jb << 3;
    const n = min(8, N - j0);
    let d = dst + ((<usize>jb * <usize>K) << 5);
    let s = bt + (<usize>j0 << 2);
    for (let k = 0; k < K; k++) {
      if (n == 8) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      } else {
        for (let q = 0; q < 8; q++) store<f32>(d + (<usize>q << 2), q < n ? load<f32>(s + (<usize>q << 2)) : 0);
      }
      d += 32;
      s += row;
    }
  }
}

/**
 * C[M, N] (+)= A[M, K] · Bᵀ with B packed (pack/packT) over pk ≥ K columns (p may start k0 columns in:
 * p + 32·k0); A row stride lda, C row stride ldc.
 */
export function gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, p: usize, pk: i32, c: usize, ldc: i32, accumulate: i32): void {
  const NB = (N + 7) >> 3;
  const rowA = <usize>lda << 2;
  const rowC = <usize>ldc << 2;
  const panel = <usize>pk << 5;
  const end = <usize>K << 2;
  const M4 = M & ~3;
  for (let i = 0; i < M4; i += 4) {
    const a0 = a + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const c0 = c + <usize>i * rowC;
    for (let jb = 0; jb < NB; jb++) {
      let q = p + <usize>jb * panel;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      for (let o: usize = 0; o < end; o += 4) {
        const y0 = v128.load(q);
        const y1 = v128.load(q, 16);
        const x0 = v128.load32_splat(a0 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y0));
        s01 = f32x4.add(s01, f32x4.mul(x0, y1));
        const x1 = v128.load32_splat(a1 + o);
        s10 = f32x4.add(s10, f32x4.mul(x1, y0));
        s11 = f32x4.add(s11, f32x4.mul(x1, y1));
        const x2 = v128.load32_splat(a2 + o);
        s20 = f32x4.add(s20, f32x4.mul(x2, y0));
        s21 = f32x4.add(s21, f32x4.mul(x2, y1));
        const x3 = v128.load32_splat(a3 + o);
        s30 = f32x4.add(s30, f32x4.mul(x3, y0));
        s31 = f32x4.add(s31, f32x4.mul(x3, y1));
        q += 32;
      }
      const j = jb << 3;
      const n = min(8, N - j);
      const cc = c0 + (<usize>j << 2);
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
      let q = p + <usize>jb * panel;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      for (let o: usize = 0; o < end; o += 4) {
        const x0 = v128.load32_splat(a0 + o);
        s0 = f32x4.add(s0, f32x4.mul(x0, v128.load(q)));
        s1 = f32x4.add(s1, f32x4.mul(x0, v128.load(q, 16)));
        q += 32;
      }
      const j = jb << 3;
      storeRow(c0 + (<usize>j << 2), s0, s1, min(8, N - j), accumulate);
    }
  }
}

// Writes (or adds) the first n (1…8) of the eight sums (lo: columns 0–3, hi: 4–7) at c.
@inline
function storeRow(c: usize, lo: v128, hi: v128, n: i32, accumulate: i32): void {
  if (n == 8) {
    if (accumulate) {
      v128.store(c, f32x4.add(v128.load(c), lo));
      v128.store(c, f32x4.add(v128.load(c, 16), hi), 16);
    } else {
      v128.store(c, lo);
      v128.store(c, hi, 16);
    }
    return;
  }
  v128.store(SPILL, lo);
  v128.store(SPILL, hi, 16);
  for (let q = 0; q < n; q++) {
    const d = c + (<usize>q << 2);
    const s = load<f32>(SPILL + (<usize>q << 2));
    store<f32>(d, accumulate ? load<f32>(d) + s : s);
  }
}

// exp on four lanes: e^x = 2^y with y = x·log2(e) = n + f, |f| ≤ 1/2; 2^f by a degree-5 polynomial fitted
// (weighted least squares to equal ripple) for relative error ≤ 9.2e-8 on [−1/2, 1/2], 2^n built in the
// exponent bits. Rounding y to f32 adds ≤ |y|·6e-8·ln 2 relative, which sigmoid and tanh below turn into
// an absolute error that stays under f32's own (measured over [−30, 30]: sigmoid ≤ 1.0e-7, tanh ≤ 2.0e-7,
// the same as with the Taylor series of degree 7 and a two-part ln 2 this replaced, in 7 fewer operations).
// x is clamped to [−87, 88] so 2^n stays a normal float.
@inline
function exp4(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.0)), f32x4.splat(-87.0));
  const y = f32x4.mul(x, f32x4.splat(1.4426950408889634));
  const n = f32x4.nearest(y);
  const f = f32x4.sub(y, n);
  let s = f32x4.add(f32x4.splat(0.009671495296061039), f32x4.mul(f, f32x4.splat(0.0013264674926176667)));
  s = f32x4.add(f32x4.splat(0.05550733581185341), f32x4.mul(f, s));
  s = f32x4.add(f32x4.splat(0.24022242426872253), f32x4.mul(f, s));
  s = f32x4.add(f32x4.splat(0.6931470036506653), f32x4.mul(f, s));
  s = f32x4.add(f32x4.splat(1.0), f32x4.mul(f, s));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(s, pow2);
}

@inline
function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

// tanh x = 1 − 2 / (1 + e^{2x}); absolute error ~1e-7 near 0, saturates cleanly at ±1.
@inline
function tanh4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(one, exp4(f32x4.add(x, x)))));
}

/**
 * The cell forward for R rows: G [R, 4H] holds the pre-activations without bias (gate order i, f, g, o,
 * PyTorch's) and receives the activations; c = f·cPrev + i·g (cPrev = 0 for a zero state; it may be c
 * itself), tc = tanh c (when tc ≠ 0), h = o·tc. H is a multiple of 4.
 */
export function cellForward(R: i32, H: i32, g: usize, bias: usize, cPrev: usize, c: usize, tc: usize, h: usize): void {
  const hb = <usize>H << 2;
  for (let r = 0; r < R; r++) {
    const gr = g + ((<usize>r * hb) << 2);
    const sr = <usize>r * hb;
    for (let u: usize = 0; u < hb; u += 16) {
      const pi = gr + u, pf = pi + hb, pg = pf + hb, po = pg + hb;
      const gi = sigmoid4(f32x4.add(v128.load(pi), v128.load(bias + u)));
      const gf = sigmoid4(f32x4.add(v128.load(pf), v128.load(bias + hb + u)));
      const gg = tanh4(f32x4.add(v128.load(pg), v128.load(bias + 2 * hb + u)));
      const go = sigmoid4(f32x4.add(v128.load(po), v128.load(bias + 3 * hb + u)));
      v128.store(pi, gi);
      v128.store(pf, gf);
      v128.store(pg, gg);
      v128.store(po, go);
      let cn = f32x4.mul(gi, gg);
      if (cPrev) cn = f32x4.add(f32x4.mul(gf, v128.load(cPrev + sr + u)), cn);
      const t = tanh4(cn);
      v128.store(c + sr + u, cn);
      if (tc) v128.store(tc + sr + u, t);
      v128.store(h + sr + u, f32x4.mul(go, t));
    }
  }
}

/**
 * The cell of a sampling step for R rows, state only (the gates are not kept): G [R, 4H] holds the
 * pre-activations without bias; c [R, H] is updated in place; h = o·tanh c is written at h (row stride
 * ldh) and, when h2 ≠ 0, also at h2 (row stride ldh2): the next layer's input beside its own state.
 */
export function cellStep(R: i32, H: i32, g: usize, bias: usize, c: usize, h: usize, ldh: i32, h2: usize, ldh2: i32): void {
  const hb = <usize>H << 2;
  for (let r = 0; r < R; r++) {
    const gr = g + ((<usize>r * hb) << 2);
    const cr = c + <usize>r * hb;
    const hr = h + ((<usize>r * <usize>ldh) << 2);
    const h2r = h2 + ((<usize>r * <usize>ldh2) << 2);
    for (let u: usize = 0; u < hb; u += 16) {
      const pi = gr + u, pf = pi + hb, pg = pf + hb, po = pg + hb;
      const gi = sigmoid4(f32x4.add(v128.load(pi), v128.load(bias + u)));
      const gf = sigmoid4(f32x4.add(v128.load(pf), v128.load(bias + hb + u)));
      const gg = tanh4(f32x4.add(v128.load(pg), v128.load(bias + 2 * hb + u)));
      const go = sigmoid4(f32x4.add(v128.load(po), v128.load(bias + 3 * hb + u)));
      const cn = f32x4.add(f32x4.mul(gf, v128.load(cr + u)), f32x4.mul(gi, gg));
      v128.store(cr + u, cn);
      const hv = f32x4.mul(go, tanh4(cn));
      v128.store(hr + u, hv);
      if (h2) v128.store(h2r + u, hv);
    }
  }
}

/**
 * A layer's time loop, forward: A [T·B, 4H] holds X·Wxᵀ (time-major rows t·B + b) and receives the
 * gates; whp is Wh [4H, H] packed. Writes the cell states C, their tanh TC and the outputs Hs [T·B, H].
 */
export function lstmForward(T: i32, B: i32, H: i32, a: usize, bias: usize, cs: usize, tcs: usize, hs: usize, whp: usize): void {
  const stepA = (<usize>B * <usize>H) << 4;
  const stepH = (<usize>B * <usize>H) << 2;
  for (let t = 0; t < T; t++) {
    const at = a + <usize>t * stepA;
    const off = <usize>t * stepH;
    if (t > 0) gemm(B, 4 * H, H, hs + off - stepH, H, whp, H, at, 4 * H, 1);
    cellForward(B, H, at, bias, t > 0 ? cs + off - stepH : 0, cs + off, tcs + off, hs + off);
  }
}

/**
 * A layer's time loop, backward (BPTT): from dH [T·B, H] (∂loss/∂outputs from above) and the forward's
 * gates A, states C and TC, writes dG [T·B, 4H] (∂loss/∂pre-activations). whTp is Whᵀ [H, 4H] packed
 * (packT of Wh); dhNext, dcNext [B, H] are scratch.
 */
export function lstmBackward(
  T: i32, B: i32, H: i32, a: usize, cs: usize, tcs: usize, dh: usize, dg: usize, dhNext: usize, dcNext: usize, whTp: usize,
): void {
  const hb = <usize>H << 2;
  const stepA = (<usize>B * <usize>H) << 4;
  const stepH = (<usize>B * <usize>H) << 2;
  memory.fill(dcNext, 0, stepH);
  const one = f32x4.splat(1.0);
  for (let t = T - 1; t >= 0; t--) {
    if (t < T - 1) gemm(B, H, 4 * H, dg + <usize>(t + 1) * stepA, 4 * H, whTp, 4 * H, dhNext, H, 0);
    else memory.fill(dhNext, 0, stepH);
    const at = a + <usize>t * stepA;
    const off = <usize>t * stepH;
    for (let r = 0; r < B; r++) {
      const gr = at + ((<usize>r * hb) << 2);
      const dgr = dg + <usize>t * stepA + ((<usize>r * hb) << 2);
      const sr = off + <usize>r * hb;
      const q = <usize>r * hb;
      for (let u: usize = 0; u < hb; u += 16) {
        const gi = v128.load(gr + u), gf = v128.load(gr + hb + u), gg = v128.load(gr + 2 * hb + u), go = v128.load(gr + 3 * hb + u);
        const tc = v128.load(tcs + sr + u);
        const cPrev = t > 0 ? v128.load(cs + sr - stepH + u) : f32x4.splat(0);
        const d = f32x4.add(v128.load(dh + sr + u), v128.load(dhNext + q + u));
        const dc = f32x4.add(f32x4.mul(f32x4.mul(d, go), f32x4.sub(one, f32x4.mul(tc, tc))), v128.load(dcNext + q + u));
        v128.store(dgr + u, f32x4.mul(f32x4.mul(dc, gg), f32x4.mul(gi, f32x4.sub(one, gi))));
        v128.store(dgr + hb + u, f32x4.mul(f32x4.mul(dc, cPrev), f32x4.mul(gf, f32x4.sub(one, gf))));
        v128.store(dgr + 2 * hb + u, f32x4.mul(f32x4.mul(dc, gi), f32x4.sub(one, f32x4.mul(gg, gg))));
        v128.store(dgr + 3 * hb + u, f32x4.mul(f32x4.mul(d, tc), f32x4.mul(go, f32x4.sub(one, go))));
        v128.store(dcNext + q + u, f32x4.mul(dc, gf));
      }
    }
  }
}

/** dst[i] = sigmoid(src[i]) for n elements (n a multiple of 4): the cell's approximation, for its error test. */
export function sigmoidInto(n: i32, src: usize, dst: usize): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(dst + o, sigmoid4(v128.load(src + o)));
}

/** dst[i] = tanh(src[i]) for n elements (n a multiple of 4): the cell's approximation, for its error test. */
export function tanhInto(n: i32, src: usize, dst: usize): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(dst + o, tanh4(v128.load(src + o)));
}

/** c[r, :] += v for the R rows of c [R, N]. */
export function addRows(R: i32, N: i32, c: usize, v: usize): void {
  for (let r = 0; r < R; r++) {
    const row = c + ((<usize>r * <usize>N) << 2);
    for (let j = 0; j < N; j++) {
      const d = row + (<usize>j << 2);
      store<f32>(d, load<f32>(d) + load<f32>(v + (<usize>j << 2)));
    }
  }
}

/** dst[j] += Σ_r src[r, j] over the R rows of src [R, N], rows in order. */
export function addColumnSums(R: i32, N: i32, src: usize, dst: usize): void {
  for (let r = 0; r < R; r++) {
    const row = src + ((<usize>r * <usize>N) << 2);
    for (let j = 0; j < N; j++) {
      const d = dst + (<usize>j << 2);
      store<f32>(d, load<f32>(d) + load<f32>(row + (<usize>j << 2)));
    }
  }
}

/** dst[i] = x[i]·y[i] for n elements (dropout masks). */
export function multiply(n: i32, x: usize, y: usize, dst: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(x + o) * load<f32>(y + o));
  }
}

/** dst[cols, rows] = src[rows, cols]ᵀ, src with row stride `stride` (elements). */
export function transpose(rows: i32, cols: i32, src: usize, stride: i32, dst: usize): void {
  const rowS = <usize>stride << 2;
  const rowD = <usize>rows << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * rowS;
    let d = dst + (<usize>r << 2);
    for (let q = 0; q < cols; q++) {
      store<f32>(d, load<f32>(s + (<usize>q << 2)));
      d += rowD;
    }
  }
}
