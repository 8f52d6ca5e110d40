/** The shipped real mempool history: snapshots about every 5 minutes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../src/core/errors';

export const SHIPPED_HISTORY = join(__dirname, '..', '..', 'data', 'btc-mempool-5min.csv');

export interface MempoolSnapshot {
  /** epoch ms */
  time: number;
  /** transactions waiting */
  count: number;
  /** average fee of a waiting transaction, satoshi */
  avgFee: number;
}

export function parseMempoolCsv(text: string, source = 'history'): MempoolSnapshot[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  const index = (name: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new ValidationError(`${source}: no column ${name} in the header (${header})`, { field: name, line: 1 });
    return i;
  };
  const [iTime, iCount, iFee] = [index('time_utc'), index('mempool_count'), index('mempool_total_fee')];
  const snapshots = lines.map((line, n) => {
    const cells = line.split(',');
    const time = Date.parse(cells[iTime]);
    const count = Number(cells[iCount]);
    const totalFee = Number(cells[iFee]);
    const where = `${source} line ${n + 2}`;
    if (Number.isNaN(time)) throw new ValidationError(`${where}: time_utc ${JSON.stringify(cells[iTime])} is not a time`, { field: 'time_utc', line: n + 2 });
    if (!(count > 0) || !(totalFee >= 0)) {
      throw new ValidationError(`${where}: mempool_count and mempool_total_fee must be positive numbers`, { field: 'mempool_count', line: n + 2 });
    }
    return { time, count, avgFee: totalFee / count };
  });
  for (let i = 1; i < snapshots.length; i++) {
    if (snapshots[i].time <= snapshots[i - 1].time) {
      throw new ValidationError(`${source} line ${i + 2}: snapshots must be in increasing time order`, { line: i + 2 });
    }
  }
  if (snapshots.length < 2) throw new ValidationError(`${source}: needs at least two snapshots, found ${snapshots.length}`);
  return snapshots;
}

export function loadMempoolHistory(path = SHIPPED_HISTORY): MempoolSnapshot[] {
  return parseMempoolCsv(readFileSync(path, 'utf8'), path);
}
