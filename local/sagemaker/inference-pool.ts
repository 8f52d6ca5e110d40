/**
 * The endpoints' inference off the event loop: one worker thread per core, each holding the served models.
 * Requests wait in one FIFO queue, bounded by requests and by the wait it promises: a request that would wait
 * longer than `maxQueueWaitMs` (estimated from what is queued, at the cost per sample path the workers have
 * measured lately), or that arrives while the request at the head of the queue has already waited that long,
 * is refused at once (the endpoint answers 503 with Retry-After), as is one beyond `maxQueued` requests,
 * instead of letting latency grow to seconds when clients send more than the machine answers (a busy machine
 * answers fewer, so a bound in time holds where a bound in requests would not; the head's wait catches a
 * machine that slowed down faster than the estimate).
 *
 * Dynamic batching: a worker that comes free takes the request at the head of the queue and, with it, the
 * requests queued behind it for the same model, up to a batch bound, and answers them in one message (one
 * pass of the model over all their instances). Each request still gets its own answer or its own error, and
 * its answer does not depend on its batch-mates (src/deepar/inference.ts, endpointPredictBatch). No request
 * waits for a batch to fill: a free worker takes what is queued now.
 *
 * Which model answers is fixed when a request is queued (its key and directory travel with it) and a batch
 * holds one model's requests only, so a swap never splits a request, or a batch, between two models.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PipelineError } from '../../src/core/errors';
import { DEFAULT_INFERENCE_CONFIG } from '../../src/deepar/inference';
import { badBody, EndpointInvocationError, type ValidInvocationBody } from './endpoint-request';

/** The pool's bounds; README ("Endpoints") and docs/serving.md explain them. */
export const INFERENCE_POOL_DEFAULTS = {
  /** Requests that may wait for a worker (four times 64 concurrent clients). */
  maxQueued: 256,
  /** The longest a request is told to wait: beyond this estimated wait it is refused (503). */
  maxQueueWaitMs: 1_000,
  /**
   * The cost of one sample path (30 steps of the default 2x40 network) until the workers have measured theirs:
   * ~80 us on one core here, rounded up.
   */
  initialMsPerPath: 0.1,
  /** Requests one worker answers in one batch. */
  maxBatchRequests: 8,
  /** Sample paths in one batch (a request bigger than that is answered alone). */
  maxBatchPaths: 3_200,
} as const;

export interface InferencePoolOptions {
  /** Worker threads; default the machine's cores. */
  size?: number;
  maxQueued?: number;
  maxQueueWaitMs?: number;
  initialMsPerPath?: number;
  maxBatchRequests?: number;
  maxBatchPaths?: number;
}

interface Job {
  key: string;
  dir: string;
  body: ValidInvocationBody;
  seed: number;
  /** Its work in sample paths: instances x num_samples. */
  paths: number;
  /** When it was queued (performance.now()). */
  queuedAt: number;
  /** Its worker died answering it in a batch: it is tried once more alone, so one poisonous request fails alone. */
  alone?: boolean;
  resolve(result: { predictions: unknown[] }): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  /** The batch it is answering. */
  busy?: Job[];
  /** Whether it has answered a message: a worker that dies before it ever did is not replaced in a loop. */
  answered?: boolean;
}

type Answer = { result?: { predictions: unknown[] }; refused?: { message: string; field: string }; error?: { name: string; message: string } };
type Reply = { id: number; answers?: Answer[]; ms?: number; error?: { name: string; message: string } };

/** Thrown by `run` when the queue is full. */
export class InferenceQueueFullError extends PipelineError {
  override readonly name = 'InferenceQueueFullError' as const;
  constructor(
    readonly queued: number,
    /** The wait the queue holds now, estimated: what Retry-After tells the client. */
    readonly estimatedWaitMs: number,
  ) {
    super(`${queued} requests are waiting already (about ${Math.ceil(estimatedWaitMs)} ms of work)`);
  }
}

/** A request's work in sample paths; a num_samples DeepAR will refuse counts as the default. */
function pathsOf(body: ValidInvocationBody): number {
  const n = Number((body.configuration as { num_samples?: unknown } | undefined)?.num_samples);
  return body.instances.length * (Number.isInteger(n) && n >= 1 ? n : DEFAULT_INFERENCE_CONFIG.numSamples);
}

export class InferencePool {
  readonly size: number;
  readonly maxQueued: number;
  readonly maxQueueWaitMs: number;
  readonly maxBatchRequests: number;
  readonly maxBatchPaths: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private queuedPaths = 0;
  /**
   * Milliseconds a worker spent per sample path in its last batches (the median of these is the estimate: one
   * slow batch, a first one compiling the model's code, does not refuse requests for a while).
   */
  private readonly msPerPathSeen: number[] = [];
  private readonly initialMsPerPath: number;
  /** Messages waiting for their worker's reply, by id. */
  private readonly pending = new Map<number, { worker: Worker; resolve(reply: Reply): void; reject(error: unknown): void }>();
  /** Models preloaded and not released: workers keep them between requests. */
  private readonly live = new Set<string>();
  /** Requests queued or being answered, by model: a released model stays in the workers until they are done. */
  private readonly outstanding = new Map<string, number>();
  private nextId = 0;
  private closed = false;
  /**
   * What the pool has done so far: batches sent, requests in them, the largest batch, requests refused (queue
   * full), batches timed, the milliseconds the workers spent in inference (their busy time), and requests
   * tried again alone because their batch's worker died.
   */
  readonly stats = { batches: 0, batchedRequests: 0, largestBatch: 0, refused: 0, batchesMeasured: 0, inferenceMs: 0, retriedAlone: 0 };

  constructor(options: InferencePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.maxQueued = options.maxQueued ?? INFERENCE_POOL_DEFAULTS.maxQueued;
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? INFERENCE_POOL_DEFAULTS.maxQueueWaitMs;
    this.initialMsPerPath = options.initialMsPerPath ?? INFERENCE_POOL_DEFAULTS.initialMsPerPath;
    this.maxBatchRequests = Math.max(1, options.maxBatchRequests ?? INFERENCE_POOL_DEFAULTS.maxBatchRequests);
    this.maxBatchPaths = options.maxBatchPaths ?? INFERENCE_POOL_DEFAULTS.maxBatchPaths;
  }

  /** Loads a model in every worker (starting them if needed); rejects with the load's error. */
  async preload(key: string, dir: string): Promise<void> {
    this.start();
    this.live.add(key);
    const replies = await Promise.all(this.slots.map((slot) => this.send(slot.worker, { type: 'load', key, dir })));
    const failed = replies.find((r) => r.error);
    if (failed?.error) throw Object.assign(new Error(failed.error.message), { name: failed.error.name });
  }

  /**
   * One invocation on the first free worker, or queued (answered in a batch with the requests of the same
   * model queued with it); InferenceQueueFullError when the queue is full. A request whose own work is beyond
   * the wait bound is still queued when nothing else waits: it is refused for the others, not for its size.
   */
  run(key: string, dir: string, body: ValidInvocationBody, seed: number): Promise<{ predictions: unknown[] }> {
    this.start();
    const paths = pathsOf(body);
    const free = this.slots.find((s) => !s.busy);
    const now = performance.now();
    if (!free && this.queue.length > 0) {
      const headWaitedMs = now - this.queue[0].queuedAt;
      const full = this.queue.length >= this.maxQueued || this.waitMs(this.queuedPaths + paths) > this.maxQueueWaitMs || headWaitedMs > this.maxQueueWaitMs;
      if (full) {
        this.stats.refused++;
        return Promise.reject(new InferenceQueueFullError(this.queue.length, Math.max(this.waitMs(this.queuedPaths), headWaitedMs)));
      }
    }
    return new Promise((resolve, reject) => {
      const job: Job = { key, dir, body, seed, paths, queuedAt: now, resolve, reject };
      this.outstanding.set(key, (this.outstanding.get(key) ?? 0) + 1);
      if (free) this.dispatch(free, [job]);
      else {
        this.queue.push(job);
        this.queuedPaths += paths;
      }
    });
  }

  /** How long `paths` sample paths waiting in the queue take the workers, at the cost they measured lately. */
  waitMs(paths: number): number {
    const seen = [...this.msPerPathSeen].sort((a, b) => a - b);
    const msPerPath = seen.length === 0 ? this.initialMsPerPath : seen[Math.floor(seen.length / 2)];
    return (paths * msPerPath) / this.size;
  }

  /** The model no longer serves: workers drop it once the requests queued for it have been answered. */
  release(key: string): void {
    this.live.delete(key);
    if (!this.outstanding.get(key)) this.dropEverywhere(key);
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
    this.queuedPaths = 0;
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
   * A worker died (a crash, or it was terminated): a request it was answering alone fails at once with a 503
   * the client may retry; the requests of a batch are each tried once more alone, at the head of the queue
   * (which of them killed it is unknown: only that one should fail). A new worker takes its place (loading
   * models as requests need them). One that died before it ever answered is replaced by the next request
   * instead, so a worker that cannot start does not restart in a loop; the requests waiting then are refused
   * rather than left hanging.
   */
  private lose(slot: Slot, why: string): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    const error = workerLost(why);
    const batch = slot.busy ?? [];
    slot.busy = undefined;
    if (batch.length > 1 && !this.closed) {
      // Requeued as new: their first wait must not count against the queue's bound for newcomers.
      const now = performance.now();
      for (const job of batch) Object.assign(job, { alone: true, queuedAt: now });
      this.stats.retriedAlone += batch.length;
      this.queue.unshift(...batch);
      this.queuedPaths += batch.reduce((sum, job) => sum + job.paths, 0);
    } else for (const job of batch) this.settle(job, () => job.reject(error));
    for (const [id, waiting] of this.pending) {
      if (waiting.worker !== slot.worker) continue;
      this.pending.delete(id);
      waiting.reject(error);
    }
    if (this.closed) return;
    // A worker killed by a request tried alone did start: that request is the poison, not the worker.
    const killedByRetry = batch.length === 1 && batch[0].alone === true;
    if (!slot.answered && !killedByRetry) {
      if (this.slots.length === 0) for (const job of this.takeQueued(this.queue.length)) this.settle(job, () => job.reject(error));
      else this.dispatchIdle();
      return;
    }
    this.slots.push(this.spawn());
    this.dispatchIdle();
  }

  /** Every idle worker takes the next batch: requests requeued after a death must not wait for new traffic. */
  private dispatchIdle(): void {
    for (const slot of this.slots) if (!slot.busy) this.dispatchNext(slot);
  }

  /** The head of the queue and the requests for the same model queued behind it, within the batch bounds. */
  private nextBatch(): Job[] {
    const head = this.queue[0];
    if (!head) return [];
    const batch: Job[] = [];
    let paths = 0;
    this.queue.forEach((job, i) => {
      const fits = i === 0 || (!head.alone && !job.alone && job.key === head.key && batch.length < this.maxBatchRequests && paths + job.paths <= this.maxBatchPaths);
      if (!fits) return;
      batch.push(job);
      paths += job.paths;
    });
    const taken = new Set(batch);
    const rest = this.queue.filter((job) => !taken.has(job));
    this.queue.splice(0, this.queue.length, ...rest);
    this.queuedPaths -= paths;
    return batch;
  }

  private takeQueued(n: number): Job[] {
    const jobs = this.queue.splice(0, n);
    for (const job of jobs) this.queuedPaths -= job.paths;
    return jobs;
  }

  private dispatchNext(slot: Slot): void {
    const batch = this.nextBatch();
    if (batch.length > 0) this.dispatch(slot, batch);
  }

  private dispatch(slot: Slot, batch: Job[]): void {
    slot.busy = batch;
    this.stats.batches++;
    this.stats.batchedRequests += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    const { key, dir } = batch[0];
    const requests = batch.map(({ body, seed }) => ({ body, seed }));
    this.send(slot.worker, { type: 'predict', key, dir, keep: this.live.has(key), requests }).then(
      (reply) => {
        if (slot.busy !== batch) return; // the worker was lost meanwhile: already rejected
        slot.busy = undefined;
        if (reply.ms !== undefined) {
          this.stats.inferenceMs += reply.ms;
          this.measured(reply.ms, batch, reply);
        }
        // The worker's next batch first, then this one's answers: it computes while this thread writes them.
        if (this.slots.includes(slot)) this.dispatchNext(slot);
        batch.forEach((job, i) => this.settle(job, () => answer(job, reply, i)));
      },
      (e) => {
        if (slot.busy !== batch) return; // the worker was lost: its batch was refused already
        slot.busy = undefined;
        batch.forEach((job) => this.settle(job, () => job.reject(e)));
      },
    );
  }

  /** A batch's inference took `ms` in its worker: kept among the last 15 measures (refused bodies cost ~nothing: a batch of them is not). */
  private measured(ms: number, batch: Job[], reply: Reply): void {
    const paths = batch.reduce((sum, job, i) => sum + (reply.answers?.[i]?.result ? job.paths : 0), 0);
    if (paths === 0) return;
    this.stats.batchesMeasured++;
    this.msPerPathSeen.push(ms / paths);
    if (this.msPerPathSeen.length > 15) this.msPerPathSeen.shift();
  }

  /** Ends a request (once), and lets the workers drop its model if it was released and this was its last request. */
  private settle(job: Job, end: () => void): void {
    end();
    const left = (this.outstanding.get(job.key) ?? 1) - 1;
    if (left > 0) {
      this.outstanding.set(job.key, left);
      return;
    }
    this.outstanding.delete(job.key);
    if (!this.live.has(job.key) && !this.closed) this.dropEverywhere(job.key);
  }

  private dropEverywhere(key: string): void {
    for (const slot of this.slots) slot.worker.postMessage({ type: 'release', key });
  }

  private send(worker: Worker, message: Record<string, unknown>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }
}

/** One request's answer from its batch's reply: its predictions, its own refusal, or the batch's error. */
function answer(job: Job, reply: Reply, i: number): void {
  const own = reply.answers?.[i];
  if (own?.result) job.resolve(own.result);
  else if (own?.refused) job.reject(badBody(own.refused.message, own.refused.field));
  else {
    const error = own?.error ?? reply.error;
    job.reject(Object.assign(new Error(error?.message ?? 'inference failed'), { name: error?.name ?? 'Error' }));
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
