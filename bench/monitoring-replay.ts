/**
 * Replays the shipped history through the twin with hourly monitoring on, twice: with retraining (K
 * breaches, cool-down, approvals automatic) and with a model never retrained. Reports the retrainings,
 * the delay from the start of each sustained accuracy drop to the retraining, triggers while the frozen
 * model was not breaching, and the production model's mean wQuantileLoss over the replay in both runs.
 *
 *   npx tsx bench/monitoring-replay.ts [--days 10] [--epochs 3] [--start-days 7]
 *
 * The twin's clock is driven directly here (hour by hour, as fast as the machine allows), not at --speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { IngestionReplay } from '../local/ingestion/replay';
import { createPipeline } from '../local/pipeline';
import { provision } from '../local/recovery';
import { openTwin } from '../local/twin';
import { DEFAULT_HYPERPARAMETERS } from '../src/core/run-config';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DAYS = arg('days', 10);
const EPOCHS = arg('epochs', 3);
const START_DAYS = arg('start-days', 7);
const HOUR = 3_600_000;

interface HourResult { at: number; loss?: number; threshold?: number; retrainingStarted: boolean }

async function replay(retrain: boolean): Promise<{ hours: HourResult[]; retrainings: number[]; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-monitoring-'));
  const twin = openTwin(dir);
  const ingestion = new IngestionReplay(twin.featureStore, loadMempoolHistory());
  const start = ingestion.startTime(START_DAYS);
  await ingestion.backfill(start);
  let now = start;
  const pipeline = await createPipeline(twin, { timeScale: 0, autoApprove: true, now: () => new Date(now) });
  await provision(twin, pipeline);
  const path = pipeline.settings.PARAMETER_PATH;
  await twin.parameterStore.put(`${path}/training/hyperparameters`, JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, epochs: String(EPOCHS) }), { overwrite: true });
  // Never retrained: monitoring still measures, but K is out of reach.
  if (!retrain) await twin.parameterStore.put(`${path}/monitoring/breaches-before-retraining`, '100000', { overwrite: true });
  const started = Date.now();
  const first = await pipeline.startTraining({ asOf: new Date(start), reason: 'benchmark: first model' }).done;
  await pipeline.stepFunctions.waitForExecution((first.output as { deploymentExecutionArn: string }).deploymentExecutionArn);
  const hours: HourResult[] = [];
  const retrainings: number[] = [];
  for (let at = start + HOUR; at <= start + DAYS * 24 * HOUR; at += HOUR) {
    now = at;
    await ingestion.backfill(at);
    const execution = await pipeline.startMonitoring(new Date(at)).done;
    const output = (execution.output ?? {}) as { status?: string; trainingExecutionArn?: string; checks?: Array<{ stage: string; outcome: string; loss?: number; threshold?: number }> };
    const production = output.checks?.find((c) => c.stage === 'production' && c.outcome === 'measured');
    const retrainingStarted = output.status === 'retraining';
    hours.push({ at, loss: production?.loss, threshold: production?.threshold, retrainingStarted });
    if (retrainingStarted) {
      retrainings.push(at);
      const training = await pipeline.stepFunctions.waitForExecution(output.trainingExecutionArn!);
      const deployment = (training.output as { deploymentExecutionArn?: string } | undefined)?.deploymentExecutionArn;
      if (deployment) await pipeline.stepFunctions.waitForExecution(deployment);
    }
    if (hours.length % 24 === 0) process.stderr.write(`${retrain ? 'with' : 'without'} retraining: day ${hours.length / 24} of ${DAYS}\n`);
  }
  const seconds = (Date.now() - started) / 1000;
  pipeline.close();
  twin.close();
  rmSync(dir, { recursive: true, force: true });
  return { hours, retrainings, seconds };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

(async () => {
  console.log(`Monitoring replay: ${DAYS} days of the real history after a ${START_DAYS}-day start, hourly checks, DeepAR ${EPOCHS} epochs per training, K and cool-down at their defaults (3, 6 h).`);
  const withRetraining = await replay(true);
  const frozen = await replay(false);
  const lossesWith = withRetraining.hours.flatMap((h) => (h.loss === undefined ? [] : [h.loss]));
  const lossesFrozen = frozen.hours.flatMap((h) => (h.loss === undefined ? [] : [h.loss]));
  // A sustained drop: 3 or more consecutive hours where the frozen model is over the initial threshold.
  const threshold0 = frozen.hours.find((h) => h.threshold !== undefined)?.threshold ?? NaN;
  const drops: number[] = [];
  let run = 0;
  for (const h of frozen.hours) {
    run = h.loss !== undefined && h.loss > threshold0 ? run + 1 : 0;
    if (run === 3) drops.push(h.at - 2 * HOUR);
  }
  const delays = withRetraining.retrainings.map((r) => {
    const drop = [...drops].reverse().find((d) => d <= r);
    return drop === undefined ? undefined : (r - drop) / HOUR;
  });
  const falseTriggers = withRetraining.retrainings.filter((r) => {
    const frozenAt = frozen.hours.find((h) => h.at === r);
    return frozenAt?.loss !== undefined && frozenAt.loss <= threshold0;
  }).length;
  const gaps = withRetraining.retrainings.slice(1).map((r, i) => (r - withRetraining.retrainings[i]) / HOUR);
  console.log(`\nretrainings started: ${withRetraining.retrainings.length} (${withRetraining.retrainings.map((r) => new Date(r).toISOString().slice(0, 13)).join(', ') || 'none'})`);
  console.log(`sustained accuracy drops of the frozen model (3+ h over the initial threshold ${threshold0.toFixed(4)}): ${drops.length}`);
  console.log(`delay from a drop's start to the retraining: ${delays.map((d) => (d === undefined ? 'n/a' : `${d} h`)).join(', ') || 'n/a'}`);
  console.log(`retrainings while the frozen model was not breaching (false triggers): ${falseTriggers}`);
  console.log(`shortest gap between retrainings: ${gaps.length ? Math.min(...gaps) : 'n/a'} h (cool-down 6 h: at most one retraining per cool-down)`);
  console.log(`\nproduction mean wQuantileLoss over the replay (mean of hourly checks):`);
  console.log(`  with retraining     ${mean(lossesWith).toFixed(4)}  (${lossesWith.length} checks, ${withRetraining.seconds.toFixed(0)} s)`);
  console.log(`  never retrained     ${mean(lossesFrozen).toFixed(4)}  (${lossesFrozen.length} checks, ${frozen.seconds.toFixed(0)} s)`);
  console.log(`  ratio               ${(mean(lossesWith) / mean(lossesFrozen)).toFixed(3)}  (target: below 1)`);
})();
