/**
 * Speed benchmark (not a test), the configuration: 50 batches of 32 windows per epoch, context
 * 60, prediction 30, 2x40 LSTM, student-T, on the average fee per waiting transaction (5-minute grid).
 *
 *   npx tsx bench/deepar-speed.ts [--epochs 10] [--reps 200] [--no-peers]
 *
 * Prints seconds per epoch (median; one thread over 3 epochs, then two threads data parallel), epochs and total training time, forecast latency for one series
 * (100 samples x 30 steps: p50 and p99 over --reps calls after 10 warm-up calls), and peak memory (max RSS),
 * next to the PyTorch peer (one thread) measured in the same run, with ratios.
 */
import { readFileSync } from 'node:fs';
import {
  DeepARPredictor, fitDeepAR, formatTimestamp, kernelBackend, parseFrequency, parseHyperparameters, readTimeSeries, regularize, Rng,
} from '../src/deepar/runtime';
import { DATA_CSV, median, peerAvailability, percentile, preparePeerData, runPeerDeepAR } from './deepar-accuracy';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const EPOCHS = Number(flag('epochs', '10'));
const REPS = Number(flag('reps', '200'));
const H = 30;

const freq = parseFrequency('5min');
const { timesMs, values } = readTimeSeries(readFileSync(DATA_CSV, 'utf8'), 'time_utc', 'mempool_total_fee/mempool_count', DATA_CSV);
const grid = regularize(timesMs, values, freq);
const firstOrigin = grid.values.length - H - 39 * 52;
const hp = parseHyperparameters({ time_freq: '5min', context_length: '60', prediction_length: String(H), epochs: String(EPOCHS), mini_batch_size: '32' });
process.stdout.write(`DeepAR speed benchmark: ${EPOCHS} epochs x 50 batches x 32 windows, context 60, prediction 30, 2x40 LSTM, student-T; Node ${process.version}, one thread; kernels: ${kernelBackend()} (DEEPAR_KERNELS=js forces JS)\n`);

const trainSeries = [{ start: formatTimestamp(grid.startMs), startMs: grid.startMs, target: grid.values.slice(0, firstOrigin) }];
process.stdout.write('one thread, 3 epochs:\n');
const single = fitDeepAR({ ...hp, epochs: 3 }, trainSeries, {
  seed: 0,
  threads: 1,
  onEpoch: (e) => process.stdout.write(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)} s\n`),
});
const secPerEpoch1 = median(single.training.history.map((e) => e.seconds));
process.stdout.write(`two threads (data parallel), ${EPOCHS} epochs: the model timed below\n`);
const t0 = performance.now();
const { model, training } = fitDeepAR(hp, trainSeries, {
  seed: 0,
  threads: 2,
  onEpoch: (e) => process.stdout.write(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)} s\n`),
});
const totalTrain = (performance.now() - t0) / 1000;
const secPerEpoch = median(training.history.map((e) => e.seconds));

const predictor = new DeepARPredictor(model);
const rng = new Rng(1);
const series = { startMs: grid.startMs, target: grid.values.slice(0, grid.values.length - H) };
const lat: number[] = [];
for (let i = 0; i < REPS + 10; i++) {
  const s = performance.now();
  const samples = predictor.sample(series, 100, rng);
  predictor.summarize(samples, 100, [0.1, 0.5, 0.9]);
  if (i >= 10) lat.push(performance.now() - s);
}
const peakMB = process.resourceUsage().maxRSS / 1024;

const avail = args.includes('--no-peers') ? { python: false, r: false, why: ['peers skipped (--no-peers)'] } : peerAvailability();
avail.why.filter((w) => !w.startsWith('R ')).forEach((w) => process.stdout.write(`note: ${w}\n`));
const dir = avail.python ? preparePeerData() : undefined;
const torch = dir ? runPeerDeepAR(dir, 'avg_fee_per_tx', Math.min(EPOCHS, 5), 1) : undefined;

const fmt = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const row = (cells: string[]): void => void process.stdout.write(cells.map((c, i) => (i === 0 ? c.padEnd(36) : c.padStart(12))).join(' ') + '\n');
process.stdout.write('\n');
row(['figure', 'ours (TS)', 'PyTorch', 'ours/PyTorch', 'target']);
row(['seconds per epoch, 1 thread', fmt(secPerEpoch1), fmt(torch?.sec_per_epoch_median), fmt(torch && secPerEpoch1 / torch.sec_per_epoch_median), '<= 1.5']);
row(['seconds per epoch, 2 threads', fmt(secPerEpoch), fmt(torch?.sec_per_epoch_median), fmt(torch && secPerEpoch / torch.sec_per_epoch_median), '<= 1.5']);
row([`training, 2 threads: ${training.history.length} epochs, s`, fmt(totalTrain, 1), '-', '-', '< 15']);
row(['forecast 100x30, p50 ms', fmt(median(lat), 1), fmt(torch?.latency_ms_model_1thread, 1), fmt(torch?.latency_ms_model_1thread && median(lat) / torch.latency_ms_model_1thread), '< 10']);
row(['forecast 100x30, p99 ms', fmt(percentile(lat, 99), 1), '-', '-', '-']);
row(['peak memory (max RSS), MB', fmt(peakMB, 0), fmt(torch?.peakRssMB, 0), fmt(torch?.peakRssMB && peakMB / torch.peakRssMB), '-']);
process.stdout.write(
  `\nHow: npx tsx bench/deepar-speed.ts --epochs ${EPOCHS} --reps ${REPS}. Epoch seconds are wall time of 50 batches (window sampling, forward, backward, Adam) ` +
    `timed inside the training loop; latency is DeepARPredictor.sample + quantiles for one series conditioned on ${series.target.length} points (wall time, performance.now); ` +
    `PyTorch: ../shared/peers/pytorch-deepar/deepar_mine.py --threads 1 (${torch ? torch.epochs_run + ' epochs' : 'not run'}), its own timers, peak RSS by /usr/bin/time.\n`,
);
