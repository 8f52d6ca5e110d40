/**
 * How long a batch transform blocks the twin's event loop (not a test). The training machine's transform runs in
 * the twin's main thread (local/sagemaker/transform-jobs.ts): while it forecasts, the dashboard and every other
 * request wait. This measures it as the pipeline runs it: a DeepAR model with the pipeline's default architecture,
 * the training machine's transform input (one line: a week of per-minute fees less the 30 held out) and its
 * DEEPAR_INFERENCE_CONFIG (num_samples = num_eval_samples), while `GET /` (the dashboard) is fetched back to back.
 *
 *   npx tsx bench/transform-blocking.ts [--runs 5] [--epochs 1]
 *
 * Prints, per transform job, its duration, the longest event-loop stall (perf_hooks.monitorEventLoopDelay) and the
 * slowest `GET /` answered meanwhile; then the medians. The peer: SageMaker runs a transform on its own instances,
 * so nothing of the control plane waits for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dashboardRoutes } from '../local/http/dashboard-routes';
import { createHttpServer, type Route } from '../local/http/server';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { historyMinutes, recordForMinute } from '../local/ingestion/transaction-stream';
import { createPipeline } from '../local/pipeline';
import { provision } from '../local/recovery';
import { openTwin } from '../local/twin';
import { MINUTE_MS } from '../src/core/feature-record';
import { DEFAULT_HYPERPARAMETERS } from '../src/core/run-config';
import { formatTimestamp } from '../src/deepar';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const runs = Number(flag('runs', '5'));
  const epochs = flag('epochs', '1');
  const hyperparameters = { ...DEFAULT_HYPERPARAMETERS, epochs };
  const out = (s = ''): void => void process.stdout.write(s + '\n');
  out(`Batch transform vs the event loop: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
  out(`model: DEFAULT_HYPERPARAMETERS with epochs=${epochs} (the forecast's cost depends on the architecture, not on training)`);

  const dir = mkdtempSync(join(tmpdir(), 'mlops-bench-transform-'));
  const twin = openTwin(dir);
  const pipeline = await createPipeline(twin);
  await provision(twin, pipeline);
  const sm = pipeline.sageMaker;
  try {
    const history = loadMempoolHistory();
    const { end } = historyMinutes(history);
    const WEEK = 7 * 24 * 60;
    const first = end - WEEK * MINUTE_MS;
    const target = Array.from({ length: WEEK }, (_, i) => recordForMinute(history, first + i * MINUTE_MS)?.avg_fee_1min ?? NaN);
    const line = (values: number[]) => JSON.stringify({ start: formatTimestamp(first), target: values.map((v) => (Number.isFinite(v) ? v : 'NaN')) }) + '\n';
    await twin.objectStore.put('s3://bench/train/data.json', line(target));
    await twin.objectStore.put('s3://bench/transform/input.json', line(target.slice(0, -30)));
    await sm.createTrainingJob({
      TrainingJobName: 'bench', RoleArn: 'arn:aws:iam::000000000000:role/Bench',
      AlgorithmSpecification: { TrainingImage: 'forecasting-deepar:local', TrainingInputMode: 'File' },
      HyperParameters: hyperparameters,
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bench/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://bench/models' },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    const job = await sm.waitForTrainingJob('bench');
    if (job.TrainingJobStatus !== 'Completed') throw new Error(`training ${job.TrainingJobStatus}: ${job.FailureReason}`);
    await sm.createModel({ ModelName: 'bench', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/Bench', PrimaryContainer: { Image: 'forecasting-deepar:local', ModelDataUrl: job.ModelArtifacts!.S3ModelArtifacts } });

    const routes: Route[] = [];
    const server = await createHttpServer({ routes });
    routes.push(...dashboardRoutes(twin, pipeline, () => server.url));
    const inferenceConfig = JSON.stringify({ num_samples: Number(DEFAULT_HYPERPARAMETERS.num_eval_samples ?? 100), output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] });
    out(`transform: 1 line of ${WEEK - 30} minutes, DEEPAR_INFERENCE_CONFIG ${inferenceConfig}`);

    const rows: Array<{ jobMs: number; stallMs: number; slowestGetMs: number; gets: number }> = [];
    for (let run = 0; run < runs; run++) {
      let probing = true;
      const gets: number[] = [];
      const probe = (async () => {
        while (probing) {
          const t = performance.now();
          const res = await fetch(`${server.url}/`);
          await res.arrayBuffer();
          gets.push(performance.now() - t);
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t0 = performance.now();
      await sm.createTransformJob({
        TransformJobName: `bench-${run}`, ModelName: 'bench', BatchStrategy: 'SingleRecord',
        Environment: { DEEPAR_INFERENCE_CONFIG: inferenceConfig },
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bench/transform/' } }, ContentType: 'application/jsonlines', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: `s3://bench/forecasts/${run}`, AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      });
      const done = await sm.waitForTransformJob(`bench-${run}`);
      const jobMs = performance.now() - t0;
      loop.disable();
      if (done.TransformJobStatus !== 'Completed') throw new Error(`transform ${done.TransformJobStatus}: ${done.FailureReason}`);
      await new Promise((r) => setTimeout(r, 200));
      probing = false;
      await probe;
      const row = { jobMs, stallMs: loop.max / 1e6, slowestGetMs: Math.max(...gets), gets: gets.length };
      rows.push(row);
      out(`run ${run + 1}: transform ${row.jobMs.toFixed(0)} ms; longest event-loop stall ${row.stallMs.toFixed(0)} ms; slowest GET / ${row.slowestGetMs.toFixed(0)} ms (${row.gets} GETs)`);
    }
    out(`\nmedian of ${runs}: transform ${median(rows.map((r) => r.jobMs)).toFixed(0)} ms, event loop blocked up to ${median(rows.map((r) => r.stallMs)).toFixed(0)} ms, slowest GET / ${median(rows.map((r) => r.slowestGetMs)).toFixed(0)} ms`);
    out('peer: SageMaker batch transform runs on its own instances; the control plane never waits for it');
    await server.close();
  } finally {
    pipeline.close();
    twin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
