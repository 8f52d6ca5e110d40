/**
 * Endpoint latency benchmark (not a test): a DeepAR model with the pipeline's default hyperparameters, trained on
 * a week of the shipped per-minute data, deployed to a local endpoint served over HTTP by the twin's server (with
 * its dashboard), loaded by autocannon.
 *
 *   npx tsx bench/endpoint-latency.ts [--duration 60] [--connections 32] [--epochs 2] [--overload N] [--json]
 *
 * Run 1: steady load, with the dashboard (GET /) fetched every 250 ms meanwhile: its latency says whether the
 * twin stays responsive. Run 2: the same load while the endpoint is updated to a second model half-way, with the
 * latency of the responses completed during the swap and the errors (which must be 0). Run 3: overload, N
 * connections (more than the bounded queue holds) offering three times run 1's throughput for half the duration:
 * requests beyond the queue must be answered 503 with Retry-After at once, the others within about the queue's
 * bound. (Offered at a rate, as many clients arrive; clients that resend the moment they read a 503 would make
 * the server answer little but 503s, which measures the load generator.) Targets (issue 15): >= 200 requests/s with p99 <= 250 ms and 0 errors under 32 clients, swap included;
 * one request alone p50 <= 10 ms. With --json the output ends with one JSON object of the figures.
 * The load generator and the dashboard probe run in a child process (this file with --load-generator); the server,
 * the local SageMaker and its inference workers run in this one. All share the machine's cores.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { dashboardRoutes } from '../local/http/dashboard-routes';
import { endpointRoutes, invocationsUrl } from '../local/http/endpoint-routes';
import { createHttpServer, type Route } from '../local/http/server';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { historyMinutes, recordForMinute } from '../local/ingestion/transaction-stream';
import { createPipeline } from '../local/pipeline';
import { provision } from '../local/recovery';
import { INVOCATION_LIMITS } from '../local/sagemaker/endpoint-request';
import { INFERENCE_POOL_DEFAULTS } from '../local/sagemaker/inference-pool';
import { openTwin } from '../local/twin';
import { MINUTE_MS } from '../src/core/feature-record';
import { DEFAULT_HYPERPARAMETERS } from '../src/core/run-config';
import { formatTimestamp } from '../src/deepar';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

/** One response as the load generator saw it: completion time (epoch ms), latency (ms), status (0: error). */
type Sample = [number, number, number];
interface LoadResult {
  /** Of the 2xx answers: latency percentiles (ms) and answers per second. */
  p50: number; p99: number; max: number; rps: number;
  /** Every response, errors and non-2xx included. */
  total: number; errors: number; timeouts: number; non2xx: number; samples: Sample[];
  /** CPU time (user + system, ms) the load generator's process spent during the run. */
  cpuMs: number;
  /** Latencies (ms) of the dashboard probe's GETs during the run (NaN: failed), if it ran. */
  probe: number[];
  /** The POST probe's answers: status, Retry-After header. */
  probeAnswers: [number, string | null][];
}
interface LoadOptions {
  url: string; body: string; connections: number; duration: number;
  /** Requests per second offered in all (autocannon's overallRate), else as fast as the answers come. */
  rate?: number;
  /** GET every 250 ms meanwhile (the dashboard), or POST `probeBody` (one more client, to read Retry-After). */
  probeUrl?: string; probeBody?: string;
}

if (args[0] === '--load-generator') void generateLoad(JSON.parse(args[1]) as LoadOptions);
else void main();

/**
 * GET the dashboard (or POST `body`) every 250 ms until `done`: how long a person waits for the page while the
 * endpoint is loaded, or what an overloaded endpoint tells one more client.
 */
async function probe(url: string, done: () => boolean, body?: string): Promise<{ latencies: number[]; answers: [number, string | null][] }> {
  const latencies: number[] = [];
  const answers: [number, string | null][] = [];
  while (!done()) {
    const t0 = performance.now();
    try {
      const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      latencies.push(res.status === 200 ? performance.now() - t0 : NaN);
      answers.push([res.status, res.headers.get('retry-after')]);
    } catch {
      latencies.push(NaN);
      answers.push([0, null]);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { latencies, answers };
}

async function generateLoad(o: LoadOptions): Promise<void> {
  const samples: Sample[] = [];
  const cpu0 = process.cpuUsage();
  let finished = false;
  const probing = o.probeUrl ? probe(o.probeUrl, () => finished, o.probeBody) : Promise.resolve({ latencies: [], answers: [] });
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: o.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: o.body, connections: o.connections, duration: o.duration, timeout: 60, ...(o.rate ? { overallRate: o.rate } : {}) },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => samples.push([Date.now(), ms, status]));
    instance.on('reqError', () => samples.push([Date.now(), NaN, 0]));
  });
  finished = true;
  const probed = await probing;
  const cpu = process.cpuUsage(cpu0);
  // Throughput and latency of the answers (2xx) only: a quick 503 must not count as a request served.
  const answered = samples.filter(([, , status]) => status >= 200 && status < 300).map(([, ms]) => ms);
  const result: LoadResult = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    p50: percentile(answered, 50), p99: percentile(answered, 99), max: Math.max(...answered), rps: answered.length / o.duration, total: r.requests.total,
    errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, samples, probe: probed.latencies, probeAnswers: probed.answers,
  };
  process.send!(result, () => process.exit(0));
}

function inChild<T>(mode: string, options: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [mode, JSON.stringify(options)], { stdio: 'inherit' });
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
  });
}

const runLoad = (o: LoadOptions): Promise<LoadResult> => inChild('--load-generator', o);

const round = (x: number, d: number): number => (Number.isFinite(x) ? Number(x.toFixed(d)) : NaN);
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

async function main(): Promise<void> {
  const duration = Number(flag('duration', '60'));
  const connections = Number(flag('connections', '32'));
  const epochs = flag('epochs', '2');
  const json = args.includes('--json');
  const overload = Number(flag('overload', String(INFERENCE_POOL_DEFAULTS.maxQueued + 2 * cpus().length + 64)));
  const hyperparameters = { ...DEFAULT_HYPERPARAMETERS, epochs };
  const out = (s = ''): void => void process.stdout.write(s + '\n');
  const loadBefore = loadavg()[0];
  out(`Endpoint latency benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); server and load generator share them`);
  out(`model: DeepAR with the pipeline's DEFAULT_HYPERPARAMETERS (src/core/run-config.ts) but epochs=${epochs} ` +
    `(default ${DEFAULT_HYPERPARAMETERS.epochs}; accuracy is not measured here, only serving): ${JSON.stringify(hyperparameters)}`);

  const dir = mkdtempSync(join(tmpdir(), 'mlops-bench-endpoint-'));
  // The twin as `mlops up` wires it: its SageMaker (inference in worker threads) and its dashboard.
  const twin = openTwin(dir);
  const pipeline = await createPipeline(twin);
  await provision(twin, pipeline);
  const store = twin.objectStore;
  const sm = pipeline.sageMaker;
  const bounds = INFERENCE_POOL_DEFAULTS;
  out(`inference pool: ${cpus().length} worker threads; batches of at most ${bounds.maxBatchRequests} requests / ${bounds.maxBatchPaths} sample paths; ` +
    `queue bound ${bounds.maxQueued} requests / ${bounds.maxQueueWaitMs} ms of estimated wait (503 beyond); limits per request: ${INVOCATION_LIMITS.instances} instances, num_samples ${INVOCATION_LIMITS.numSamples}`);
  out(`load average (1 min) before: ${loadBefore.toFixed(2)}`);
  try {
    // A week of per-minute records (the replay's stream), as the pipeline's DeepAR channel; the second model
    // is trained on the week that ends a day later (a retraining on newer data).
    const history = loadMempoolHistory();
    const { end } = historyMinutes(history);
    const WEEK = 7 * 24 * 60;
    const seriesFrom = (first: number, n: number) => ({
      startMs: first, target: Array.from({ length: n }, (_, i) => recordForMinute(history, first + i * MINUTE_MS)?.avg_fee_1min ?? NaN),
    });
    const a = seriesFrom(end - (WEEK + 1440) * MINUTE_MS, WEEK);
    const b = seriesFrom(end - WEEK * MINUTE_MS, WEEK);
    const line = (s: { startMs: number; target: number[] }) => JSON.stringify({ start: formatTimestamp(s.startMs), target: s.target.map((v) => (Number.isFinite(v) ? v : 'NaN')) }) + '\n';
    await store.put('s3://bench/a/train/data.json', line(a));
    await store.put('s3://bench/b/train/data.json', line(b));
    const t0 = performance.now();
    for (const name of ['a', 'b']) {
      await sm.createTrainingJob({
        TrainingJobName: `bench-${name}`, RoleArn: 'arn:aws:iam::000000000000:role/Bench',
        AlgorithmSpecification: { TrainingImage: 'forecasting-deepar:local', TrainingInputMode: 'File' },
        HyperParameters: hyperparameters,
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://bench/${name}/train/` } } }],
        OutputDataConfig: { S3OutputPath: 's3://bench/models' },
        ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      });
    }
    for (const name of ['a', 'b']) {
      const job = await sm.waitForTrainingJob(`bench-${name}`);
      if (job.TrainingJobStatus !== 'Completed') throw new Error(`training ${name} ${job.TrainingJobStatus}: ${job.FailureReason}`);
      await sm.createModel({ ModelName: `bench-${name}`, ExecutionRoleArn: 'arn:aws:iam::000000000000:role/Bench', PrimaryContainer: { Image: 'forecasting-deepar:local', ModelDataUrl: job.ModelArtifacts!.S3ModelArtifacts } });
      await sm.createEndpointConfig({ EndpointConfigName: `bench-${name}`, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: `bench-${name}`, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    }
    out(`trained two models in ${((performance.now() - t0) / 1000).toFixed(1)} s (two training jobs at once)`);
    await sm.createEndpoint({ EndpointName: 'bench', EndpointConfigName: 'bench-a' });
    const created = await sm.waitForEndpoint('bench');
    if (created.EndpointStatus !== 'InService') throw new Error(`endpoint ${created.EndpointStatus}: ${created.FailureReason}`);

    const routes: Route[] = [];
    const server = await createHttpServer({ routes });
    routes.push(...endpointRoutes(sm), ...dashboardRoutes(twin, pipeline, () => server.url));
    const url = invocationsUrl(server.url, 'bench');
    const dashboardUrl = `${server.url}/`;
    const instance = { start: formatTimestamp(b.startMs + (WEEK - 240) * MINUTE_MS), target: b.target.slice(-240).map((v) => (Number.isFinite(v) ? v : 'NaN')) };
    const body = JSON.stringify({ instances: [instance], configuration: { num_samples: 100, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] } });
    out(`request: POST ${url}, ${body.length} bytes: one instance (the last 240 minutes), num_samples 100, output_types mean+quantiles (0.1, 0.5, 0.9)`);

    // Service time: one request at a time (no queueing).
    const single: number[] = [];
    for (let i = 0; i < 105; i++) {
      const s = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warm-up request answered ${res.status}`);
      if (i >= 5) single.push(performance.now() - s);
    }

    out(`\nrun 1: ${connections} connections, ${duration} s ...`);
    const batchesBefore = { ...sm.endpointServingStats()! };
    const serverCpu0 = process.cpuUsage();
    const steady = await runLoad({ url, body, connections, duration, probeUrl: dashboardUrl });
    const serverCpu = process.cpuUsage(serverCpu0);
    const batchesAfter = { ...sm.endpointServingStats()! };
    // CPU per answer (this process: the HTTP thread and the inference workers; the load generator's own): what the
    // cores must give per answer, which other work on the machine disturbs far less than wall time.
    const answers = steady.rps * duration;
    const serverCpuPerAnswer = (serverCpu.user + serverCpu.system) / 1000 / Math.max(1, answers);
    const loadCpuPerAnswer = steady.cpuMs / Math.max(1, answers);
    const cpuBoundRps = (cpus().length * 1000) / (serverCpuPerAnswer + loadCpuPerAnswer);
    const meanBatch = (batchesAfter.batchedRequests - batchesBefore.batchedRequests) / Math.max(1, batchesAfter.batches - batchesBefore.batches);
    // Share of the run the workers spent in inference: near 1, only faster inference raises the throughput.
    const workerBusy = (batchesAfter.inferenceMs - batchesBefore.inferenceMs) / (duration * 1000 * batchesAfter.workers);
    const inferenceMsPerRequest = (batchesAfter.inferenceMs - batchesBefore.inferenceMs) / Math.max(1, batchesAfter.batchedRequests - batchesBefore.batchedRequests);
    out(`run 2: ${connections} connections, ${duration} s, UpdateEndpoint to a second model at ${(duration / 2).toFixed(0)} s ...`);
    const swapping = runLoad({ url, body, connections, duration });
    await new Promise((r) => setTimeout(r, (duration / 2) * 1000));
    const swapStart = Date.now();
    await sm.updateEndpoint({ EndpointName: 'bench', EndpointConfigName: 'bench-b' });
    const updated = await sm.waitForEndpoint('bench');
    const swapEnd = Date.now();
    const swap = await swapping;
    const runEnd = Math.max(...swap.samples.map(([t]) => t));
    if (swapEnd > runEnd) out(`WARNING: the update ended ${swapEnd - runEnd} ms after the load stopped: the swap was not measured under load; raise --duration`);
    const overloadSeconds = Math.max(5, Math.round(duration / 2));
    const offered = Math.max(100, Math.round(3 * steady.rps));
    out(`run 3: overload, ${offered} requests/s offered on ${overload} connections for ${overloadSeconds} s (the queue holds ${bounds.maxQueued} requests or ${bounds.maxQueueWaitMs} ms of work) ...`);
    const refusedBefore = sm.endpointServingStats()!.refused;
    const flood = await runLoad({ url, body, connections: overload, duration: overloadSeconds, rate: offered, probeUrl: url, probeBody: body });
    const refusedByPool = sm.endpointServingStats()!.refused - refusedBefore;
    await server.close();
    const loadAfter = loadavg()[0];

    // Responses completed from the UpdateEndpoint call until one full queue after InService (latency of requests queued across the swap).
    const settle = Math.max(1000, steady.p99);
    const during = swap.samples.filter(([t]) => t >= swapStart && t <= swapEnd + settle);
    const duringLat = during.filter(([, , s]) => s >= 200 && s < 300).map(([, ms]) => ms);
    const duringFailed = during.filter(([, , s]) => s === 0 || s >= 300).length;

    const f = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
    const row = (cells: string[]): void => out(cells.map((c, i) => (i === 0 ? c.padEnd(40) : c.padStart(14))).join(' '));
    const singleP50 = percentile(single, 50);
    const steadyErrors = steady.errors + steady.timeouts + steady.non2xx;
    const swapErrors = swap.errors + swap.timeouts + swap.non2xx;
    const floodMs = (status: number) => flood.samples.filter(([, , st]) => st === status).map(([, ms]) => ms);
    const [ok, unavailable] = [floodMs(200), floodMs(503)];
    const otherwise = flood.samples.length - ok.length - unavailable.length;
    const probed503 = flood.probeAnswers.filter(([status]) => status === 503);
    const withRetryAfter = probed503.filter(([, retryAfter]) => retryAfter !== null && Number(retryAfter) >= 1).length;
    out('');
    row(['figure', 'ours: steady', 'ours: swap run', 'during swap', 'target', 'SageMaker']);
    row(['latency p50 of 2xx, ms', f(steady.p50), f(swap.p50), f(percentile(duringLat, 50)), '-', 'not published']);
    row(['latency p99 of 2xx, ms', f(steady.p99), f(swap.p99), f(percentile(duringLat, 99)), '<= 250', 'not published']);
    row(['latency max of 2xx, ms', f(steady.max), f(swap.max), f(Math.max(...duringLat)), '-', '-']);
    row(['answers (2xx) per s', f(steady.rps, 1), f(swap.rps, 1), '-', '>= 200', '-']);
    row(['responses (any status)', String(steady.total), String(swap.total), String(during.length), '-', '-']);
    row(['errors (connection, timeouts)', `${steady.errors} (${steady.timeouts})`, `${swap.errors} (${swap.timeouts})`, String(duringFailed), '0', '-']);
    row(['non-2xx', String(steady.non2xx), String(swap.non2xx), '-', '0', '-']);
    row(['requests per batch, mean (run 1)', f(meanBatch, 1), '-', '-', '-', '-']);
    row(['workers busy in inference (run 1)', `${f(100 * workerBusy)}%`, '-', '-', '-', '-']);
    row(['inference per request, ms (run 1)', f(inferenceMsPerRequest, 2), '-', '-', '-', '-']);
    row(['CPU per answer: server / load gen., ms', `${f(serverCpuPerAnswer, 2)} / ${f(loadCpuPerAnswer, 2)}`, '-', '-', '-', '-']);
    const dash = steady.probe.filter(Number.isFinite);
    row(['dashboard GET / p50, ms (under load)', f(percentile(dash, 50)), '-', '-', '-', '-']);
    row(['dashboard GET / p99, ms (under load)', f(percentile(dash, 99)), '-', '-', '< 500', '-']);
    row(['dashboard GET / max, ms; failed', `${f(Math.max(...dash))}; ${steady.probe.length - dash.length}`, '-', '-', '0 failed', '-']);
    out('');
    out(`one request at a time (no queueing): p50 ${f(singleP50, 1)} ms, p99 ${f(percentile(single, 99), 1)} ms over ${single.length} requests (target p50 <= 10 ms).`);
    out(`swap: UpdateEndpoint -> ${updated.EndpointStatus} (${updated.EndpointConfigName}) in ${swapEnd - swapStart} ms; "during swap" = responses completed from the call until ${settle.toFixed(0)} ms after InService.`);
    out(`overload (${offered} requests/s offered, ${overload} connections, ${overloadSeconds} s): ${ok.length} answered 200 (p50 ${f(percentile(ok, 50))} ms, p99 ${f(percentile(ok, 99))} ms, max ${f(Math.max(...ok))} ms); ` +
      `${unavailable.length} answered 503 (p50 ${f(percentile(unavailable, 50), 1)} ms, p99 ${f(percentile(unavailable, 99), 1)} ms; ${refusedByPool} refused by the full queue); ${otherwise} other outcomes; ` +
      `one more client's POST every 250 ms: ${probed503.length} of ${flood.probeAnswers.length} answered 503, ${withRetryAfter} of them with Retry-After (values ${[...new Set(probed503.map(([, r]) => r))].join(', ')}).`);
    const met = Math.min(steady.rps, swap.rps) >= 200 && Math.max(steady.p99, swap.p99) <= 250 && steadyErrors + swapErrors === 0 && singleP50 <= 10;
    out(`targets (>= 200 req/s, p99 <= 250 ms, 0 errors, in both runs (the swap included); one request p50 <= 10 ms): ${met ? 'met' : 'NOT met'} ` +
      `(${f(steady.rps, 1)} / ${f(swap.rps, 1)} req/s, p99 ${f(steady.p99)} / ${f(swap.p99)} ms, ${steadyErrors} / ${swapErrors} errors; ${f(singleP50, 1)} ms).`);
    out(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (other work on the machine slows every figure).`);
    out(`CPU per answer in run 1: ${f(serverCpuPerAnswer, 2)} ms in this process (HTTP thread and inference workers), ${f(loadCpuPerAnswer, 2)} ms in the load generator: ` +
      `${cpus().length} cores given to this benchmark alone would answer at most ~${f(cpuBoundRps)} requests/s (a bound from CPU time, not a measured throughput).`);
    out('SageMaker: AWS publishes no latency figure for DeepAR endpoints (CloudWatch reports ModelLatency and OverheadLatency per endpoint); ' +
      'no observed figure here (no AWS account in this run).');
    out(`dashboard: GET / (the real page, with its queries) every 250 ms from the load generator's process during run 1: ${steady.probe.length} requests.`);
    out(`How: npx tsx bench/endpoint-latency.ts --duration ${duration} --connections ${connections} --epochs ${epochs}. autocannon ${connections} connections (keep-alive, one request in flight each) ` +
      `in a child process, the twin's HTTP server (node:http, one event loop) in this process and DeepAR inference in its ${cpus().length} worker threads (dynamic batching), on ${cpus().length} cores shared by all; ` +
      'latency is autocannon\'s (request sent to response received); the swap is the local SageMaker\'s UpdateEndpoint (unpack, load, one assignment).');
    if (json) {
      out(JSON.stringify({
        requests_per_s: round(steady.rps, 1), p50_ms: steady.p50, p99_ms: steady.p99, max_ms: steady.max, errors: steadyErrors, single_p50_ms: round(singleP50, 2),
        swap_requests_per_s: round(swap.rps, 1), swap_p99_ms: swap.p99, swap_errors: swapErrors, during_swap_p99_ms: percentile(duringLat, 99), during_swap_errors: duringFailed,
        server_cpu_ms_per_answer: round(serverCpuPerAnswer, 2), loadgen_cpu_ms_per_answer: round(loadCpuPerAnswer, 2), cpu_bound_requests_per_s: round(cpuBoundRps, 0),
        mean_batch_requests: round(meanBatch, 2), worker_busy: round(workerBusy, 3), inference_ms_per_request: round(inferenceMsPerRequest, 2), overload_connections: overload, overload_offered_per_s: offered, overload_200: ok.length, overload_200_p99_ms: percentile(ok, 99), overload_200_max_ms: Math.max(...ok),
        overload_503: unavailable.length, overload_503_p50_ms: round(percentile(unavailable, 50), 1), overload_503_p99_ms: round(percentile(unavailable, 99), 1), overload_other: otherwise,
        overload_probe_503_with_retry_after: withRetryAfter, overload_probe_503: probed503.length,
        dashboard_p99_ms: percentile(dash, 99), connections, duration_s: duration, workers: cpus().length, queue_bound: bounds.maxQueued, queue_bound_wait_ms: bounds.maxQueueWaitMs,
        max_batch_requests: bounds.maxBatchRequests, max_batch_paths: bounds.maxBatchPaths, load_before: round(loadBefore, 2), load_after: round(loadAfter, 2),
      }));
    }
    if (steadyErrors + swapErrors > 0) process.exitCode = 1;
  } finally {
    pipeline.close();
    twin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
