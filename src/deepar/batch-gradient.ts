/**
 * One mini-batch's loss and gradient: teacher-forced forward, masked NLL, backward. Shared by the
 * training loop and its helper thread (gradient-worker.ts), which each run it on part of the batch.
 */
import type { Likelihood } from './likelihoods';
import type { DeepARNetwork } from './network';
import { Rng } from './rng';

/** Inputs of B windows over T steps. */
export interface BatchBuffers {
  /** shape: [T·B, inputSize], time-major */
  x: Float64Array;
  /** Unscaled targets. shape: [T·B] */
  y: Float64Array;
  /** 1 where observed. shape: [T·B] */
  obs: Float64Array;
  /** shape: [B] */
  scales: Float64Array;
  /** shape: [B, numCat] */
  cats: Int32Array;
  /** shape: [T·B, numOutputs] (workspace) */
  dOut: Float64Array;
}

/**
 * Forward, NLL of the observed targets times `weight` (1 / observed count of the whole batch),
 * and backward into net.grads (overwritten). Returns the weighted loss sum.
 */
export function batchGradient(
  net: DeepARNetwork, likelihood: Likelihood, T: number, B: number, b: BatchBuffers, weight: number, dropoutRng: Rng | null,
): number {
  const K = likelihood.numParams;
  const out = net.forward(T, B, b.x, b.cats, dropoutRng);
  const dOut = b.dOut;
  dOut.fill(0, 0, T * B * K);
  let loss = 0;
  for (let r = 0; r < T * B; r++) {
    if (!b.obs[r]) continue;
    loss += likelihood.nll(out, r * K, b.y[r], b.scales[r % B], dOut, r * K, weight);
  }
  net.grads.fill(0);
  net.backward(dOut.subarray(0, T * B * K), b.cats);
  return loss * weight;
}

/**
 * The gradient of one chunk of a mini-batch (two-thread training, gradient-helper.ts), the same on
 * whichever thread runs it: its dropout stream is seeded from the training seed, the batch number and
 * the chunk number. Writes the gradient into `grads` and the weighted loss into losses[chunk].
 */
export function chunkGradient(
  net: DeepARNetwork, likelihood: Likelihood, T: number, B: number, b: BatchBuffers, weight: number,
  seed: number, batch: number, chunk: number, grads: Float64Array, losses: Float64Array,
): void {
  const dropoutRng = new Rng((seed ^ Math.imul(batch, 0x9e3779b1) ^ Math.imul(chunk + 1, 0x85ebca6b)) >>> 0);
  losses[chunk] = batchGradient(net, likelihood, T, B, b, weight, dropoutRng);
  grads.set(net.grads);
}

export function allocateBatch(T: number, B: number, inputSize: number, numOutputs: number, numCat: number, shared: boolean): BatchBuffers {
  const f = (n: number): Float64Array => (shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
  return {
    x: f(T * B * inputSize), y: f(T * B), obs: f(T * B), scales: f(B),
    cats: shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, B * numCat) * 4)) : new Int32Array(B * numCat),
    dOut: f(T * B * numOutputs),
  };
}
