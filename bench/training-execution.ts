/**
 * The time of one local training execution, from start to registered model, with the default
 * hyperparameters (src/core/run-config.ts: 48 evaluation windows) on 7 days of the shipped history, split
 * by state, beside the time the same steps take on SageMaker. Two cases:
 *
 *   first model   nothing serves yet: the gate compares with seasonal naive only
 *   retraining    (--retraining) a first model serves staging and production (approved automatically);
 *                 the timed training then also sends the 48 windows' instances to both endpoints for the
 *                 paired comparison, as every retraining monitoring starts does
 *
 * Run: npx tsx bench/training-execution.ts [--runs 3] [--retraining] [--json]
 * (DEEPAR_KERNELS=wasm runs the float64 path of before issue 15, for a before/after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { IngestionReplay } from '../local/ingestion/replay';
import { createPipeline } from '../local/pipeline';
import { provision } from '../local/recovery';
import { openTwin } from '../local/twin';
import { kernelBackend } from '../src/deepar/runtime';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const retraining = process.argv.includes('--retraining');
const asJson = process.argv.includes('--json');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const HOUR_MS = 3_600_000;

// What the same steps take on AWS. Not measured here (no AWS account on this machine): SageMaker starts
// an instance and pulls the algorithm's image for every training and transform job; AWS's own write-up of
// Managed Warm Pools calls cold starts minutes and aims at under 20 s only with a warm pool kept alive.
const SAGEMAKER_TYPICAL: Record<string, string> = {
  TrainModel: '4-8 min (2-4 min start-up + training on ml.c5.xlarge)',
  ForecastHoldout: '4-6 min (instance start-up dominates a 1-series transform)',
  CreateModel: '< 1 s',
  RegisterModel: '< 1 s',
  LoadRunConfig: '~0.1-1 s (Lambda, cold start included)',
  ExtractSeries: '~2-5 s (10,080 ids in 101 BatchGetRecord calls)',
  EvaluateForecast: '~0.5-2 s (Lambda)',
};

interface Run {
  total: number;
  byState: Map<string, number>;
  status: string;
  epochs: number;
  /** Seconds the training job spent in its epochs (from its progress lines); the rest of TrainModel is I/O and the test metrics. */
  epochSeconds: number;
}

// The local SageMaker's progress line: "training NAME: epoch 3/10, loss 1.2345 (1.2 s)".
const EPOCH_LINE = /: epoch \d+\/\d+, loss \S+ \(([\d.]+) s\)/;

async function once(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-training-'));
  const twin = openTwin(dir);
  const replay = new IngestionReplay(twin.featureStore, loadMempoolHistory());
  let asOf = replay.startTime(7);
  await replay.backfill(asOf);
  let epochs = 0;
  let epochSeconds = 0;
  const onLine = (line: string) => {
    const epoch = EPOCH_LINE.exec(line);
    if (!epoch) return;
    epochs++;
    epochSeconds += Number(epoch[1]);
  };
  const pipeline = await createPipeline(twin, { timeScale: 1, autoApprove: retraining, print: onLine });
  await provision(twin, pipeline);
  if (retraining) {
    const first = await pipeline.startTraining({ asOf: new Date(asOf), reason: 'benchmark: the model that serves' }).done;
    const deployment = (first.output as { deploymentExecutionArn?: string } | undefined)?.deploymentExecutionArn;
    if (!deployment) throw new Error(`the first training registered no model: ${JSON.stringify(first.output ?? first.cause)}`);
    const deployed = await pipeline.stepFunctions.waitForExecution(deployment);
    if ((deployed.output as { status?: string } | undefined)?.status !== 'deployed') throw new Error(`the first model was not deployed: ${JSON.stringify(deployed.output ?? deployed.cause)}`);
    // An hour later, as monitoring would start it: a new window, both stages serving.
    asOf += HOUR_MS;
    await replay.backfill(asOf);
    epochs = 0;
    epochSeconds = 0;
  }
  const started = Date.now();
  const { executionArn, done } = pipeline.startTraining({ asOf: new Date(asOf), reason: 'benchmark' });
  const execution = await done;
  const total = (Date.now() - started) / 1000;
  const byState = new Map<string, number>();
  const entered = new Map<string, number>();
  for (const event of pipeline.stepFunctions.history(executionArn)) {
    if (event.type === 'StateEntered') entered.set(event.stateName!, Date.parse(event.timestamp));
    if (event.type === 'StateExited') byState.set(event.stateName!, (Date.parse(event.timestamp) - entered.get(event.stateName!)!) / 1000);
  }
  pipeline.close();
  twin.close();
  rmSync(dir, { recursive: true, force: true });
  const status = execution.status === 'SUCCEEDED' ? String((execution.output as { status: string }).status) : execution.status;
  return { total, byState, status, epochs, epochSeconds };
}

(async () => {
  const loadBefore = loadavg();
  const say = (line: string) => (asJson ? process.stderr : process.stdout).write(`${line}\n`);
  const scenario = retraining ? 'retraining, a first model serving staging and production' : 'first model, nothing serving';
  say(`Training execution, local twin (${scenario}): ${runs} runs, default hyperparameters, 7 days of per-minute data (10,080 points), 48 evaluation windows`);
  say('Measured: wall time from StartExecution to the end, and per state from its StateEntered/StateExited events.\n');
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once();
    results.push(r);
    say(`run ${i + 1}: ${r.total.toFixed(1)} s, ended ${r.status}, ${r.epochs} epochs (${r.epochSeconds.toFixed(1)} s of epochs)`);
  }
  const states = [...results[0].byState.keys()];
  const byState: Record<string, number> = {};
  say(`\n${'state'.padEnd(26)}${'local (median)'.padStart(16)}   SageMaker (typical, not measured here)`);
  for (const state of states) {
    const m = median(results.map((r) => r.byState.get(state) ?? 0));
    byState[state] = m;
    if (m < 0.001 && !SAGEMAKER_TYPICAL[state]) continue;
    say(`${state.padEnd(26)}${`${m.toFixed(3)} s`.padStart(16)}   ${SAGEMAKER_TYPICAL[state] ?? ''}`);
    if (state === 'TrainModel') {
      const epochs = median(results.map((r) => r.epochSeconds));
      say(`${'  of which epochs'.padEnd(26)}${`${epochs.toFixed(3)} s`.padStart(16)}`);
      say(`${'  the rest (I/O, test)'.padEnd(26)}${`${median(results.map((r) => (r.byState.get(state) ?? 0) - r.epochSeconds)).toFixed(3)} s`.padStart(16)}`);
    }
  }
  const total = median(results.map((r) => r.total));
  say(`${'whole execution'.padEnd(26)}${`${total.toFixed(1)} s`.padStart(16)}   ~10-15 min`);
  say(`\nTarget (issue 15): the whole execution at most 30 s. Median ${total.toFixed(1)} s: ${total <= 30 ? 'met' : 'not met'}.`);
  const loadAfter = loadavg();
  const fmt = (l: number[]) => l.map((x) => x.toFixed(1)).join(', ');
  say(`Machine: ${cpus().length} cores, shared (load average ${fmt(loadBefore)} at the start, ${fmt(loadAfter)} at the end); Node ${process.version}; DeepAR kernels: ${kernelBackend()}.`);
  if (asJson) {
    console.log(JSON.stringify({
      scenario: retraining ? 'retraining' : 'first-model',
      runs,
      execution_s: results.map((r) => r.total),
      median_execution_s: total,
      median_epochs_s: median(results.map((r) => r.epochSeconds)),
      median_state_s: byState,
      status: results.map((r) => r.status),
      load_start: loadBefore[0],
      load_end: loadAfter[0],
      kernels: kernelBackend(),
    }));
  }
})();
