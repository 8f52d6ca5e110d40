/**
 * What the runtime gives the pure model, once per thread: the WebAssembly kernels and a helper thread
 * for two-thread training. The model runs without them (JS kernels, one thread), only slower.
 */
import { installGradientHelper } from '../gradient-helper';
import { GradientHelperThread } from './gradient-helper-thread';
import { installWasmKernels } from './kernels-wasm';

export function installAccelerators(): void {
  installWasmKernels();
  installGradientHelper((spec, likelihood, params, T, chunkRows, seed) => new GradientHelperThread(spec, likelihood, params, T, chunkRows, seed));
}
