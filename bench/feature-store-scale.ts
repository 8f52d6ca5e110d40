/**
 * Feature store at scale (not a test): a year of minutes (525,600 records) written into the twin's SQLite
 * feature store in day-sized batches, as the ingestion replay writes them, then the reads that depend on
 * the store's size timed: the 7-day window training extracts (getRecords + buildSeries, as extractSeries
 * does), the live minute's single-record write, and `mlops status`'s summary of the whole group.
 *
 *   npx tsx bench/feature-store-scale.ts [--days 365] [--reps 20] [--dir DIR]
 *
 * The home is a fresh temporary directory (removed at the end unless --dir is given), on the machine's disk.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteFeatureStore } from '../local/adapters/sqlite-feature-store';
import { openHome } from '../local/home';
import { formatMinute, MINUTE_MS, type FeatureRecord } from '../src/core/feature-record';
import { buildSeries } from '../src/core/series';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const days = Number(flag('days', '365'));
const reps = Number(flag('reps', '20'));
const dir = flag('dir', '') || mkdtempSync(join(tmpdir(), 'mlops-scale-'));
const START = Date.parse('2024-05-12T00:00:00Z');
const DAY_MINUTES = 1440;

/** A plausible minute: a daily cycle in fees, counts that follow it (deterministic, no I/O). */
function recordAt(minute: number): FeatureRecord {
  const i = (minute - START) / MINUTE_MS;
  const count = 80 + Math.round(40 * (1 + Math.sin((2 * Math.PI * i) / DAY_MINUTES)));
  const avg = 1500 + 700 * Math.sin((2 * Math.PI * i) / (7 * DAY_MINUTES)) + (i % 17) * 11;
  return { tx_minute: formatMinute(minute), total_nb_trx_1min: count, total_fee_1min: count * avg, avg_fee_1min: avg, event_time: new Date(minute + MINUTE_MS).toISOString() };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
async function timed(label: string, n: number, run: () => unknown): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(56)} p50 ${quantile(ms, 0.5).toFixed(2).padStart(8)} ms   p99 ${quantile(ms, 0.99).toFixed(2).padStart(8)} ms   (${n} runs)`);
}

async function main(): Promise<void> {
  const home = openHome(dir);
  const store = new SqliteFeatureStore(home.db);
  try {
    const total = days * DAY_MINUTES;
    console.log(`feature store scale: ${total} records (${days} days of minutes) into ${join(dir, 'twin.db')}`);
    const t0 = performance.now();
    for (let day = 0; day < days; day++) {
      const batch: FeatureRecord[] = [];
      for (let m = 0; m < DAY_MINUTES; m++) batch.push(recordAt(START + (day * DAY_MINUTES + m) * MINUTE_MS));
      await store.putRecords(batch);
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    home.db.pragma('wal_checkpoint(TRUNCATE)');
    console.log(`write, 1,440-record batches (one transaction each)       ${writeSeconds.toFixed(1)} s, ${Math.round(total / writeSeconds)} records/s`);
    console.log(`file size after checkpoint                               ${(statSync(join(dir, 'twin.db')).size / 2 ** 20).toFixed(1)} MiB`);

    // The window training reads: the last 7 days before the latest minute.
    const to = START + total * MINUTE_MS;
    const from = to - 7 * DAY_MINUTES * MINUTE_MS;
    const window = { from: new Date(from), to: new Date(to) };
    const records = await store.getRecords(window);
    console.log(`7-day window holds                                       ${records.length} records`);
    await timed('read the 7-day window (getRecords)', reps, () => store.getRecords(window));
    await timed('clean it into a series (buildSeries, as extractSeries)', reps, () => buildSeries(records, { ...window, minValidPoints: 1 }));
    let next = to;
    await timed('write one live minute (putRecords of 1)', reps, () => store.putRecords([recordAt((next += MINUTE_MS))]));
    await timed('summary of the whole group (mlops status)', Math.max(3, Math.round(reps / 5)), () => store.summary());
  } finally {
    home.close();
    if (!flag('dir', '')) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
