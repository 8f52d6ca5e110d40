/**
 * Helper thread of data-parallel training: it owns a second DeepARNetwork over the same shared
 * parameters and computes the gradient of its share of each mini-batch when the training loop asks.
 * Protocol over a shared Int32Array `ctrl`: [0] request number (−1 = stop), [1] last request done,
 * [2] ready flag, [3] rows B of this share; [4] error flag. Scalars in `scalars`: [0] weight in, [1] loss out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { batchGradient, type BatchBuffers } from '../batch-gradient';
import type { LikelihoodName } from '../hyperparameters';
import { LIKELIHOOD_BY_NAME } from '../likelihoods';
import { DeepARNetwork, type NetworkSpec } from '../network';
import { Rng } from '../rng';
import { installWasmKernels } from './kernels-wasm';

export interface GradientWorkerData {
  spec: NetworkSpec;
  likelihood: LikelihoodName;
  T: number;
  params: Float64Array;
  grads: Float64Array;
  batch: BatchBuffers;
  ctrl: Int32Array;
  scalars: Float64Array;
  seed: number;
}

if (parentPort) {
  installWasmKernels();
  const d = workerData as GradientWorkerData;
  const net = new DeepARNetwork(d.spec, { params: d.params, grads: d.grads });
  const likelihood = LIKELIHOOD_BY_NAME[d.likelihood];
  const rng = new Rng(d.seed);
  const { ctrl, scalars } = d;
  Atomics.store(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, 0, seen);
    const request = Atomics.load(ctrl, 0);
    if (request < 0) break;
    seen = request;
    try {
      scalars[1] = batchGradient(net, likelihood, d.T, Atomics.load(ctrl, 3), d.batch, scalars[0], rng);
    } catch (e) {
      Atomics.store(ctrl, 4, 1);
      parentPort.postMessage(String((e as Error).stack ?? e));
    }
    Atomics.store(ctrl, 1, request);
    Atomics.notify(ctrl, 1);
  }
}
