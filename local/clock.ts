import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../src/core/errors';
import { readHolder } from './lock';

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

  /** What another process needs to compute this clock's now. */
  anchor(): { virtualStart: number; realStart: number; speed: number } {
    return { virtualStart: this.virtualStart, realStart: this.realStart, speed: this.speed };
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

/**
 * The twin's clock as other processes read it. `mlops up` records its clock's anchor in the home when it starts
 * and the instant its clock had reached when it stops cleanly, so `mlops approvals`, `approve` and `reject`,
 * run from another terminal, judge expiry on the replayed time `up` mailed the requests on, not the wall clock.
 */
export const CLOCK_FILE = 'clock.json';

export interface ClockRecord {
  /** The anchor: virtual time = virtualStart + (real time - realStart) * speed, all epoch ms. */
  virtualStart: number;
  realStart: number;
  speed: number;
  /** The `mlops up` that runs this clock. */
  pid: number;
  /** Virtual epoch ms the clock had reached when that `up` stopped cleanly; absent while it runs or after a crash. */
  stoppedAt?: number;
}

export interface TwinNowFacts {
  realNow: number;
  /** Whether the `up` that wrote the record still runs (it holds the home). */
  running: boolean;
  /** The latest minute in the feature store (epoch ms), for a clock whose `up` crashed. */
  latestMinute?: number;
}

/**
 * "The twin's now", by these rules, in order:
 * - no record (a home never served): the wall clock, as before;
 * - the recording `up` runs: the anchor's formula;
 * - it stopped cleanly: the instant it recorded then;
 * - it crashed: the anchor's formula capped at the latest ingested minute + 1 minute (the clock went no further
 *   than ingestion did, give or take the minute being written), or the formula alone if the store is empty.
 */
export function twinNowFrom(record: ClockRecord | undefined, facts: TwinNowFacts): number {
  if (!record) return facts.realNow;
  const byAnchor = record.virtualStart + (facts.realNow - record.realStart) * record.speed;
  if (facts.running) return byAnchor;
  if (record.stoppedAt !== undefined) return record.stoppedAt;
  return facts.latestMinute === undefined ? byAnchor : Math.min(byAnchor, facts.latestMinute + 60_000);
}

/** Written whole then renamed, 0600: a reader never sees half a record, and a crash leaves the previous one. */
export function writeClockRecord(homeDir: string, record: ClockRecord): void {
  const file = join(homeDir, CLOCK_FILE);
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(partial, file);
}

/** The home's clock record; undefined if it has none. A record that is not one is an error naming the file. */
export function readClockRecord(homeDir: string): ClockRecord | undefined {
  const file = join(homeDir, CLOCK_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let record: Partial<ClockRecord>;
  try {
    record = JSON.parse(text) as Partial<ClockRecord>;
  } catch {
    throw new ClockRecordError(`the twin's clock record ${file} is not JSON; start \`mlops up\` again to rewrite it (nothing else is affected)`);
  }
  record ??= {};
  const fields: Array<keyof ClockRecord> = ['virtualStart', 'realStart', 'speed', 'pid', ...(record.stoppedAt === undefined ? [] : ['stoppedAt' as const])];
  const bad = fields.filter((k) => !Number.isFinite(record[k]) || (k === 'speed' && !(record.speed! > 0)));
  if (bad.length > 0) {
    throw new ClockRecordError(`the twin's clock record ${file} has no valid ${bad.join(', ')}; start \`mlops up\` again to rewrite it (nothing else is affected)`);
  }
  return record as ClockRecord;
}

/** Records the start of `up`'s clock in the home. */
export function recordClockStart(homeDir: string, clock: ScaledClock): void {
  writeClockRecord(homeDir, { ...clock.anchor(), pid: process.pid });
}

/** Records where `up`'s clock stopped (a clean stop: Ctrl-C, the end of --once, an error). */
export function recordClockStop(homeDir: string, clock: ScaledClock): void {
  writeClockRecord(homeDir, { ...clock.anchor(), pid: process.pid, stoppedAt: clock.now() });
}

/**
 * The twin's now for a command run beside (or without) `mlops up`. `up` runs if the lock's holder is the
 * process that wrote the record and it is alive (see local/lock.ts: the holder file names it).
 */
export function readTwinNow(homeDir: string, latestMinute: () => number | undefined, realNow = Date.now()): Date {
  const record = readClockRecord(homeDir);
  if (!record) return new Date(realNow);
  const running = record.stoppedAt === undefined && readHolder(homeDir)?.pid === record.pid && isAlive(record.pid);
  return new Date(twinNowFrom(record, { realNow, running, latestMinute: running || record.stoppedAt !== undefined ? undefined : latestMinute() }));
}

/** The home's clock record cannot be read as one. */
export class ClockRecordError extends PipelineError {
  override readonly name = 'ClockRecordError' as const;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
