/**
 * The training loop's side of a helper thread (see gradient-worker.ts), the runtime's GradientHelper.
 * Synchronous: `start` opens a mini-batch's chunks to both threads, `claim` hands out the next chunk
 * (one atomic add on a counter both threads share), `finish` blocks (Atomics.wait) until the helper's
 * chunks are computed, so the training loop stays a plain function while two cores work.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocateBatch, type BatchBuffers } from '../batch-gradient';
import type { GradientHelper } from '../gradient-helper';
import type { LikelihoodName } from '../hyperparameters';
import { kernelBackend } from '../kernels';
import type { NetworkSpec } from '../network';

/**
 * Layout of the shared Int32Array `ctrl`: the open batch number (−1 = stop), the chunk counter
 * (batch << CHUNK_BITS | next chunk: one atomic add claims a chunk and says of which batch), the
 * ready flag, the error flag, then per chunk the number of the batch it was last computed for.
 */
export const CTRL = { batch: 0, next: 1, ready: 2, error: 3, done: 4 } as const;
export const CHUNK_BITS = 8;

export class GradientHelperThread implements GradientHelper {
  readonly chunks: BatchBuffers[];
  readonly chunkGrads: Float64Array[];
  readonly chunkLoss: Float64Array;
  private readonly ctrl: Int32Array;
  private readonly scalars = new Float64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private batch = 0;

  constructor(spec: NetworkSpec, likelihood: LikelihoodName, params: Float64Array, T: number, private readonly chunkRows: readonly number[], seed: number) {
    const n = chunkRows.length;
    this.ctrl = new Int32Array(new SharedArrayBuffer((CTRL.done + n) * 4));
    this.chunks = chunkRows.map((rows) => allocateBatch(T, rows, spec.inputSize, spec.numOutputs, spec.cardinalities.length, true));
    this.chunkGrads = chunkRows.map(() => new Float64Array(new SharedArrayBuffer(params.length * 8)));
    this.chunkLoss = new Float64Array(new SharedArrayBuffer(n * 8));
    this.worker = new Worker(join(__dirname, 'gradient-worker.ts'), {
      workerData: {
        // the helper computes exactly as this thread does: a chunk's gradient must not depend on the thread
        backend: kernelBackend(), spec, likelihood, T, params, seed, chunkRows, chunks: this.chunks, chunkGrads: this.chunkGrads, chunkLoss: this.chunkLoss,
        ctrl: this.ctrl, scalars: this.scalars,
      },
      execArgv: ['--require', 'tsx/cjs'],
    });
    this.worker.unref();
    if (Atomics.wait(this.ctrl, CTRL.ready, 0, 60000) === 'timed-out') {
      void this.worker.terminate();
      throw new Error('the gradient helper thread did not start within 60 s');
    }
  }

  start(batch: number, weight: number): void {
    if (!(batch >= 1 && batch < 1 << 20)) throw new RangeError(`batch number ${batch} out of 1…2^20 (it shares the chunk counter's 32 bits)`);
    this.batch = batch;
    this.scalars[0] = weight;
    Atomics.store(this.ctrl, CTRL.next, this.batch << CHUNK_BITS);
    Atomics.store(this.ctrl, CTRL.batch, this.batch);
    Atomics.notify(this.ctrl, CTRL.batch);
  }

  claim(): number {
    const c = Atomics.add(this.ctrl, CTRL.next, 1) & ((1 << CHUNK_BITS) - 1);
    return c < this.chunkRows.length ? c : -1;
  }

  done(c: number): void {
    Atomics.store(this.ctrl, CTRL.done + c, this.batch);
  }

  finish(): void {
    const deadline = Date.now() + 600000;
    for (let c = 0; c < this.chunkRows.length; c++) {
      const at = CTRL.done + c;
      while (Atomics.load(this.ctrl, at) !== this.batch) {
        if (Atomics.load(this.ctrl, CTRL.error)) throw new Error('the gradient helper thread failed');
        if (Date.now() > deadline) throw new Error('the gradient helper thread did not answer within 10 minutes');
        Atomics.wait(this.ctrl, at, Atomics.load(this.ctrl, at), 1000);
      }
    }
  }

  close(): void {
    Atomics.store(this.ctrl, CTRL.batch, -1);
    Atomics.notify(this.ctrl, CTRL.batch);
    void this.worker.terminate();
  }
}
