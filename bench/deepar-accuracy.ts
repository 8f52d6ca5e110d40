/**
 * Accuracy benchmark (not a test): DeepAR against seasonal naive, naive and the peers on the real
 * Bitcoin mempool data, horizon 30, 40 windows over the last 7 days of the 5-minute grid.
 *
 *   npx tsx bench/deepar-accuracy.ts [--epochs 10] [--seeds 0,1,2] [--threads 2] [--series avg_fee_per_tx,medianFee] [--no-peers]
 *
 * Two protocols, printed side by side:
 *  A. the (what `mlops backtest` does): mean within 5-minute buckets, origins N − H − i·52, i < 40;
 *  B. the peer's exact windows: its LOCF grid and its 40 origins (only when Python and pandas are present),
 *     so that our DeepAR, the PyTorch DeepAR and R's models are scored on the same points.
 * It also exports the helpers that run the peers (../shared/peers/pytorch-deepar), used by deepar-speed.ts;
 * a missing peer is skipped with a message saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { backtest, type BacktestResult, parseFrequency, readTimeSeries, regularize } from '../src/deepar/runtime';


// ---- peers ----

export const PEER_DIR = resolve(__dirname, '../../shared/peers/pytorch-deepar');
export const DATA_CSV = resolve(__dirname, '../../shared/data/btc_mempool_fees_5min_2025-03-05_2025-05-12.csv');
const PYTHON = '/usr/bin/python3';

export interface PeerAvailability {
  python: boolean;
  r: boolean;
  why: string[];
}

export function peerAvailability(): PeerAvailability {
  const why: string[] = [];
  const python = existsSync(PEER_DIR) && spawnSync(PYTHON, ['-c', 'import torch, pandas'], { encoding: 'utf8' }).status === 0;
  if (!existsSync(PEER_DIR)) why.push(`peer folder ${PEER_DIR} not found: PyTorch and R peers skipped`);
  else if (!python) why.push('PyTorch peer skipped: /usr/bin/python3 cannot import torch and pandas (apt-get install python3-torch python3-pandas)');
  const r = existsSync(PEER_DIR) && spawnSync('Rscript', ['-e', 'suppressMessages(library(forecast))'], { encoding: 'utf8' }).status === 0;
  if (existsSync(PEER_DIR) && !r) why.push('R peer skipped: Rscript with the forecast package not found (apt-get install r-base-core r-cran-forecast)');
  return { python, r, why };
}

export interface PeerBlas {
  /** What the peer's PyTorch multiplies with, e.g. "OpenBLAS (libopenblasp-r0.3.21.so)" or "reference BLAS". */
  name: string;
  /** false for the reference BLAS (netlib), 3-4x slower than OpenBLAS on this model: comparing against it flatters us. */
  optimized: boolean;
  /** The BLAS library mapped into the peer's process after a product, or torch's BLAS_INFO when none is. */
  library: string;
}

// After one product, the BLAS shared objects mapped into the peer's process, and torch's own build note.
const BLAS_PROBE = [
  'import torch, re',
  'torch.manual_seed(0); a = torch.randn(64, 64); (a @ a).sum().item()',
  "libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if re.search(r'blas|mkl|blis|atlas', l.split()[-1].lower())})",
  "info = re.search(r'BLAS_INFO=([^,\\s]+)', torch.__config__.show())",
  "print('\\n'.join(['BLAS_INFO ' + (info.group(1) if info else '?')] + libs))",
].join('\n');

/**
 * Which BLAS the PyTorch peer loads (Debian's python3-torch links libblas.so.3, which is OpenBLAS only when
 * libopenblas0-pthread (or another optimized BLAS) is installed, and the netlib reference BLAS otherwise).
 */
export function peerBlas(): PeerBlas | undefined {
  const p = spawnSync(PYTHON, ['-c', BLAS_PROBE], { encoding: 'utf8' });
  if (p.status !== 0) return undefined;
  const [infoLine, ...libs] = p.stdout.trim().split('\n');
  const info = infoLine.replace('BLAS_INFO ', '');
  const pick = (re: RegExp): string | undefined => libs.find((l) => re.test(l.toLowerCase()));
  const optimized = libs.find((l) => /openblas|mkl|blis|atlas/i.test(l.split('/').pop()!)) ?? pick(/openblas|mkl|blis|atlas/);
  if (optimized) {
    const kind = /openblas/i.test(optimized) ? 'OpenBLAS' : /mkl/i.test(optimized) ? 'MKL' : /blis/i.test(optimized) ? 'BLIS' : 'ATLAS';
    return { name: `${kind} (${optimized.split('/').pop()})`, optimized: true, library: optimized };
  }
  const reference = pick(/libblas\.so/);
  if (reference) return { name: 'reference BLAS (netlib libblas3)', optimized: false, library: reference };
  // no shared BLAS mapped: torch carries its own (pip wheels link MKL statically)
  return { name: `built-in (${info})`, optimized: /mkl|openblas|blis|accelerate/i.test(info), library: `torch BLAS_INFO=${info}` };
}

/** The line the benchmarks print about the peer's BLAS; loud when it is the reference BLAS. */
export function peerBlasLine(blas: PeerBlas | undefined): string {
  if (!blas) return 'PyTorch peer BLAS: unknown (the probe did not run)';
  if (blas.optimized) return `PyTorch peer BLAS: ${blas.name}, ${blas.library}`;
  return (
    `!!! PyTorch peer BLAS: ${blas.name} (${blas.library}): the peer runs 3-4x slower than with an optimized BLAS, so ` +
    'speed ratios against it flatter us. Install one (apt-get install libopenblas0-pthread) and re-run. !!!'
  );
}

/** A scratch folder holding the peer's series_5min.csv and origins.csv (prep.py); undefined without Python. */
export function preparePeerData(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'deepar-peer-'));
  const p = spawnSync(PYTHON, [join(PEER_DIR, 'prep.py'), DATA_CSV], { cwd: dir, encoding: 'utf8' });
  if (p.status !== 0) {
    process.stdout.write(`peer prep.py failed: ${p.stderr}\n`);
    return undefined;
  }
  return dir;
}

export function readPeerSeries(dir: string, column: string): { timestamps: number[]; values: number[]; origins: number[] } {
  const lines = readFileSync(join(dir, 'series_5min.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf(column);
  const rows = lines.slice(1).map((l) => l.split(','));
  const origins = readFileSync(join(dir, 'origins.csv'), 'utf8').trim().split('\n').slice(1).map(Number);
  return { timestamps: rows.map((r) => Number(r[ti]) * 1000), values: rows.map((r) => Number(r[vi])), origins };
}

export interface PeerDeepAR {
  mean_wql?: number;
  sec_per_epoch_median: number;
  train_seconds: number;
  epochs_run: number;
  best_epoch: number;
  latency_ms_model_1thread?: number;
  peakRssMB?: number;
}

/** Runs the PyTorch DeepAR (one thread, its BLAS too) and returns its summary line. */
export function runPeerDeepAR(dir: string, series: string, epochs: number, seed: number, evaluate = true): PeerDeepAR | undefined {
  const args = [join(PEER_DIR, 'deepar_mine.py'), '--series', series, '--ctx', '60', '--epochs', String(epochs), '--threads', '1', '--seed', String(seed), '--eval_at', String(epochs)];
  if (!evaluate) args.push('--no_eval');
  // One thread means one: OpenBLAS otherwise starts its own threads whatever torch.set_num_threads says
  // (Debian's torch, BLAS_INFO=generic), and on 2 shared cores its spinning threads made the peer 4x slower.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const p = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KB %M', PYTHON, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26, env });
  if (p.status !== 0) {
    process.stdout.write(`PyTorch peer failed: ${p.stderr.slice(-500)}\n`);
    return undefined;
  }
  const last = p.stdout.trim().split('\n').pop()!;
  const rss = /PEAK_RSS_KB (\d+)/.exec(p.stderr);
  return { ...(JSON.parse(last) as PeerDeepAR), peakRssMB: rss ? Number(rss[1]) / 1024 : undefined };
}

/** Runs R's baselines on the peer's origins; returns mean wQL by model (naive, snaive, arima_once_full, …). */
export function runPeerR(dir: string, series: string): Record<string, number> | undefined {
  const p = spawnSync('Rscript', [join(PEER_DIR, 'r_baselines.R'), series], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const csv = join(dir, 'out', `r_baselines_${series}.csv`);
  if (p.status !== 0 || !existsSync(csv)) {
    process.stdout.write(`R peer failed: ${(p.stderr || p.stdout).slice(-500)}\n`);
    return undefined;
  }
  const [head, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
  const cols = head.split(',').map((c) => c.replace(/"/g, ''));
  const mi = cols.indexOf('meanWQL');
  return Object.fromEntries(rows.map((r) => r.split(',')).map((r) => [r[0].replace(/"/g, ''), Number(r[mi])]));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// ---- the benchmark ----

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const EPOCHS = Number(flag('epochs', '10'));
  const SEEDS = flag('seeds', '0').split(',').map(Number);
  const THREADS = Number(flag('threads', '2'));
  const ONLY = flag('series', 'avg_fee_per_tx,medianFee').split(',');
  const freq = parseFrequency('5min');
  const SERIES = [
    { name: 'avg_fee_per_tx', column: 'mempool_total_fee/mempool_count', peer: 'avg_fee_per_tx' },
    { name: 'medianFee', column: 'mempool_blocks_medianFee', peer: 'medianFee' },
  ].filter((s) => ONLY.includes(s.name));
  const CONFIG = { freq, predictionLength: 30, contextLength: 60, epochs: EPOCHS, threads: THREADS };

  const fmt = (x: number | undefined, d = 3): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
  const line = (cells: string[]): void => void process.stdout.write(cells.map((c, i) => (i === 0 ? c.padEnd(44) : c.padStart(10))).join(' ') + '\n');
  const perSeed = (xs: number[]): string => (xs.length > 1 ? `  (seeds ${SEEDS.join(', ')}: ${xs.map((x) => fmt(x)).join(', ')})` : '');

  /** Our models over all seeds on one set of windows; DeepAR's figure is the median over seeds. */
  function ours(title: string, startMs: number, values: number[], windows: { windows?: number; stride?: number; origins?: number[] }): { deepar: number; snaive: number } {
    const runs = SEEDS.map((seed) => backtest(startMs, values, { ...CONFIG, ...windows, seed }));
    const r: BacktestResult = runs[0];
    const sn = r.models.seasonal_naive.mean_wQuantileLoss;
    const dl = runs.map((x) => x.models.deepar.mean_wQuantileLoss);
    const secs = runs.map((x) => x.models.deepar.train_seconds!);
    process.stdout.write(`\n${title}: ${r.series} points, ${r.windows} windows of 30 from ${r.firstForecast}; DeepAR ${r.epochsRun} epochs, training ${fmt(median(secs), 1)} s (median)\n`);
    line(['model', 'mean wQL', 'vs snaive']);
    line([`DeepAR (this project, TypeScript)${SEEDS.length > 1 ? ', median' : ''}`, fmt(median(dl)), fmt(median(dl) / sn, 2) + 'x']);
    if (SEEDS.length > 1) process.stdout.write(perSeed(dl).trim() + '\n');
    line(['seasonal naive (one day)', fmt(sn), '1.00x']);
    line(['naive', fmt(r.models.naive.mean_wQuantileLoss), fmt(r.models.naive.mean_wQuantileLoss / sn, 2) + 'x']);
    return { deepar: median(dl), snaive: sn };
  }

  const text = readFileSync(DATA_CSV, 'utf8');
  const avail = args.includes('--no-peers') ? { python: false, r: false, why: ['peers skipped (--no-peers)'] } : peerAvailability();
  process.stdout.write(`DeepAR accuracy benchmark: 2x40 LSTM, student-T, context 60, horizon 30, ${EPOCHS} epochs of 50 batches x 32, seeds ${SEEDS.join(',')}, ${THREADS} training thread(s)\n`);
  avail.why.forEach((w) => process.stdout.write(`note: ${w}\n`));
  if (avail.python) process.stdout.write(`${peerBlasLine(peerBlas())} (accuracy does not depend on it)\n`);
  const peerDir = avail.python ? preparePeerData() : undefined;
  const summary: Record<string, unknown> = {};

  for (const s of SERIES) {
    process.stdout.write(`\n=== ${s.name} ===\n`);
    const { timesMs, values } = readTimeSeries(text, 'time_utc', s.column, DATA_CSV);
    const grid = regularize(timesMs, values, freq);
    summary[`${s.name}/A`] = ours('A. issue protocol (mean buckets, o_i = N - 30 - 52 i)', grid.startMs, grid.values, { windows: 40, stride: 52 });
    if (!peerDir) continue;
    const p = readPeerSeries(peerDir, s.peer);
    const b = ours("B. the peer's grid and origins", p.timestamps[0], p.values, { origins: p.origins });
    const sn = b.snaive;
    const torchRuns = avail.python ? SEEDS.map((seed) => runPeerDeepAR(peerDir, s.peer, EPOCHS, seed + 1)).filter((t) => t?.mean_wql !== undefined) : [];
    const torch = torchRuns.length ? median(torchRuns.map((t) => t!.mean_wql!)) : undefined;
    if (torch !== undefined) {
      line([`PyTorch DeepAR peer (${EPOCHS} epochs, 1 thread)${SEEDS.length > 1 ? ', median' : ''}`, fmt(torch), fmt(torch / sn, 2) + 'x']);
      if (SEEDS.length > 1) process.stdout.write(`(its seeds ${SEEDS.map((x) => x + 1).join(', ')}: ${torchRuns.map((t) => fmt(t!.mean_wql)).join(', ')})\n`);
      line(['  ratio ours / PyTorch', fmt(b.deepar / torch, 2) + 'x', '']);
    }
    const r = avail.r ? runPeerR(peerDir, s.peer) : undefined;
    if (r) {
      line(['R snaive (peer, same windows)', fmt(r.snaive), fmt(r.snaive / sn, 2) + 'x']);
      line(['R naive', fmt(r.naive), fmt(r.naive / sn, 2) + 'x']);
      line(['R auto.arima, fit once', fmt(r.arima_once_full), fmt(r.arima_once_full / sn, 2) + 'x']);
      line(['R auto.arima, refit on 7 days per origin', fmt(r.arima_refit7d), fmt(r.arima_refit7d / sn, 2) + 'x']);
    } else if (avail.python) process.stdout.write('R peer: skipped (see note above)\n');
    summary[`${s.name}/B`] = { ...b, torch, arima: r?.arima_once_full };
  }
  process.stdout.write(
    `\nHow: npx tsx bench/deepar-accuracy.ts ${args.join(' ')}; mean wQL over tau 0.1..0.9 pooled over the 40 windows (src/core/metrics.ts), ` +
      'medians over seeds; reference (issue, avg_fee_per_tx): snaive 0.454, auto.arima ~0.34, PyTorch 0.280, GluonTS 0.290.\n',
  );
  process.stdout.write(JSON.stringify(summary) + '\n');
}

if (require.main === module) main();
