/**
 * Helper thread of data-parallel training: it owns a second DeepARNetwork over the same shared
 * parameters and, whenever the training loop opens a mini-batch, claims and computes chunks of it until
 * none is left (protocol: gradient-helper-thread.ts's CTRL). A claim says which batch it belongs to, so
 * a claim that lands after the loop opened the next batch computes a chunk of that batch, correctly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type BatchBuffers, chunkGradient } from '../batch-gradient';
import type { LikelihoodName } from '../hyperparameters';
import { type KernelBackend, setKernelBackend } from '../kernels';
import { LIKELIHOOD_BY_NAME } from '../likelihoods';
import { DeepARNetwork, type NetworkSpec } from '../network';
import { CHUNK_BITS, CTRL } from './gradient-helper-thread';
import { installWasmKernels } from './kernels-wasm';

export interface GradientWorkerData {
  backend: KernelBackend;
  spec: NetworkSpec;
  likelihood: LikelihoodName;
  T: number;
  params: Float64Array;
  seed: number;
  chunkRows: number[];
  chunks: BatchBuffers[];
  chunkGrads: Float64Array[];
  chunkLoss: Float64Array;
  ctrl: Int32Array;
  scalars: Float64Array;
}

if (parentPort) {
  installWasmKernels();
  const d = workerData as GradientWorkerData;
  setKernelBackend(d.backend);
  const net = new DeepARNetwork(d.spec, { params: d.params });
  const likelihood = LIKELIHOOD_BY_NAME[d.likelihood];
  const { ctrl, scalars, chunkRows } = d;
  Atomics.store(ctrl, CTRL.ready, 1);
  Atomics.notify(ctrl, CTRL.ready);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.batch, seen);
    const batch = Atomics.load(ctrl, CTRL.batch);
    if (batch < 0) break;
    seen = batch;
    try {
      for (;;) {
        const v = Atomics.add(ctrl, CTRL.next, 1);
        const c = v & ((1 << CHUNK_BITS) - 1);
        if (c >= chunkRows.length) break;
        const of = v >>> CHUNK_BITS;
        chunkGradient(net, likelihood, d.T, chunkRows[c], d.chunks[c], scalars[0], d.seed, of, c, d.chunkGrads[c], d.chunkLoss);
        Atomics.store(ctrl, CTRL.done + c, of);
        Atomics.notify(ctrl, CTRL.done + c);
      }
    } catch (e) {
      Atomics.store(ctrl, CTRL.error, 1);
      for (let c = 0; c < chunkRows.length; c++) Atomics.notify(ctrl, CTRL.done + c);
      parentPort.postMessage(String((e as Error).stack ?? e));
    }
  }
}
