/**
 * The time of one local training execution, from start to registered model, with the default
 * hyperparameters (src/core/run-config.ts) on 7 days of the shipped history, split by state, beside the
 * time the same steps take on SageMaker. Run: npx tsx bench/training-execution.ts [--runs 3]
 * (DEEPAR_KERNELS=wasm runs the float64 path of before issue 15, for a before/after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { IngestionReplay } from '../local/ingestion/replay';
import { createPipeline } from '../local/pipeline';
import { provision } from '../local/recovery';
import { openTwin } from '../local/twin';
import { kernelBackend } from '../src/deepar/runtime';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

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

async function once(): Promise<{ total: number; byState: Map<string, number>; status: string; epochs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-training-'));
  const twin = openTwin(dir);
  const replay = new IngestionReplay(twin.featureStore, loadMempoolHistory());
  const asOf = replay.startTime(7);
  await replay.backfill(asOf);
  let epochs = 0;
  const pipeline = await createPipeline(twin, { timeScale: 1, print: (line) => line.includes('epoch') && epochs++ });
  await provision(twin, pipeline);
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
  return { total, byState, status, epochs };
}

(async () => {
  console.log(`Training execution, local twin: ${runs} runs, default hyperparameters, 7 days of per-minute data (10,080 points)`);
  console.log('Measured: wall time from StartExecution to the end, and per state from its StateEntered/StateExited events.\n');
  const results = [];
  for (let i = 0; i < runs; i++) {
    const r = await once();
    results.push(r);
    console.log(`run ${i + 1}: ${r.total.toFixed(1)} s, ended ${r.status}, ${r.epochs} epochs`);
  }
  const states = [...results[0].byState.keys()];
  console.log(`\n${'state'.padEnd(26)}${'local (median)'.padStart(16)}   SageMaker (typical, not measured here)`);
  for (const state of states) {
    const m = median(results.map((r) => r.byState.get(state) ?? 0));
    if (m < 0.001 && !SAGEMAKER_TYPICAL[state]) continue;
    console.log(`${state.padEnd(26)}${`${m.toFixed(3)} s`.padStart(16)}   ${SAGEMAKER_TYPICAL[state] ?? ''}`);
  }
  const total = median(results.map((r) => r.total));
  console.log(`${'whole execution'.padEnd(26)}${`${total.toFixed(1)} s`.padStart(16)}   ~10-15 min`);
  console.log(`\nTarget (issue 15): the whole execution at most 30 s. Median ${total.toFixed(1)} s: ${total <= 30 ? 'met' : 'not met'}.`);
  const os = require('node:os') as typeof import('node:os');
  console.log(`Machine: ${os.cpus().length} cores, shared (load average ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} at the end); Node ${process.version}; DeepAR kernels: ${kernelBackend()}.`);
})();
