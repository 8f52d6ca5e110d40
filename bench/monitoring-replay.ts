/**
 * Replays the shipped history through the twin with hourly monitoring on, twice and at the same time: with
 * retraining (K breaches, cool-down, approvals automatic) and with the first model never retrained. In the
 * retraining run, production is replaced once by a garbled copy of its model (test/builders/broken-model.ts)
 * and the bench measures how fast monitoring catches it and a retrained model replaces it.
 *
 *   npx tsx bench/monitoring-replay.ts [--days N (all)] [--start-days 7] [--epochs 3] [--criterion skill]
 *       [--criteria skill,absolute] [--max-skill 1] [--approved-loss-factor 1] [--windows 12]
 *       [--inject-day N (half-way)] [--keep-staging] [--json]
 *
 * `--criteria a,b` replays each criterion with retraining beside one never-retrained run (its checks do
 * not depend on the criterion: it never retrains), all in the same process and on the same code.
 *
 * It reads only what a user sees: the monitoring executions' outputs (each stage's check: loss, seasonal
 * naive's loss, skill), the trainings it started and their deployments. Nothing of the training machine's
 * evaluation is read, so the bench measures whatever gate the training machine applies.
 *
 * The twin's clock is driven directly here (hour by hour, as fast as the machine allows): a training and its
 * deployment take no twin time, so "fixed" is the twin hour at which the retrained model serves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { IngestionReplay } from '../local/ingestion/replay';
import { historyMinutes } from '../local/ingestion/transaction-stream';
import { createPipeline } from '../local/pipeline';
import { provision } from '../local/recovery';
import { LOCAL_SETTINGS } from '../local/settings';
import { openTwin } from '../local/twin';
import { isBreach, type Check as JudgedCheck } from '../src/core/monitoring-policy';
import { DEFAULT_HYPERPARAMETERS, DEFAULT_PARAMETERS } from '../src/core/run-config';
import { deployBrokenModel } from '../test/builders/broken-model';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const numberArg = (name: string, fallback: number): number => {
  const value = arg(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number of 0 or more, not ${JSON.stringify(value)}`);
  return n;
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JSON_OUTPUT = process.argv.includes('--json');
const START_DAYS = numberArg('start-days', 7);
const EPOCHS = numberArg('epochs', 3);
const CRITERIA = (arg('criteria') ?? arg('criterion') ?? DEFAULT_PARAMETERS.monitoringCriterion).split(',');
const MAX_SKILL = numberArg('max-skill', Number(DEFAULT_PARAMETERS.maxSkill));
const APPROVED_LOSS_FACTOR = numberArg('approved-loss-factor', Number(DEFAULT_PARAMETERS.approvedLossFactor));
const WINDOWS = numberArg('windows', 12);
const K = Number(DEFAULT_PARAMETERS.breachesBeforeRetraining);
const COOLDOWN_HOURS = Number(DEFAULT_PARAMETERS.cooldownHours);
const KEEP_STAGING = process.argv.includes('--keep-staging');

const history = loadMempoolHistory();
const { first, end } = historyMinutes(history);
/** Whole days of history after the start, unless --days says fewer. */
const DAYS = numberArg('days', Math.floor((end - first - START_DAYS * DAY) / DAY));
const INJECT_DAY = numberArg('inject-day', Math.max(1, Math.floor(DAYS / 2)));

/**
 * Priced from docs/deploy.md's cost table: a training job on ml.c5.xlarge is "about 0.25 h billed"
 * ($0.05, "at most 1 h: the job's limit", "at most $0.20": $0.20 an hour), a batch transform "about 0.15 h
 * billed" ($0.03). The twin's training time says nothing of SageMaker's, so the table's figures are used.
 */
const COST = {
  instanceType: LOCAL_SETTINGS.TRAINING_INSTANCE_TYPE,
  transformInstanceType: LOCAL_SETTINGS.TRANSFORM_INSTANCE_TYPE,
  trainingMinutes: 15,
  transformMinutes: 9,
  dollarsPerHour: 0.2,
};

type Check = JudgedCheck & { stage: string };
interface HourResult { at: number; production?: Check; retrainingStarted: boolean; reason: string }
interface Retraining { at: number; registered: boolean; deployed: boolean }
interface Replay { hours: HourResult[]; retrainings: Retraining[]; seconds: number; injection?: { at: number; detectedChecks?: number; fixedHours?: number } }

const log = (line: string) => process.stderr.write(`${line}\n`);

async function replay(retrain: boolean, criterion: string): Promise<Replay> {
  const name = retrain ? `with retraining (${criterion})` : 'never retrained';
  const dir = mkdtempSync(join(tmpdir(), 'bench-monitoring-'));
  const twin = openTwin(dir);
  const ingestion = new IngestionReplay(twin.featureStore, history);
  const start = ingestion.startTime(START_DAYS);
  await ingestion.backfill(start);
  let now = start;
  const pipeline = await createPipeline(twin, { timeScale: 0, autoApprove: true, now: () => new Date(now) });
  await provision(twin, pipeline);
  const path = pipeline.settings.PARAMETER_PATH;
  const set = (key: string, value: string) => twin.parameterStore.put(`${path}/${key}`, value, { overwrite: true });
  await set('training/hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, epochs: String(EPOCHS) }));
  await set('monitoring/criterion', criterion);
  await set('monitoring/max-skill', String(MAX_SKILL));
  await set('monitoring/approved-loss-factor', String(APPROVED_LOSS_FACTOR));
  await set('monitoring/windows', String(WINDOWS));
  // Never retrained: monitoring still measures, but K is out of reach.
  if (!retrain) await set('monitoring/breaches-before-retraining', '100000');
  const started = Date.now();
  // With approvals automatic, staging serves what production serves: the bench deletes it after each
  // deployment, so each check forecasts once (production), not twice. Staging's checks say "no-endpoint".
  const dropStaging = async () => {
    if (KEEP_STAGING) return;
    await pipeline.sageMaker.deleteEndpoint({ EndpointName: pipeline.settings.STAGING_ENDPOINT_NAME }).catch(() => undefined);
  };
  const firstTraining = await pipeline.startTraining({ asOf: new Date(start), reason: 'benchmark: first model' }).done;
  await pipeline.stepFunctions.waitForExecution((firstTraining.output as { deploymentExecutionArn: string }).deploymentExecutionArn);
  await dropStaging();

  const hours: HourResult[] = [];
  const retrainings: Retraining[] = [];
  let lastTrainingStart = start;
  // The injection: the first half hour from --inject-day on that is out of the cool-down (and K checks before its end).
  let injection: Replay['injection'];
  const injectFrom = start + INJECT_DAY * DAY + 12.5 * HOUR;
  for (let at = start + HOUR; at <= start + DAYS * DAY; at += HOUR) {
    if (retrain && !injection && at - HOUR / 2 >= injectFrom && at - HOUR / 2 - lastTrainingStart >= (COOLDOWN_HOURS - K + 0.5) * HOUR) {
      now = at - HOUR / 2;
      await ingestion.backfill(now);
      await deployBrokenModel(twin, pipeline, pipeline.settings.PRODUCTION_ENDPOINT_NAME, `bench-${new Date(now).toISOString().slice(0, 13)}`);
      injection = { at: now };
      log(`${name}: production replaced by a garbled model at ${new Date(now).toISOString()}`);
    }
    now = at;
    await ingestion.backfill(at);
    const execution = await pipeline.startMonitoring(new Date(at)).done;
    const output = (execution.output ?? {}) as { status?: string; reason?: string; trainingExecutionArn?: string; checks?: Check[] };
    const production = output.checks?.find((c) => c.stage === 'production' && c.outcome === 'measured');
    const retrainingStarted = output.status === 'retraining';
    hours.push({ at, production, retrainingStarted, reason: output.reason ?? execution.cause ?? '' });
    if (injection && injection.detectedChecks === undefined && production && isBreach(production)) {
      injection.detectedChecks = hours.filter((h) => h.at > injection!.at).length;
    }
    if (retrainingStarted) {
      lastTrainingStart = at;
      const training = await pipeline.stepFunctions.waitForExecution(output.trainingExecutionArn!);
      const deploymentArn = (training.output as { deploymentExecutionArn?: string } | undefined)?.deploymentExecutionArn;
      const deployment = deploymentArn ? await pipeline.stepFunctions.waitForExecution(deploymentArn) : undefined;
      const deployed = (deployment?.output as { status?: string } | undefined)?.status === 'deployed';
      retrainings.push({ at, registered: deploymentArn !== undefined, deployed });
      await dropStaging();
      if (injection && injection.fixedHours === undefined && deployed) injection.fixedHours = (at - injection.at) / HOUR;
    }
    if (hours.length % 24 === 0) log(`${name}: day ${hours.length / 24} of ${DAYS} (${((Date.now() - started) / 1000).toFixed(0)} s, ${retrainings.length} retrainings)`);
  }
  const seconds = (Date.now() - started) / 1000;
  pipeline.close();
  twin.close();
  rmSync(dir, { recursive: true, force: true });
  return { hours, retrainings, seconds, ...(injection ? { injection } : {}) };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const hourOf = (t: number) => new Date(t).toISOString().slice(0, 13);

/** What one criterion's replay with retraining shows against the never-retrained one; printed, and returned for --json. */
function summarize(criterion: string, withRetraining: Replay, frozen: Replay) {
  // The frozen model's production checks by hour: what would have happened without retraining.
  const frozenAt = new Map(frozen.hours.map((h) => [h.at, h.production]));
  const injection = withRetraining.injection;
  const inDegradation = (t: number) => injection !== undefined && t >= injection.at && t <= injection.at + Math.max(injection.fixedHours ?? 0, 1) * HOUR + HOUR;
  const lossesWith = withRetraining.hours.flatMap((h) => (h.production?.loss === undefined ? [] : [h.production.loss]));
  const lossesFrozen = frozen.hours.flatMap((h) => (h.production?.loss === undefined ? [] : [h.production.loss]));
  const lossesWithOutsideInjection = withRetraining.hours.flatMap((h) => (h.production?.loss === undefined || inDegradation(h.at) ? [] : [h.production.loss]));
  const lossesFrozenOutsideInjection = frozen.hours.flatMap((h) => (h.production?.loss === undefined || inDegradation(h.at) ? [] : [h.production.loss]));

  // Sustained drops of the frozen model: K or more consecutive checks with its skill over the limit.
  const drops: Array<{ from: number; to: number }> = [];
  let run: number[] = [];
  for (const h of frozen.hours) {
    if (h.production?.skill !== undefined && h.production.skill > MAX_SKILL) run.push(h.at);
    else if (h.production?.outcome === 'measured') {
      if (run.length >= K) drops.push({ from: run[0], to: run.at(-1)! });
      run = [];
    }
  }
  if (run.length >= K) drops.push({ from: run[0], to: run.at(-1)! });
  const monitoringRetrainings = withRetraining.retrainings.filter((r) => !inDegradation(r.at));
  // Delay from a drop's start to a retrained model serving (the retraining's deployment, which takes no twin time).
  const delays = drops.map((d) => {
    const fix = withRetraining.retrainings.find((r) => r.deployed && r.at >= d.from && r.at <= d.to + K * HOUR);
    return fix ? (fix.at - d.from) / HOUR : undefined;
  });
  // Why a drop was not fixed: the model serving in the retraining run (not the frozen one) breached, or not, in its hours.
  const dropChecks = drops.map((d) => {
    const checks = withRetraining.hours.filter((h) => h.at >= d.from && h.at <= d.to && h.production !== undefined);
    return { hours: checks.length, breachesWithRetraining: checks.filter((h) => isBreach(h.production!)).length };
  });
  // A false alarm: a retraining started while the frozen model's skill held (the injected degradation's aside).
  const falseAlarms = monitoringRetrainings.filter((r) => {
    const frozenCheck = frozenAt.get(r.at);
    return frozenCheck?.skill !== undefined && frozenCheck.skill <= MAX_SKILL;
  });
  // The headline compares the two runs on the same hours, the injected degradation's aside (the frozen run has none).
  const ratio = mean(lossesWithOutsideInjection) / mean(lossesFrozenOutsideInjection);
  const ratioWithInjection = mean(lossesWith) / mean(lossesFrozen);
  // Before the injection and after its fix: after it, the retraining run serves the model that replaced the
  // broken one (judged by the gate against the broken one), the frozen run still its first model.
  const lossesBetween = (r: Replay, from: number, to: number) => r.hours.flatMap((h) => (h.production?.loss === undefined || h.at < from || h.at >= to ? [] : [h.production.loss]));
  const ratioBetween = (from: number, to: number) => mean(lossesBetween(withRetraining, from, to)) / mean(lossesBetween(frozen, from, to));
  const fixedAt = injection?.fixedHours === undefined ? undefined : injection.at + injection.fixedHours * HOUR;
  const ratioBeforeInjection = injection ? ratioBetween(-Infinity, injection.at) : ratio;
  const ratioAfterFix = fixedAt === undefined ? undefined : ratioBetween(fixedAt + HOUR, Infinity);
  const retrainingsPerDay = withRetraining.retrainings.length / DAYS;
  const trainingsPerMonth = retrainingsPerDay * 30.4;
  const trainingMinutes = trainingsPerMonth * COST.trainingMinutes;
  const transformMinutes = trainingsPerMonth * COST.transformMinutes;
  const dollars = ((trainingMinutes + transformMinutes) / 60) * COST.dollarsPerHour;
  // How the threshold moves: each value it takes, from the hour a check first read it.
  const thresholdChanges: Array<{ at: string; threshold: number; approvedLoss: number | null }> = [];
  for (const h of withRetraining.hours) {
    const threshold = h.production?.threshold;
    if (threshold !== undefined && threshold !== thresholdChanges.at(-1)?.threshold) {
      thresholdChanges.push({ at: hourOf(h.at), threshold, approvedLoss: h.production?.approvedLoss ?? null });
    }
  }
  const skills = (r: Replay) => r.hours.flatMap((h) => (h.production?.skill === undefined ? [] : [h.production.skill]));

  console.log(`\n== criterion ${criterion}${criterion === 'skill' ? ` (max skill ${MAX_SKILL}, approved-loss factor ${APPROVED_LOSS_FACTOR})` : ''} ==`);
  console.log(`production mean wQuantileLoss over the replay (mean of hourly checks of ${WINDOWS} windows):`);
  console.log(`  with retraining     ${mean(lossesWithOutsideInjection).toFixed(4)}  (${lossesWith.length} checks, ${withRetraining.seconds.toFixed(0)} s; ${mean(lossesWith).toFixed(4)} counting the injected degradation's hours)`);
  console.log(`  never retrained     ${mean(lossesFrozenOutsideInjection).toFixed(4)}  (${lossesFrozen.length} checks, ${frozen.seconds.toFixed(0)} s; ${mean(lossesFrozen).toFixed(4)} counting them)`);
  console.log(`  ratio               ${ratio.toFixed(3)}  (target <= 1.00, stretch <= 0.95; ${ratioWithInjection.toFixed(3)} counting the degradation's hours, which only the retraining run has)`);
  console.log(`  ratio before the injection ${ratioBeforeInjection.toFixed(3)}, after its fix ${ratioAfterFix === undefined ? 'n/a' : ratioAfterFix.toFixed(3)} (the model that replaced the broken one against the first model)`);
  console.log(`  mean skill          ${mean(skills(withRetraining)).toFixed(3)} with retraining, ${mean(skills(frozen)).toFixed(3)} never retrained (loss / seasonal naive's on the same windows)`);
  console.log(`retrainings started: ${withRetraining.retrainings.length} (${retrainingsPerDay.toFixed(2)} per day; target <= 1), ${withRetraining.retrainings.filter((r) => r.deployed).length} deployed`);
  console.log(`  at ${withRetraining.retrainings.map((r) => `${hourOf(r.at)}${r.deployed ? '' : ' (not deployed)'}`).join(', ') || 'none'}`);
  console.log(`false alarms (retrainings while the frozen model's skill held, the injection's aside): ${falseAlarms.length}${falseAlarms.length ? ` (${falseAlarms.map((r) => hourOf(r.at)).join(', ')})` : ''}`);
  console.log(`sustained drops of the frozen model (${K}+ checks with skill over ${MAX_SKILL}): ${drops.length}`);
  console.log(`  delay from each drop's start to a retrained model serving: ${delays.map((d) => (d === undefined ? 'not fixed' : `${d} h`)).join(', ') || 'n/a'}`);
  console.log(`  the retraining run's own model in those hours (breaching checks / checks): ${dropChecks.map((c) => `${c.breachesWithRetraining}/${c.hours}`).join(', ') || 'n/a'}`);
  console.log(`injected degradation at ${injection ? new Date(injection.at).toISOString() : 'n/a'}: flagged by check ${injection?.detectedChecks ?? 'none'} after it, a good model serving ${injection?.fixedHours ?? 'never'} h after it (target: first check, within 4 h)`);
  console.log(`threshold over the replay (quality/threshold, moved by each approval; the serving model's approved loss beside it):`);
  console.log(`  from (UTC hour)   threshold   approved loss`);
  for (const c of thresholdChanges) console.log(`  ${c.at.padEnd(17)} ${c.threshold.toFixed(4).padStart(9)}   ${c.approvedLoss === null ? '-' : c.approvedLoss.toFixed(4)}`);
  console.log(`paid work on AWS, per month at this rate: ${trainingMinutes.toFixed(0)} training instance-minutes (${COST.instanceType}) + ${transformMinutes.toFixed(0)} transform instance-minutes (${COST.transformInstanceType}) ≈ $${dollars.toFixed(2)} (docs/deploy.md: ~${COST.trainingMinutes} + ${COST.transformMinutes} min billed per training at $${COST.dollarsPerHour}/h; endpoints aside)`);
  return {
    criterion,
    mean_wql_retrained: mean(lossesWithOutsideInjection),
    mean_wql_frozen: mean(lossesFrozenOutsideInjection),
    ratio_retrained_to_frozen: ratio,
    ratio_counting_degradation: ratioWithInjection,
    ratio_before_injection: ratioBeforeInjection,
    ratio_after_fix: ratioAfterFix ?? null,
    retrainings: withRetraining.retrainings.length,
    retrainings_deployed: withRetraining.retrainings.filter((r) => r.deployed).length,
    retrainings_per_day: retrainingsPerDay,
    false_alarms: falseAlarms.length,
    sustained_drops: drops.length,
    drop_to_serving_hours: delays.map((d) => d ?? null),
    drops: drops.map((d, i) => ({ from: hourOf(d.from), to: hourOf(d.to), ...dropChecks[i], fixed_hours: delays[i] ?? null })),
    degradation_detected_checks: injection?.detectedChecks ?? null,
    degradation_fixed_hours: injection?.fixedHours ?? null,
    threshold_changes: thresholdChanges,
    training_instance_minutes_per_month: trainingMinutes,
    transform_instance_minutes_per_month: transformMinutes,
    dollars_per_month: dollars,
    replay_seconds: withRetraining.seconds,
  };
}

(async () => {
  const wallStart = Date.now();
  const load = loadavg()[0];
  const header = `Monitoring replay: ${DAYS} days of the real history after a ${START_DAYS}-day start, hourly checks of ${WINDOWS} windows of 30 min, criteria ${CRITERIA.join(' and ')}, K ${K}, cool-down ${COOLDOWN_HOURS} h, DeepAR ${EPOCHS} epochs per training (the default is ${DEFAULT_HYPERPARAMETERS.epochs}; the README's monitoring section has the replay at both: the epochs change the figures, not alike for every model).`;
  console.log(header);
  const [frozen, ...withRetraining] = await Promise.all([replay(false, CRITERIA[0]), ...CRITERIA.map((criterion) => replay(true, criterion))]);
  const summaries = CRITERIA.map((criterion, i) => summarize(criterion, withRetraining[i], frozen));
  console.log(`\nwall time ${((Date.now() - wallStart) / 60_000).toFixed(1)} min, load average at start ${load.toFixed(1)}, now ${loadavg()[0].toFixed(1)}`);
  if (JSON_OUTPUT) {
    // The first criterion's figures at the top level (the issue's keys), every criterion's under by_criterion.
    console.log(
      JSON.stringify({
        days: DAYS,
        max_skill: MAX_SKILL,
        approved_loss_factor: APPROVED_LOSS_FACTOR,
        windows: WINDOWS,
        epochs: EPOCHS,
        ...summaries[0],
        by_criterion: Object.fromEntries(summaries.map((summary) => [summary.criterion, summary])),
        wall_seconds: (Date.now() - wallStart) / 1000,
      }),
    );
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
