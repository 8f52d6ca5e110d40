/**
 * Speed benchmark (not a test), the configuration: 50 batches of 32 windows per epoch, context
 * 60, prediction 30, 2x40 LSTM, student-T, on the average fee per waiting transaction (5-minute grid).
 *
 *   npx tsx bench/deepar-speed.ts [--epochs 10] [--reps 200] [--no-peers] [--baseline wasm|js] [--allow-reference-blas] [--json]
 *
 * Prints seconds per epoch (median; one thread over 3 epochs, then two threads data parallel over
 * --epochs), total training time, forecast latency for one series (100 samples x 30 steps: p50 and p99 over
 * --reps calls after 10 warm-up calls; and 8 series at once through sampleBatch, as an endpoint batching requests
 * forecasts them), and peak memory (max RSS), next to the PyTorch peer (one thread)
 * measured in the same run, with ratios. It prints which BLAS the peer loaded and refuses the speed ratios
 * when it is the reference BLAS (3-4x slower than OpenBLAS), unless --allow-reference-blas, which marks them.
 * --baseline B also times one thread and the forecast on backend B (e.g. wasm, the float64 SIMD products of
 * before the fused f32 engine) in the same process, for a before/after in one run. With --json the last
 * line is one JSON object of the figures.
 */
import { readFileSync } from 'node:fs';
import {
  DeepARPredictor, fitDeepAR, formatTimestamp, kernelBackend, parseFrequency, parseHyperparameters, readTimeSeries, regularize, Rng,
  setKernelBackend, type TrainedModel,
} from '../src/deepar/runtime';
import { DATA_CSV, median, peerAvailability, peerBlas, peerBlasLine, percentile, preparePeerData, runPeerDeepAR } from './deepar-accuracy';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const EPOCHS = Number(flag('epochs', '10'));
const REPS = Number(flag('reps', '200'));
const BASELINE = flag('baseline', '') as '' | 'wasm' | 'js';
const JSON_OUT = args.includes('--json');
const H = 30;
const BATCH = 8;

const freq = parseFrequency('5min');
const { timesMs, values } = readTimeSeries(readFileSync(DATA_CSV, 'utf8'), 'time_utc', 'mempool_total_fee/mempool_count', DATA_CSV);
const grid = regularize(timesMs, values, freq);
const firstOrigin = grid.values.length - H - 39 * 52;
const hp = parseHyperparameters({ time_freq: '5min', context_length: '60', prediction_length: String(H), epochs: String(EPOCHS), mini_batch_size: '32' });
const backend = kernelBackend();
process.stdout.write(`DeepAR speed benchmark: ${EPOCHS} epochs x 50 batches x 32 windows, context 60, prediction 30, 2x40 LSTM, student-T; Node ${process.version}; kernels: ${backend} (DEEPAR_KERNELS=js|wasm picks the float64 paths)\n`);

const trainSeries = [{ start: formatTimestamp(grid.startMs), startMs: grid.startMs, target: grid.values.slice(0, firstOrigin) }];
const series = { startMs: grid.startMs, target: grid.values.slice(0, grid.values.length - H) };
const printEpoch = (e: { epoch: number; loss: number; seconds: number }): void => void process.stdout.write(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)} s\n`);

/** Seconds per epoch (median of 3) on one thread. */
function oneThreadEpoch(): number {
  const single = fitDeepAR({ ...hp, epochs: 3 }, trainSeries, { seed: 0, threads: 1, onEpoch: printEpoch });
  return median(single.training.history.map((e) => e.seconds));
}

/** Forecast latencies (ms) of 100 paths x 30 steps plus quantiles, after 10 warm-up calls. */
function forecastLatencies(model: TrainedModel): number[] {
  const predictor = new DeepARPredictor(model);
  const rng = new Rng(1);
  const lat: number[] = [];
  for (let i = 0; i < REPS + 10; i++) {
    const s = performance.now();
    const samples = predictor.sample(series, 100, rng);
    predictor.summarize(samples, 100, [0.1, 0.5, 0.9]);
    if (i >= 10) lat.push(performance.now() - s);
  }
  return lat;
}

/** Forecast latencies (ms) of BATCH series at once (sampleBatch, one Rng per series: what an endpoint batching requests does). */
function batchedLatencies(model: TrainedModel): number[] {
  const predictor = new DeepARPredictor(model);
  const many = Array.from({ length: BATCH }, () => series);
  const lat: number[] = [];
  for (let i = 0; i < Math.ceil(REPS / 2) + 5; i++) {
    const s = performance.now();
    const all = predictor.sampleBatch(many, 100, many.map((_, k) => new Rng(i * BATCH + k)));
    for (const samples of all) predictor.summarize(samples, 100, [0.1, 0.5, 0.9]);
    if (i >= 5) lat.push(performance.now() - s);
  }
  return lat;
}

process.stdout.write(`one thread, 3 epochs (${backend}):\n`);
const secPerEpoch1 = oneThreadEpoch();
process.stdout.write(`two threads (data parallel), ${EPOCHS} epochs: the model timed below\n`);
const t0 = performance.now();
const { model, training } = fitDeepAR(hp, trainSeries, { seed: 0, threads: 2, onEpoch: printEpoch });
const totalTrain = (performance.now() - t0) / 1000;
const secPerEpoch = median(training.history.map((e) => e.seconds));
const lat = forecastLatencies(model);
const batchLat = batchedLatencies(model);
const peakMB = process.resourceUsage().maxRSS / 1024;

let baseline: { epoch: number; p50: number } | undefined;
if (BASELINE) {
  process.stdout.write(`baseline, one thread, 3 epochs (${BASELINE}):\n`);
  setKernelBackend(BASELINE);
  const epoch = oneThreadEpoch();
  baseline = { epoch, p50: median(forecastLatencies(model)) };
  setKernelBackend(backend);
}

const avail = args.includes('--no-peers') ? { python: false, r: false, why: ['peers skipped (--no-peers)'] } : peerAvailability();
avail.why.filter((w) => !w.startsWith('R ')).forEach((w) => process.stdout.write(`note: ${w}\n`));
const blas = avail.python ? peerBlas() : undefined;
if (avail.python) process.stdout.write(peerBlasLine(blas) + '\n');
const dir = avail.python ? preparePeerData() : undefined;
const torch = dir ? runPeerDeepAR(dir, 'avg_fee_per_tx', Math.min(EPOCHS, 5), 1) : undefined;
const referenceBlas = blas !== undefined && !blas.optimized;
const refuse = referenceBlas && !args.includes('--allow-reference-blas');
const mark = referenceBlas && !refuse ? ' (ref. BLAS!)' : '';
const peerEpoch = refuse ? undefined : torch?.sec_per_epoch_median;
const peerP50 = refuse ? undefined : torch?.latency_ms_model_1thread;

const fmt = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const ratio = (ours: number, peer: number | undefined): string => (peer ? fmt(ours / peer) + 'x' + mark : '-');
const row = (cells: string[]): void => void process.stdout.write(cells.map((c, i) => (i === 0 ? c.padEnd(36) : c.padStart(13))).join(' ') + '\n');
process.stdout.write('\n');
row(['figure', 'ours (TS)', 'PyTorch', 'ours/PyTorch', 'target']);
row(['seconds per epoch, 1 thread', fmt(secPerEpoch1), fmt(peerEpoch), ratio(secPerEpoch1, peerEpoch), '<= 0.75x']);
row(['seconds per epoch, 2 threads', fmt(secPerEpoch), fmt(peerEpoch), ratio(secPerEpoch, peerEpoch), '< 1 thread']);
row([`training, 2 threads: ${training.history.length} epochs, s`, fmt(totalTrain, 1), '-', '-', '-']);
row(['forecast 100x30, p50 ms', fmt(median(lat), 1), fmt(peerP50, 1), ratio(median(lat), peerP50), '<= 0.5x']);
row(['forecast 100x30, p99 ms', fmt(percentile(lat, 99), 1), '-', '-', '-']);
row([`forecast ${BATCH} series batched, p50 ms`, fmt(median(batchLat), 1), '-', '-', '-']);
row([`  per series (sampleBatch)`, fmt(median(batchLat) / BATCH, 1), '-', ratio(median(batchLat) / BATCH, peerP50), '-']);
row(['peak memory (max RSS), MB', fmt(peakMB, 0), fmt(torch?.peakRssMB, 0), ratio(peakMB, torch?.peakRssMB), '-']);
if (baseline) {
  row([`baseline ${BASELINE}: s per epoch, 1 thread`, fmt(baseline.epoch), '-', `after/before ${fmt(secPerEpoch1 / baseline.epoch)}x`, '-']);
  row([`baseline ${BASELINE}: forecast p50 ms`, fmt(baseline.p50, 1), '-', `after/before ${fmt(median(lat) / baseline.p50)}x`, '-']);
}
if (refuse) {
  process.stdout.write(
    `\nREFUSED: the PyTorch peer runs on the reference BLAS (${blas!.library}); its figures (${fmt(torch?.sec_per_epoch_median)} s per epoch, ` +
      `${fmt(torch?.latency_ms_model_1thread, 1)} ms per forecast) are not a fair peer. Install an optimized BLAS (apt-get install libopenblas0-pthread), ` +
      'or pass --allow-reference-blas to print the ratios marked.\n',
  );
}
process.stdout.write(
  `\nHow: npx tsx bench/deepar-speed.ts ${args.join(' ')}. Epoch seconds are wall time of 50 batches (window sampling, forward, backward, Adam) ` +
    `timed inside the training loop; latency is DeepARPredictor.sample + quantiles for one series conditioned on ${series.target.length} points (wall time, performance.now); ` +
    `PyTorch: ../shared/peers/pytorch-deepar/deepar_mine.py --threads 1 with OPENBLAS_NUM_THREADS=1 (${torch ? torch.epochs_run + ' epochs' : 'not run'}), its own timers, peak RSS by /usr/bin/time.\n`,
);
if (JSON_OUT) {
  process.stdout.write(
    JSON.stringify({
      kernels: backend,
      epoch_s_1thread: secPerEpoch1,
      epoch_s_2threads: secPerEpoch,
      peer_epoch_s_1thread: torch?.sec_per_epoch_median ?? null,
      forecast_p50_ms: median(lat),
      forecast_p99_ms: percentile(lat, 99),
      forecast_batch8_p50_ms: median(batchLat),
      peer_forecast_p50_ms: torch?.latency_ms_model_1thread ?? null,
      peer_blas: blas ? blas.name : null,
      peer_blas_optimized: blas ? blas.optimized : null,
      training_s_2threads: totalTrain,
      ...(baseline ? { baseline_kernels: BASELINE, baseline_epoch_s_1thread: baseline.epoch, baseline_forecast_p50_ms: baseline.p50 } : {}),
    }) + '\n',
  );
}
