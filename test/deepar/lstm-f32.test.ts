/**
 * The fused single-precision engine ('f32', runtime/lstm-f32.ts + wasm/lstm32.wasm) against the float64
 * JS reference ('js'). Stated tolerance: forward outputs and gradients within 1e-5 of the largest
 * magnitude of the reference array (f32 carries ~6e-8 relative per operation; measured ~2e-7 here), one
 * training epoch's loss within 1e-4 relative, and forecasts drawn from the same Rng within 1e-3 relative.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitDeepAR } from '../../src/deepar/estimator';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';
import { kernelBackend, type KernelBackend } from '../../src/deepar/kernels';
import { DeepARNetwork, type NetworkSpec } from '../../src/deepar/network';
import { DeepARPredictor } from '../../src/deepar/predictor';
import { Rng } from '../../src/deepar/rng';
import '../../src/deepar/runtime'; // installs the WebAssembly kernels, the fused engine and the helper thread
import { LSTM32_PATH } from '../../src/deepar/runtime/lstm-f32';
import { seasonalSeries, START, START_MS, tinyHyperparameters, withBackend } from './mothers';

const ROOT = join(__dirname, '..', '..');
const TOLERANCE = 1e-5;

/** max |ref − got| / max(1e-12, max |ref|): the error relative to the array's scale. */
function scaledError(ref: Float64Array, got: Float64Array): number {
  let e = 0, m = 0;
  for (let i = 0; i < ref.length; i++) {
    e = Math.max(e, Math.abs(ref[i] - got[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return e / Math.max(1e-12, m);
}

describe('The fused f32 engine', () => {
  it('is the default backend of the runtime unless DEEPAR_KERNELS says otherwise', () => {
    expect(kernelBackend()).toBe(process.env.DEEPAR_KERNELS === 'js' || process.env.DEEPAR_KERNELS === 'wasm' ? process.env.DEEPAR_KERNELS : 'f32');
  });

  it.each([
    { name: '2 layers, a category, dropout', spec: { numLayers: 2, cardinalities: [3], dropoutRate: 0.2 }, T: 30, B: 6 },
    { name: '1 layer, no category, 1 step', spec: { numLayers: 1, cardinalities: [], dropoutRate: 0 }, T: 1, B: 5 },
    { name: '3 layers, two categories, odd batch', spec: { numLayers: 3, cardinalities: [2, 5], dropoutRate: 0.1 }, T: 9, B: 7 },
  ])('gives the float64 reference\'s outputs and gradients within the tolerance: $name', ({ spec, T, B }) => {
    // Prepare
    const full: NetworkSpec = { inputSize: 7, numCells: 12, numOutputs: 3, embeddingDimension: 2, ...spec };
    const run = (b: KernelBackend) => withBackend(b, () => {
      const net = new DeepARNetwork(full);
      const rng = new Rng(21);
      net.initialize(rng);
      const x = Float64Array.from({ length: T * B * full.inputSize }, () => rng.normal());
      const cats = Int32Array.from({ length: B * full.cardinalities.length }, (_, i) => i % 2);
      // Act
      const out = net.forward(T, B, x, cats, new Rng(4)).slice();
      const dOut = Float64Array.from({ length: out.length }, () => rng.normal());
      net.grads.fill(0);
      net.backward(dOut, cats);
      return { out, grads: net.grads.slice(), fused: net.fusedEngine() !== null };
    });
    const ref = run('js');
    const f32 = run('f32');
    // Assess
    expect(ref.fused).toBe(false);
    expect(f32.fused).toBe(true);
    expect(scaledError(ref.out, f32.out)).toBeLessThan(TOLERANCE);
    expect(scaledError(ref.grads, f32.grads)).toBeLessThan(TOLERANCE);
    expect(Array.from(f32.out)).not.toEqual(Array.from(ref.out)); // really single precision, not the f64 path
  });

  it('runs sizes it cannot fuse (numCells not a multiple of 4) on the float64 path', () => {
    const net = withBackend('f32', () => new DeepARNetwork({ inputSize: 3, numCells: 6, numLayers: 1, numOutputs: 2, cardinalities: [], embeddingDimension: 1, dropoutRate: 0 }));
    expect(withBackend('f32', () => net.fusedEngine())).toBeNull();
  });

  it('trains an epoch to the reference\'s loss and forecasts alike; the same seed gives the same model (1 and 2 threads)', () => {
    // Prepare
    const train = [{ start: START, startMs: START_MS, target: seasonalSeries(24 * 20) }];
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '1', num_layers: '2' }));
    for (const threads of [1, 2]) {
      const fit = (b: KernelBackend) => withBackend(b, () => {
        const { model, training } = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 6, threads });
        const predictor = new DeepARPredictor(model);
        const samples = predictor.sample({ startMs: START_MS, target: train[0].target }, 20, new Rng(2));
        const mean = predictor.summarize(samples, 20, [0.5]).mean;
        return { params: model.network.params, loss: training.finalLoss, mean: Float64Array.from(mean) };
      });
      // Act
      const ref = fit('js');
      const a = fit('f32');
      const b = fit('f32');
      // Assess
      expect(Array.from(a.params)).toEqual(Array.from(b.params));
      expect(a.loss).toBe(b.loss);
      expect(Math.abs(a.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
      expect(scaledError(ref.params, a.params)).toBeLessThan(1e-4);
      expect(scaledError(ref.mean, a.mean)).toBeLessThan(1e-3);
    }
  }, 60000);

  it('approximates sigmoid within 1.0e-7 and tanh within 2.0e-7 (absolute) over [-30, 30], exactly 0.5 and 0 at 0', () => {
    // Prepare: the module's own cell functions over a dense grid (every 1e-4, plus 0)
    const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(LSTM32_PATH)), {}).exports as unknown as {
      memory: WebAssembly.Memory; sigmoidInto(n: number, src: number, dst: number): void; tanhInto(n: number, src: number, dst: number): void;
    };
    const n = 600_004;
    const base = ex.memory.buffer.byteLength;
    ex.memory.grow(Math.ceil((3 * n * 4) / 65536));
    const heap = new Float32Array(ex.memory.buffer);
    const x = heap.subarray(base / 4, base / 4 + n);
    for (let i = 0; i < n - 4; i++) x[i] = -30 + i * 1e-4;
    x.fill(0, n - 4);
    // Act
    ex.sigmoidInto(n, base, base + 4 * n);
    ex.tanhInto(n, base, base + 8 * n);
    const sig = heap.subarray(base / 4 + n, base / 4 + 2 * n);
    const th = heap.subarray(base / 4 + 2 * n, base / 4 + 3 * n);
    // Assess
    let sigError = 0, tanhError = 0;
    for (let i = 0; i < n; i++) {
      sigError = Math.max(sigError, Math.abs(sig[i] - 1 / (1 + Math.exp(-x[i]))));
      tanhError = Math.max(tanhError, Math.abs(th[i] - Math.tanh(x[i])));
    }
    expect(sigError).toBeLessThan(1.0e-7);
    expect(tanhError).toBeLessThan(2.0e-7);
    expect(sig[n - 1]).toBe(0.5);
    expect(th[n - 1]).toBe(0);
  });

  it('the committed lstm32.wasm is what `npm run build:wasm` builds from lstm32.as.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepar-wasm-'));
    try {
      const out = join(dir, 'lstm32.wasm');
      execFileSync(process.execPath, [join(ROOT, 'src/deepar/wasm/build.mjs'), '--module', 'lstm32', '--out', out], { cwd: ROOT, stdio: 'pipe' });
      expect(Buffer.compare(readFileSync(out), readFileSync(LSTM32_PATH))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);
});
