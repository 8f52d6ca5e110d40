/**
 * Derives the project's shipped copy of the real Bitcoin mempool history from the full CSV
 * (../shared/data): only the columns the replay and the benchmarks use. Run: npx tsx scripts/derive-data.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const source = process.argv[2] ?? join(__dirname, '..', '..', 'shared', 'data', 'btc_mempool_fees_5min_2025-03-05_2025-05-12.csv');
const target = join(__dirname, '..', 'data', 'btc-mempool-5min.csv');
const keep = ['time_utc', 'mempool_count', 'mempool_total_fee', 'mempool_blocks_medianFee'];

const [header, ...rows] = readFileSync(source, 'utf8').trim().split('\n');
const columns = header.split(',');
const indexes = keep.map((name) => {
  const i = columns.indexOf(name);
  if (i < 0) throw new Error(`${source} has no column ${name}`);
  return i;
});
const out = [keep.join(','), ...rows.map((row) => {
  const cells = row.split(',');
  return indexes.map((i) => cells[i]).join(',');
})];
writeFileSync(target, out.join('\n') + '\n');
console.log(`wrote ${rows.length} rows to ${target}`);
