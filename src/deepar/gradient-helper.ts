/**
 * The port for data-parallel training: a helper that computes gradients of parts of each mini-batch on
 * another core. Threads are the runtime's business (runtime/gradient-helper-thread.ts installs one
 * here); the pure training loop only opens a batch, computes the chunks it claims, and waits for the rest.
 *
 * A mini-batch is cut into a few chunks of windows. Both threads claim chunks one at a time until none
 * is left, so when the other thread is not scheduled (a loaded machine) this one does its share instead
 * of waiting for it. A chunk's gradient depends only on the chunk (its windows, the parameters, and a
 * dropout stream seeded from the batch and chunk numbers), never on which thread computed it, and the
 * chunks are summed in order: the same seed and data give the same model however the chunks were shared.
 */
import type { BatchBuffers } from './batch-gradient';
import type { LikelihoodName } from './hyperparameters';
import type { NetworkSpec } from './network';

export interface GradientHelper {
  /** The chunks of a mini-batch, filled by the training loop before `start`. Chunk c has chunkRows[c] windows. */
  readonly chunks: readonly BatchBuffers[];
  /** Chunk c's gradient (overwritten), ready when `finish` returns. */
  readonly chunkGrads: readonly Float64Array[];
  /** Chunk c's weighted loss, ready when `finish` returns. */
  readonly chunkLoss: Float64Array;
  /** Opens mini-batch number `batch` (1, 2, …) to both threads, its losses weighted by `weight`. */
  start(batch: number, weight: number): void;
  /** The next chunk of the open batch for the calling thread to compute, or −1 when all are taken. */
  claim(): number;
  /** Marks chunk c (claimed by the calling thread) computed. */
  done(c: number): void;
  /** Waits until every chunk of the open batch is computed. */
  finish(): void;
  close(): void;
}

/** Makes a helper over the shared `params` for windows of T steps, the batch cut into chunks of chunkRows windows. */
export type SpawnGradientHelper = (
  spec: NetworkSpec, likelihood: LikelihoodName, params: Float64Array, T: number, chunkRows: readonly number[], seed: number,
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

/** How a mini-batch of B windows is cut for two threads: at most 4 chunks, as even as possible. */
export function chunkRowsOf(B: number): number[] {
  const size = Math.ceil(B / Math.min(4, B));
  const rows: number[] = [];
  for (let left = B; left > 0; left -= size) rows.push(Math.min(size, left));
  return rows;
}
