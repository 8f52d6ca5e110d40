import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitDeepAR } from '../../src/deepar/estimator';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';
import {
  gemmABt, gemmABtJs, kernelBackend, transpose, transposeJs, wasmAvailable, type KernelBackend,
} from '../../src/deepar/kernels';
import { DeepARNetwork, type NetworkSpec } from '../../src/deepar/network';
import { DeepARPredictor } from '../../src/deepar/predictor';
import { Rng } from '../../src/deepar/rng';
import '../../src/deepar/runtime'; // installs the WebAssembly kernels and the helper thread, as the twin does
import { loadWasmKernels, WASM_PATH } from '../../src/deepar/runtime/kernels-wasm';
import { seasonalSeries, START, START_MS, tinyHyperparameters, withBackend } from './mothers';

const ROOT = join(__dirname, '..', '..');

/** Largest |a − b| / max(1, |a|) over the arrays. */
function maxRelError(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return e;
}

function randomArray(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

describe('WebAssembly kernels', () => {
  it('load here and are the default backend (fused f32 since issue 15; DEEPAR_KERNELS=wasm for the f64 products) unless DEEPAR_KERNELS=js', () => {
    expect(wasmAvailable()).toBe(true);
    const env = process.env.DEEPAR_KERNELS;
    expect(kernelBackend()).toBe(env === 'js' || env === 'wasm' ? env : 'f32');
    jest.isolateModules(() => {
      const env = process.env.DEEPAR_KERNELS;
      process.env.DEEPAR_KERNELS = 'js';
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const runtime = require('../../src/deepar/runtime') as typeof import('../../src/deepar/runtime');
        expect(runtime.kernelBackend()).toBe('js');
        expect(runtime.wasmAvailable()).toBe(true); // installed, only not chosen
      } finally {
        if (env === undefined) delete process.env.DEEPAR_KERNELS;
        else process.env.DEEPAR_KERNELS = env;
      }
    });
  });

  it('are not needed: the pure model alone runs the JS kernels on one thread, and asks for the runtime for two', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const model = require('../../src/deepar') as typeof import('../../src/deepar');
      expect(model.wasmAvailable()).toBe(false);
      expect(model.kernelBackend()).toBe('js');
      expect(() => model.setKernelBackend('wasm')).toThrow('the WebAssembly kernels do not load on this runtime');
      const train = [{ start: START, startMs: START_MS, target: seasonalSeries(24 * 20) }];
      const hp = model.parseHyperparameters(tinyHyperparameters({ epochs: '1' }));
      const pure = model.fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 2 });
      const accelerated = withBackend('wasm', () => fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 2 }));
      expect(Array.from(pure.model.network.params)).toEqual(Array.from(accelerated.model.network.params));
      expect(() => model.fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 2, threads: 2 })).toThrow('training on two threads needs the DeepAR runtime');
    });
  });

  it('the committed kernels.wasm is what `npm run build:wasm` builds from kernels.as.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepar-wasm-'));
    try {
      const out = join(dir, 'kernels.wasm');
      execFileSync(process.execPath, [join(ROOT, 'src/deepar/wasm/build.mjs'), '--out', out], { cwd: ROOT, stdio: 'pipe' });
      expect(Buffer.compare(readFileSync(out), readFileSync(WASM_PATH))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);

  it('gemmABt equals the JS kernel on random shapes, offsets, strides, with and without accumulation', () => {
    const w = loadWasmKernels();
    const rng = new Rng(11);
    const shapes: [number, number, number][] = [[1, 1, 1], [1, 160, 40], [3, 5, 7], [4, 4, 4], [5, 3, 1], [17, 13, 9], [32, 160, 40], [9, 40, 160], [161, 43, 97]];
    for (let i = 0; i < 60; i++) shapes.push([rng.int(1, 23), rng.int(1, 23), rng.int(0, 50)]);
    let worst = 0;
    for (const [M, N, K] of shapes) {
      const lda = K + rng.int(0, 3), ldb = K + rng.int(0, 3);
      const aOff = rng.int(0, 5), bOff = rng.int(0, 5), cOff = rng.int(0, 5);
      const A = randomArray(rng, aOff + M * lda), B = randomArray(rng, bOff + N * ldb), C = randomArray(rng, cOff + M * N + 3);
      for (const accumulate of [false, true]) {
        const ref = C.slice(), got = C.slice(), viaSwitch = C.slice();
        gemmABtJs(M, N, K, A, aOff, B, bOff, ref, cOff, accumulate, lda, ldb);
        w.gemmABt(M, N, K, A, aOff, B, bOff, got, cOff, accumulate, lda, ldb);
        withBackend('wasm', () => gemmABt(M, N, K, A, aOff, B, bOff, viaSwitch, cOff, accumulate, lda, ldb));
        worst = Math.max(worst, maxRelError(ref, got), maxRelError(ref, viaSwitch));
        // the same sums in the same order without FMA: bit-identical, not merely close
        expect(Array.from(got)).toEqual(Array.from(ref));
        expect(Array.from(viaSwitch)).toEqual(Array.from(ref));
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('transpose equals the JS kernel', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 30; i++) {
      const rows = rng.int(1, 40), cols = rng.int(1, 40), stride = cols + rng.int(0, 3), off = rng.int(0, 4);
      const src = randomArray(rng, off + rows * stride);
      const ref = new Float64Array(rows * cols), got = new Float64Array(rows * cols);
      transposeJs(rows, cols, src, off, stride, ref);
      withBackend('wasm', () => transpose(rows, cols, src, off, stride, got));
      expect(Array.from(got)).toEqual(Array.from(ref));
    }
  });

  it('give the network the same outputs and gradients as the JS kernels', () => {
    const spec: NetworkSpec = {
      inputSize: 7, numCells: 13, numLayers: 2, numOutputs: 3, cardinalities: [3], embeddingDimension: 2, dropoutRate: 0.2,
    };
    const T = 9, B = 5;
    const run = (b: KernelBackend) => withBackend(b, () => {
      const net = new DeepARNetwork(spec);
      const rng = new Rng(21);
      net.initialize(rng);
      const x = randomArray(rng, T * B * spec.inputSize);
      const cats = Int32Array.from({ length: B }, (_, i) => i % 3);
      const out = net.forward(T, B, x, cats, new Rng(4)).slice();
      const dOut = randomArray(new Rng(5), out.length);
      net.grads.fill(0);
      net.backward(dOut, cats);
      return { out, grads: net.grads.slice() };
    });
    const js = run('js');
    const wasm = run('wasm');
    expect(maxRelError(js.out, wasm.out)).toBeLessThan(1e-12);
    expect(maxRelError(js.grads, wasm.grads)).toBeLessThan(1e-12);
    expect(Array.from(wasm.grads)).toEqual(Array.from(js.grads));
  });

  it('train the same model and forecast the same samples as the JS kernels (1 and 2 threads)', () => {
    const train = [{ start: START, startMs: START_MS, target: seasonalSeries(24 * 20) }];
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '2' }));
    for (const threads of [1, 2]) {
      const fit = (b: KernelBackend) => withBackend(b, () => {
        const { model, training } = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 4, threads });
        const samples = new DeepARPredictor(model).sample({ startMs: START_MS, target: train[0].target }, 20, new Rng(2));
        return { params: model.network.params, loss: training.finalLoss, samples };
      });
      const js = fit('js');
      const wasm = fit('wasm');
      const wasm2 = fit('wasm');
      expect(Array.from(wasm.params)).toEqual(Array.from(wasm2.params)); // same seed, same backend → same model
      expect(maxRelError(js.params, wasm.params)).toBeLessThan(1e-9);
      expect(Array.from(wasm.params)).toEqual(Array.from(js.params));
      expect(wasm.loss).toBe(js.loss);
      expect(Array.from(wasm.samples)).toEqual(Array.from(js.samples));
    }
  }, 120000);
});
