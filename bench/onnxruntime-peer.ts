/**
 * ONNX Runtime as a peer (not a dependency): the DeepAR forecast of bench/deepar-speed.ts (context 60,
 * prediction 30, 2x40 LSTM, student-T; 100 paths x 30 steps for one series, sampling in JS between steps,
 * quantiles 0.1/0.5/0.9), our default f32 engine against onnxruntime-node's CPU provider through its public
 * API (InferenceSession.create / run), interleaved in one process.
 *
 *   npx tsx bench/onnxruntime-peer.ts [--ort-dir DIR] [--epochs 2] [--reps 200] [--json]
 *
 * onnxruntime-node is looked up in the project's node_modules, or from DIR (--ort-dir or ORT_DIR: the package
 * directory or a node_modules holding it). When it is absent the bench says so in one line and exits 0.
 * Install it without touching package.json (the skip keeps its postinstall from fetching CUDA binaries from
 * api.nuget.org; the Linux x64 CPU binaries are in the npm package):
 *
 *   ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node@1.30.0
 *
 * It first checks ORT's sampling step against our float64 reference step (network-step.ts) on the same
 * float32-rounded weights and inputs, and exits 1 when the largest difference exceeds STEP_TOLERANCE. Then
 * it times the forecast, ours vs ORT on 1 thread and on 2 threads (spinning off: ORT's pool would otherwise
 * busy-wait between the steps, taking the core the JS sampling needs), rotating the order each rep, and
 * prints p50 and p99. With --json the last line is one JSON object of the figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import {
  DeepARPredictor, fitDeepAR, formatTimestamp, kernelBackend, parseFrequency, parseHyperparameters, readTimeSeries, regularize, Rng,
} from '../src/deepar/runtime';
import { LIKELIHOOD_BY_NAME } from '../src/deepar/likelihoods';
import { contextScale, inputSize, pastLength, prepareSeries, type SeriesInput, writeInput } from '../src/deepar/model';
import type { DeepARNetwork } from '../src/deepar/network';
import { stepNetwork, stepScratch, zeroState } from '../src/deepar/network-step';
import { DATA_CSV, median, percentile } from './deepar-accuracy';
import { contextModel, samplingStepModel } from './onnx/models';

// ---- the part of onnxruntime-node's public API used here (the package is not a dependency: no types from it)
interface OrtTensor {
  readonly data: Float32Array; // every tensor here is float32
  readonly dims: readonly number[];
}
type OrtFeeds = Record<string, OrtTensor>;
interface OrtSessionOptions {
  intraOpNumThreads: number;
  interOpNumThreads: number;
  executionMode: 'sequential';
  graphOptimizationLevel: 'all';
  /** session config entries (onnxruntime_session_options_config_keys.h), e.g. session.intra_op.allow_spinning */
  extra?: { session: { intra_op: { allow_spinning: '0' | '1' } } };
}
interface OrtSession {
  run(feeds: OrtFeeds): Promise<OrtFeeds>;
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: OrtSessionOptions): Promise<OrtSession> };
  env: { versions: { common?: string; node?: string } };
}

const ORT_PACKAGE = 'onnxruntime-node';
const INSTALL_HINT = 'ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node@1.30.0';

/** The package from `dir` (its own directory, or a node_modules or project holding it), else the project's; null when absent. */
function loadOrt(dir: string | undefined): OrtModule | null {
  const base = dir ? resolve(dir) : __dirname;
  const requireFrom = createRequire(join(base, 'index.js')); // any file name in `base`: only its directory counts
  const candidates = [ORT_PACKAGE];
  const ownPackage = join(base, 'package.json');
  if (dir && existsSync(ownPackage) && JSON.parse(readFileSync(ownPackage, 'utf8')).name === ORT_PACKAGE) candidates.unshift(base);
  for (const id of candidates) {
    let path: string;
    try {
      path = requireFrom.resolve(id);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') continue;
      throw e;
    }
    return requireFrom(path) as OrtModule; // a package that is there but fails to load is an error, not a skip
  }
  return null;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ORT_DIR = flag('ort-dir', process.env.ORT_DIR ?? '') || undefined;
const EPOCHS = Number(flag('epochs', '2')); // the weights' values do not change the cost
const REPS = Number(flag('reps', '200'));
const JSON_OUT = args.includes('--json');
const WARMUP_REPS = 10;
const H = 30;
const PATHS = 100;
const LEVELS = [0.1, 0.5, 0.9];
/** ORT's float32 step vs our float64 one on O(1) values: about 2 float32 ulps are seen; a wrong gate order is ~0.1. */
const STEP_TOLERANCE = 1e-5;
const out = (s: string): void => void process.stdout.write(s + '\n');

const ort = loadOrt(ORT_DIR);
if (!ort) {
  out(`onnxruntime-peer: skipped, ${ORT_PACKAGE} is not installed (looked in ${ORT_DIR ?? "the project's node_modules"}); ` +
    `to run it: ${INSTALL_HINT} (the skip stops its postinstall from fetching CUDA binaries from api.nuget.org), or give --ort-dir DIR / ORT_DIR`);
  process.exit(0);
}
const ortVersion = ort.env.versions.node ?? ort.env.versions.common ?? 'unknown';

// ---- data and model as bench/deepar-speed.ts, fewer epochs
const freq = parseFrequency('5min');
const { timesMs, values } = readTimeSeries(readFileSync(DATA_CSV, 'utf8'), 'time_utc', 'mempool_total_fee/mempool_count', DATA_CSV);
const grid = regularize(timesMs, values, freq);
const firstOrigin = grid.values.length - H - 39 * 52;
const hp = parseHyperparameters({ time_freq: '5min', context_length: '60', prediction_length: String(H), epochs: String(EPOCHS), mini_batch_size: '32' });
const trainSeries = [{ start: formatTimestamp(grid.startMs), startMs: grid.startMs, target: grid.values.slice(0, firstOrigin) }];
const series: SeriesInput = { startMs: grid.startMs, target: grid.values.slice(0, grid.values.length - H) };

out(`ONNX Runtime peer: Node ${process.version}, onnxruntime-node ${ortVersion} (CPU), our kernels: ${kernelBackend()}; training ${EPOCHS} epochs (1 thread, seed 0)`);
const { model } = fitDeepAR(hp, trainSeries, { seed: 0, threads: 1 });
const net = model.network;
const cfg = model.config;
const likelihood = LIKELIHOOD_BY_NAME[cfg.likelihood];
const C = cfg.contextLength;
const P = cfg.predictionLength;
const I = inputSize(cfg);
const K = likelihood.numParams;
const HC = net.spec.numCells;
const L = net.layers.length;
out(`network: ${L} layers x ${HC} cells, input ${net.fullInputSize} (lags ${cfg.lags.length}), outputs ${K}, params ${net.params.length}`);

const sessionOptions = (threads: number, spinning: boolean): OrtSessionOptions => ({
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
});

interface OrtForecaster {
  name: string;
  context: OrtSession;
  step: OrtSession;
}

async function ortForecaster(name: string, threads: number, spinning: boolean): Promise<OrtForecaster> {
  const opts = sessionOptions(threads, spinning);
  return { name, context: await ort!.InferenceSession.create(contextModel(net), opts), step: await ort!.InferenceSession.create(samplingStepModel(net), opts) };
}

const f32Tensor = (data: ArrayLike<number>, dims: number[]): OrtTensor => new ort!.Tensor('float32', Float32Array.from(data), dims);

/** predictor.ts's sampleBatch for one series, with the network's warm-up and steps run by ORT. */
async function ortSample(f: OrtForecaster, one: SeriesInput, rng: Rng): Promise<Float64Array> {
  const prepared = prepareSeries(cfg, one, P, pastLength(cfg), C + P - 1);
  const end = prepared.length;
  const scale = contextScale(cfg, prepared, end);
  const xs = new Float64Array(C * I);
  for (let t = 0; t < C; t++) writeInput(cfg, prepared, end - C + 1 + t, scale, xs, t * I);
  const warm = await f.context.run({ x: f32Tensor(xs, [C, 1, I]) });
  let feeds: OrtFeeds = {};
  for (let l = 0; l < L; l++) {
    for (const v of ['h', 'c']) {
      const state = new Float32Array(PATHS * HC); // every path starts from the context's final state
      for (let k = 0; k < PATHS; k++) state.set(warm[`${v}${l}n`].data.subarray(0, HC), k * HC);
      feeds[`${v}${l}`] = new ort!.Tensor('float32', state, [1, PATHS, HC]);
    }
  }
  const samples = new Float64Array(PATHS * P);
  const scaled = new Float64Array(PATHS * P);
  const draw = (h: number, raw: Float32Array, rowOf: (k: number) => number): void => {
    for (let k = 0; k < PATHS; k++) {
      const v = likelihood.sample(raw, rowOf(k) * K, scale, rng);
      samples[k * P + h] = v;
      scaled[k * P + h] = v / scale;
    }
  };
  draw(0, warm.out.data, () => 0);
  const x = new Float64Array(PATHS * I);
  let varying = 0;
  for (let h = 1; h < P; h++) {
    while (varying < cfg.lags.length && cfg.lags[varying] <= h) varying++;
    writeInput(cfg, prepared, end + h, scale, x, 0, scaled, 0, end);
    for (let k = 1; k < PATHS; k++) {
      x.copyWithin(k * I, 0, I); // the columns all paths share, then path k's own lags
      for (let c = 0; c < varying; c++) x[k * I + c] = scaled[k * P + h - cfg.lags[c]];
    }
    const o = await f.step.run({ ...feeds, x: f32Tensor(x, [1, PATHS, I]) });
    feeds = {};
    for (let l = 0; l < L; l++) for (const v of ['h', 'c']) feeds[`${v}${l}`] = o[`${v}${l}n`];
    draw(h, o.out.data, (k) => k);
  }
  return samples;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** ORT's step (with the student-T parameters) vs our float64 step on random f32-rounded inputs and states. */
async function stepCheck(network: DeepARNetwork): Promise<{ maxDiff: number; detail: string }> {
  const rng = new Rng(7);
  const state = zeroState(network, PATHS);
  for (const a of [...state.h, ...state.c]) for (let i = 0; i < a.length; i++) a[i] = Math.fround(0.8 * (2 * rng.uniform() - 1));
  const x = new Float64Array(PATHS * I);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(2 * rng.uniform() - 1);
  const feeds: OrtFeeds = { x: f32Tensor(x, [1, PATHS, I]) };
  for (let l = 0; l < L; l++) {
    feeds[`h${l}`] = f32Tensor(state.h[l], [1, PATHS, HC]);
    feeds[`c${l}`] = f32Tensor(state.c[l], [1, PATHS, HC]);
  }
  const session = await ort!.InferenceSession.create(samplingStepModel(network, true), sessionOptions(1, true));
  const o = await session.run(feeds);
  const ref = new Float64Array(PATHS * K);
  stepNetwork(network, x, null, state, ref, stepScratch(network, PATHS)); // updates `state` to the new states
  const refParams = new Float64Array(PATHS * 3);
  for (let k = 0; k < PATHS; k++) refParams.set(likelihood.params(ref, k * K, 1), k * 3);
  const diffs: [string, number][] = [['out', maxAbsDiff(o.out.data, ref)], ['params', maxAbsDiff(o.params.data, refParams)]];
  for (let l = 0; l < L; l++) diffs.push([`h${l}`, maxAbsDiff(o[`h${l}n`].data, state.h[l])], [`c${l}`, maxAbsDiff(o[`c${l}n`].data, state.c[l])]);
  return { maxDiff: Math.max(...diffs.map(([, d]) => d)), detail: diffs.map(([n, d]) => `${n} ${d.toExponential(2)}`).join(', ') };
}

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<number> {
  const check = await stepCheck(net);
  const passed = check.maxDiff <= STEP_TOLERANCE;
  out(`step check (${PATHS} paths, random inputs and states), max |ORT - our float64 step|: ${check.maxDiff.toExponential(2)} ` +
    `(${check.detail}); tolerance ${STEP_TOLERANCE.toExponential(0)}: ${passed ? 'ok' : 'EXCEEDED'}`);
  if (!passed) return 1;

  const predictor = new DeepARPredictor(model);
  const ort1 = await ortForecaster('ORT, 1 thread', 1, true);
  const ort2 = await ortForecaster('ORT, 2 threads, spinning off', 2, false);
  // the same seed end to end: ORT's raw outputs drive its own draws, so the samples differ only by rounding
  const ours = predictor.sample(series, PATHS, new Rng(11));
  const theirs = await ortSample(ort1, series, new Rng(11));
  let relMax = 0;
  for (let i = 0; i < ours.length; i++) relMax = Math.max(relMax, Math.abs(ours[i] - theirs[i]) / Math.abs(ours[i]));
  out(`same seed, whole forecast: max relative difference of the ${ours.length} samples, ORT vs ours: ${relMax.toExponential(2)}`);

  const engines: { name: string; run: (rng: Rng) => Promise<unknown> | unknown; ms: number[] }[] = [
    { name: `ours (${kernelBackend()} engine)`, run: (rng) => predictor.summarize(predictor.sample(series, PATHS, rng), PATHS, LEVELS), ms: [] },
    ...[ort1, ort2].map((f) => ({ name: f.name, run: async (rng: Rng) => predictor.summarize(await ortSample(f, series, rng), PATHS, LEVELS), ms: [] as number[] })),
  ];
  const loadBefore = loadAverage();
  for (let i = 0; i < REPS + WARMUP_REPS; i++) {
    for (let j = 0; j < engines.length; j++) {
      const e = engines[(i + j) % engines.length]; // rotate who goes first: no engine always follows the same one
      const rng = new Rng(i);
      const start = performance.now();
      await e.run(rng);
      if (i >= WARMUP_REPS) e.ms.push(performance.now() - start);
    }
  }
  const loadAfter = loadAverage();
  out(`forecast ${PATHS} x ${P} + quantiles, one series, ${REPS} reps after ${WARMUP_REPS} warm-up, interleaved (load average before: ${loadBefore}; after: ${loadAfter})`);
  out(`${'engine'.padEnd(32)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  p50 / ours`);
  const base = median(engines[0].ms);
  for (const e of engines) {
    out(`${e.name.padEnd(32)} ${median(e.ms).toFixed(2).padStart(8)} ${percentile(e.ms, 99).toFixed(2).padStart(8)}  ${(median(e.ms) / base).toFixed(2)}x`);
  }
  if (JSON_OUT) {
    const [o, one, two] = engines;
    const r = (v: number, d = 3): number => Number(v.toFixed(d));
    out(JSON.stringify({
      ours_p50_ms: r(median(o.ms)), ort_p50_ms: r(median(one.ms)), ours_p99_ms: r(percentile(o.ms, 99)), ort_p99_ms: r(percentile(one.ms, 99)),
      ratio: r(median(one.ms) / median(o.ms)), // ORT 1 thread over ours, p50
      ort2_p50_ms: r(median(two.ms)), ort2_p99_ms: r(percentile(two.ms, 99)),
      max_abs_diff: check.maxDiff, samples_max_rel_diff: relMax, ort_version: ortVersion, reps: REPS, loadavg_before: loadBefore, loadavg_after: loadAfter,
    }));
  }
  return 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
