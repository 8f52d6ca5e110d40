import type { Command } from 'commander';
import { ScaledClock } from '../clock';
import { loadMempoolHistory, SHIPPED_HISTORY } from '../ingestion/mempool-history';
import { IngestionReplay, describeMinute } from '../ingestion/replay';
import { createPipeline, type Pipeline } from '../pipeline';
import { createProgress } from '../progress';
import { openTwin } from '../twin';
import { runTraining } from './train';

export interface UpOptions {
  home?: string;
  speed: string;
  backfillDays: string;
  history: string;
  once?: boolean;
}

function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, not ${JSON.stringify(value)}`);
  return n;
}

export async function up(options: UpOptions, signal: AbortSignal): Promise<void> {
  const speed = positiveNumber(options.speed, '--speed');
  const backfillDays = positiveNumber(options.backfillDays, '--backfill-days');
  const twin = openTwin(options.home);
  try {
    const replay = new IngestionReplay(twin.featureStore, loadMempoolHistory(options.history));
    console.log(`mlops: data dir ${twin.home.dir}`);
    const clockStart = replay.startTime(backfillDays);
    const progress = createProgress('backfill');
    const written = await replay.backfill(clockStart, (p) => progress.update(p.written, p.total ?? 0, describeMinute(p.minute)));
    const summary = twin.featureStore.summary();
    console.log(
      `mlops: feature store holds ${summary.minutes} minutes, ${summary.first} .. ${summary.last}` +
        (written ? ` (${written} backfilled now)` : ' (nothing to backfill)'),
    );
    const pipeline = await createPipeline(twin, { print: (line) => console.log(`mlops: ${line}`), timeScale: speed });
    try {
      const { training } = await trainWhenNoModelYet(pipeline, new Date(clockStart));
      if (!options.once) await goLive(replay, clockStart, speed, signal);
      if (signal.aborted) {
        // Ctrl-C: a training still running is abandoned; the next `mlops up` marks it aborted.
        console.log('mlops: stopped');
        process.exit(0);
      }
      await training;
      await pipeline.stepFunctions.idle();
    } finally {
      pipeline.close();
    }
  } finally {
    twin.close();
  }
}

/** The first training starts as soon as the history is in; later ones come from monitoring or by hand. */
async function trainWhenNoModelYet(pipeline: Pipeline, asOf: Date): Promise<{ training: Promise<unknown> }> {
  const registered = (await pipeline.sageMaker.listModelPackages({ ModelPackageGroupName: pipeline.settings.MODEL_PACKAGE_GROUP, MaxResults: 1 }))
    .ModelPackageSummaryList ?? [];
  const trainings = pipeline.stepFunctions.store.list({ stateMachineArn: pipeline.stepFunctions.stateMachineArn('training') });
  if (registered.length > 0 || trainings.some((e) => e.status === 'RUNNING')) return { training: Promise.resolve() };
  // Not awaited here: live ingestion goes on while the model trains.
  return { training: runTraining(pipeline, asOf, 'first model: the history is in', (line) => console.log(`mlops: ${line}`)) };
}

async function goLive(replay: IngestionReplay, clockStart: number, speed: number, signal: AbortSignal): Promise<void> {
  const clock = new ScaledClock(clockStart, speed);
    console.log(`mlops: live ingestion from ${describeMinute(clockStart)} at ${speed}x real time; Ctrl-C stops`);
    let lastReport = 0;
    await replay.runLive(clock, signal, (p) => {
      // One line per virtual hour keeps a fast replay readable.
      if (p.minute - lastReport >= 3_600_000) {
        lastReport = p.minute;
        console.log(`mlops: ingested up to ${describeMinute(p.minute)} (${p.written} live minutes)`);
      }
    });
    if (!signal.aborted) console.log('mlops: the replayed history has ended; ingestion stops here');
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the local twin: backfill the feature store from the real history, then ingest live')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--speed <n>', 'clock speed: N virtual minutes per real minute', '1')
    .option('--backfill-days <days>', 'history written at start before going live', '7')
    .option('--history <csv>', 'mempool history to replay', SHIPPED_HISTORY)
    .option('--once', 'do one pass of the lifecycle (backfill, first training) and exit')
    .action(async (options: UpOptions) => {
      const controller = new AbortController();
      const stop = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await up(options, controller.signal);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
