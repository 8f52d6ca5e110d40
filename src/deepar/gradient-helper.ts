/**
 * The port for data-parallel training: a helper that computes the gradient of a share of each
 * mini-batch on another core. Threads are the runtime's business (runtime/gradient-helper-thread.ts
 * installs one here); the pure training loop only starts a share and waits for its gradient.
 */
import type { BatchBuffers } from './batch-gradient';
import type { LikelihoodName } from './hyperparameters';
import type { NetworkSpec } from './network';

export interface GradientHelper {
  /** The helper's share of the batch, filled by the training loop before `start`. */
  readonly batch: BatchBuffers;
  /** The share's gradient, ready after `finish`. */
  readonly grads: Float64Array;
  /** Starts the gradient of the first B windows of `batch`, weighted by `weight`. */
  start(B: number, weight: number): void;
  /** Waits for the gradient (in `grads`) and returns the weighted loss of the share. */
  finish(): number;
  close(): void;
}

/** Makes a helper over the shared `params` for windows of T steps, at most maxB per share. */
export type SpawnGradientHelper = (
  spec: NetworkSpec, likelihood: LikelihoodName, params: Float64Array, T: number, maxB: number, seed: number,
) => GradientHelper;

let spawn: SpawnGradientHelper | undefined;

/** Called by the runtime: how this thread starts a helper. */
export function installGradientHelper(spawnHelper: SpawnGradientHelper): void {
  spawn = spawnHelper;
}

export function spawnGradientHelper(...args: Parameters<SpawnGradientHelper>): GradientHelper {
  if (!spawn) throw new Error('training on two threads needs the DeepAR runtime (src/deepar/runtime), which provides the helper thread');
  return spawn(...args);
}
