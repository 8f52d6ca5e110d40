/**
 * The twin's EventBridge schedule: `rate(1 hour)` on the twin's clock. With `--speed N` the hours pass
 * N times faster, so monitoring, drift and retraining can be watched in minutes.
 */
import type { Clock } from './clock';

const HOUR = 3_600_000;

/** Calls `tick` at every whole hour of the clock until aborted; a tick's failure is reported, not fatal. */
export async function everyHour(clock: Clock, signal: AbortSignal, tick: (at: Date) => Promise<void>, onError: (error: unknown) => void): Promise<void> {
  let next = Math.floor(clock.now() / HOUR) * HOUR + HOUR;
  while (!signal.aborted) {
    try {
      await clock.sleepUntil(next, signal);
    } catch {
      return; // aborted
    }
    try {
      await tick(new Date(next));
    } catch (error) {
      onError(error);
    }
    // A slow tick on a fast clock skips the hours it overran, as a schedule does not queue up.
    next = Math.max(next + HOUR, Math.floor(clock.now() / HOUR) * HOUR + HOUR);
  }
}
