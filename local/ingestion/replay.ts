/**
 * Ingestion replay: writes the per-minute aggregates of the real history into the feature group, first
 * a backfill of past minutes in batches, then one minute at a time as the twin's clock closes each
 * minute. It resumes after the latest stored minute, so restarting the twin neither duplicates nor
 * loses anything.
 */
import { MINUTE_MS, formatMinute, type FeatureRecord } from '../../src/core/feature-record';
import type { FeatureStore } from '../../src/ports/feature-store';
import type { Clock } from '../clock';
import type { MempoolSnapshot } from './mempool-history';
import { historyMinutes, recordForMinute, type StreamOptions } from './transaction-stream';

export interface ReplayStore extends FeatureStore {
  latestMinute(): Date | undefined;
}

export interface ReplayProgress {
  phase: 'backfill' | 'live';
  /** The minute just written (epoch ms). */
  minute: number;
  written: number;
  total?: number;
}

export class IngestionReplay {
  readonly first: number;
  readonly end: number;

  constructor(
    private readonly store: ReplayStore,
    private readonly history: readonly MempoolSnapshot[],
    private readonly stream: StreamOptions = {},
  ) {
    ({ first: this.first, end: this.end } = historyMinutes(history));
  }

  /** Where the clock should start: after the backfill, or after what is already stored if that is later. */
  startTime(backfillDays: number): number {
    const afterBackfill = Math.min(this.first + backfillDays * 24 * 60 * MINUTE_MS, this.end);
    return Math.max(afterBackfill, this.resumeFrom());
  }

  /** The next minute to write: the history's first, or the one after the latest stored. */
  resumeFrom(): number {
    const latest = this.store.latestMinute()?.getTime();
    return latest === undefined ? this.first : Math.max(this.first, latest + MINUTE_MS);
  }

  /** Writes every minute from where the store stands up to (excluding) `until`, in batches. */
  async backfill(until: number, onProgress?: (p: ReplayProgress) => void, batchMinutes = 1440): Promise<number> {
    const from = this.resumeFrom();
    const to = Math.min(until, this.end);
    const total = Math.max(0, (to - from) / MINUTE_MS);
    let written = 0;
    for (let batchStart = from; batchStart < to; batchStart += batchMinutes * MINUTE_MS) {
      const batch: FeatureRecord[] = [];
      for (let m = batchStart; m < Math.min(to, batchStart + batchMinutes * MINUTE_MS); m += MINUTE_MS) {
        const record = recordForMinute(this.history, m, this.stream);
        if (record) batch.push(record);
      }
      await this.store.putRecords(batch);
      written += batch.length;
      onProgress?.({ phase: 'backfill', minute: batchStart + (batch.length - 1) * MINUTE_MS, written, total });
    }
    return written;
  }

  /**
   * Writes each minute once the clock has closed it, until the history ends or `signal` aborts.
   * Resolves with the number of minutes written.
   */
  async runLive(clock: Clock, signal: AbortSignal, onProgress?: (p: ReplayProgress) => void): Promise<number> {
    let written = 0;
    let next = this.resumeFrom();
    while (next < this.end) {
      try {
        await clock.sleepUntil(next + MINUTE_MS, signal);
      } catch {
        break; // aborted
      }
      // Every minute the clock has closed since: a fast clock closes several per tick, and a timer that
      // fires a little early closes none (the loop then sleeps again).
      const closed: FeatureRecord[] = [];
      for (; next < this.end && next + MINUTE_MS <= clock.now(); next += MINUTE_MS) {
        const record = recordForMinute(this.history, next, this.stream);
        if (record) closed.push(record);
      }
      if (closed.length === 0) continue;
      await this.store.putRecords(closed);
      written += closed.length;
      onProgress?.({ phase: 'live', minute: next - MINUTE_MS, written });
    }
    return written;
  }
}

export function describeMinute(ms: number): string {
  return formatMinute(ms).replace('T', ' ').replace(':00Z', ' UTC');
}
