/**
 * The twin's clock. It runs in real time by default and `speed` times faster when asked, starting at a
 * chosen instant of the replayed history, so ingestion, schedules and monitoring all share one notion
 * of "now" and can be accelerated together.
 */
export interface Clock {
  readonly speed: number;
  /** Virtual epoch ms. */
  now(): number;
  /** Resolves when the virtual clock reaches `time` (at once if it has), or rejects when aborted. */
  sleepUntil(time: number, signal?: AbortSignal): Promise<void>;
}

export class ScaledClock implements Clock {
  private readonly realStart: number;

  constructor(
    private readonly virtualStart: number,
    readonly speed = 1,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`clock speed must be a positive number, not ${speed}`);
    this.realStart = realNow();
  }

  now(): number {
    return this.virtualStart + (this.realNow() - this.realStart) * this.speed;
  }

  sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const wait = Math.max(0, (time - this.now()) / this.speed);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
