/**
 * The endpoints' inference off the event loop: one worker thread per core, each holding the served models,
 * each answering one invocation at a time. Requests wait in one FIFO queue, bounded: beyond it `run` refuses
 * at once (the endpoint answers 503 with Retry-After) instead of letting latency grow without limit.
 *
 * Which model answers is fixed when a request is queued (its key and directory travel with it), so a swap
 * never splits a request between two models.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PipelineError } from '../../src/core/errors';
import { badBody, EndpointInvocationError, type ValidInvocationBody } from './endpoint-request';

export interface InferencePoolOptions {
  /** Worker threads; default the machine's cores. */
  size?: number;
  /** Requests that may wait for a worker; default 256 (four times 64 concurrent clients). */
  maxQueued?: number;
}

interface Job {
  key: string;
  dir: string;
  body: ValidInvocationBody;
  seed: number;
  resolve(result: { predictions: unknown[] }): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  busy?: Job;
  /** Whether it has answered a message: a worker that dies before it ever did is not replaced in a loop. */
  answered?: boolean;
}

type Reply = { id: number; result?: { predictions: unknown[] }; refused?: { message: string; field: string }; error?: { name: string; message: string } };

/** Thrown by `run` when the queue is full. */
export class InferenceQueueFullError extends PipelineError {
  override readonly name = 'InferenceQueueFullError' as const;
  constructor(readonly queued: number) {
    super(`${queued} requests are waiting already`);
  }
}

export class InferencePool {
  readonly size: number;
  readonly maxQueued: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  /** Messages waiting for their worker's reply, by id. */
  private readonly pending = new Map<number, { worker: Worker; resolve(reply: Reply): void; reject(error: unknown): void }>();
  /** Models preloaded and not released: workers keep them between requests. */
  private readonly live = new Set<string>();
  private nextId = 0;
  private closed = false;

  constructor(options: InferencePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.maxQueued = options.maxQueued ?? 256;
  }

  /** Loads a model in every worker (starting them if needed); rejects with the load's error. */
  async preload(key: string, dir: string): Promise<void> {
    this.start();
    this.live.add(key);
    const replies = await Promise.all(this.slots.map((slot) => this.send(slot.worker, { type: 'load', key, dir })));
    const failed = replies.find((r) => r.error);
    if (failed?.error) throw Object.assign(new Error(failed.error.message), { name: failed.error.name });
  }

  /** One invocation on the first free worker, or queued; InferenceQueueFullError when the queue is full. */
  run(key: string, dir: string, body: ValidInvocationBody, seed: number): Promise<{ predictions: unknown[] }> {
    this.start();
    const free = this.slots.find((s) => !s.busy);
    if (!free && this.queue.length >= this.maxQueued) return Promise.reject(new InferenceQueueFullError(this.queue.length));
    return new Promise((resolve, reject) => {
      const job: Job = { key, dir, body, seed, resolve, reject };
      if (free) this.dispatch(free, job);
      else this.queue.push(job);
    });
  }

  /** The model no longer serves: workers drop it (requests already queued for it still finish with it). */
  release(key: string): void {
    this.live.delete(key);
    for (const slot of this.slots) slot.worker.postMessage({ type: 'release', key });
  }

  /** The worker threads now serving (a dead one is replaced): what a test kills to see the pool recover. */
  get workers(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /** Ends the workers; whatever is queued or running is refused. */
  async close(): Promise<void> {
    this.closed = true;
    const refused = new Error('the endpoint runtime is closed');
    for (const job of this.queue.splice(0)) job.reject(refused);
    for (const p of this.pending.values()) p.reject(refused);
    this.pending.clear();
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private start(): void {
    if (this.closed) throw new Error('the endpoint runtime is closed');
    while (this.slots.length < this.size) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // TypeScript runs in the worker through tsx's loader, as the training worker does.
    const worker = new Worker(join(__dirname, 'inference-worker.ts'), { execArgv: ['--require', 'tsx/cjs'] });
    worker.unref(); // a twin that forgets to close must still be able to exit
    const slot: Slot = { worker };
    worker.on('message', (reply: Reply) => {
      slot.answered = true;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiting?.resolve(reply);
    });
    worker.on('error', (e) => this.lose(slot, e.message));
    worker.on('exit', (code) => this.lose(slot, `it exited with code ${code}`));
    return slot;
  }

  /**
   * A worker died (a crash, or it was terminated): the request it was answering fails at once with a 503 the
   * client may retry, and a new worker takes its place (loading models as requests need them). One that died
   * before it ever answered is replaced by the next request instead, so a worker that cannot start does not
   * restart in a loop; the requests waiting then are refused rather than left hanging.
   */
  private lose(slot: Slot, why: string): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    const error = workerLost(why);
    slot.busy?.reject(error);
    slot.busy = undefined;
    for (const [id, waiting] of this.pending) {
      if (waiting.worker !== slot.worker) continue;
      this.pending.delete(id);
      waiting.reject(error);
    }
    if (this.closed) return;
    if (!slot.answered) {
      if (this.slots.length === 0) for (const job of this.queue.splice(0)) job.reject(error);
      return;
    }
    const replacement = this.spawn();
    this.slots.push(replacement);
    const next = this.queue.shift();
    if (next) this.dispatch(replacement, next);
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.busy = job;
    const { key, dir, body, seed } = job;
    this.send(slot.worker, { type: 'predict', key, dir, keep: this.live.has(key), body, seed }).then(
      (reply) => {
        if (slot.busy !== job) return; // the worker was lost meanwhile: already rejected
        slot.busy = undefined;
        if (reply.result) job.resolve(reply.result);
        else if (reply.refused) job.reject(badBody(reply.refused.message, reply.refused.field));
        else job.reject(Object.assign(new Error(reply.error?.message ?? 'inference failed'), { name: reply.error?.name ?? 'Error' }));
        const next = this.queue.shift();
        if (next && this.slots.includes(slot)) this.dispatch(slot, next);
      },
      (e) => job.reject(e),
    );
  }

  private send(worker: Worker, message: Record<string, unknown>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }
}

/** SageMaker Runtime's ServiceUnavailable ("Try your call again"): the worker is gone, a retry finds another. */
function workerLost(why: string): EndpointInvocationError {
  return new EndpointInvocationError(
    'ServiceUnavailable',
    `The inference worker answering this request stopped (${why}); another takes its place. Try your call again.`,
    503,
    undefined,
    { retryAfterSeconds: 1 },
  );
}
