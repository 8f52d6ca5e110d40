import type { Command } from 'commander';
import { recordClockStart, recordClockStop, ScaledClock } from '../clock';
import type { ExecutionRecord } from '../executor/execution-store';
import { approvalRoutes, type ApprovalApiHandler } from '../http/approval-routes';
import { dashboardRoutes } from '../http/dashboard-routes';
import { endpointRoutes, invocationsUrl } from '../http/endpoint-routes';
import { createHttpServer, type Route } from '../http/server';
import { loadMempoolHistory, SHIPPED_HISTORY } from '../ingestion/mempool-history';
import { IngestionReplay, describeMinute } from '../ingestion/replay';
import { DEFAULT_FEED_URL, runLiveFeed } from '../ingestion/live-feed';
import { recordServingUrl, resolveHomeDir } from '../home';
import { acquireHomeLock, explainStorageError, type HomeLock } from '../lock';
import { createPipeline, type Pipeline } from '../pipeline';
import { createProgress, trainingProgress } from '../progress';
import { openTwin } from '../twin';
import { provision, recover } from '../recovery';
import { everyHour } from '../scheduler';
import { runTraining } from './train';

export interface UpOptions {
  home?: string;
  speed: string;
  backfillDays: string;
  history: string;
  once?: boolean;
  autoApprove?: boolean;
  host: string;
  port: string;
  /** Ingest from the live source (at real time) instead of replaying the shipped history. */
  live?: boolean;
  feedUrl?: string;
}

/** `--live` and `--feed-url` with the options they cannot go with, refused before anything is opened. */
export function liveOptionsProblem(options: Pick<UpOptions, 'live' | 'feedUrl' | 'speed' | 'once'> & { historyGiven?: boolean }): string | undefined {
  if (options.feedUrl !== undefined && !options.live) return '--feed-url needs --live (without it, up replays the shipped history)';
  if (!options.live) return undefined;
  if (Number(options.speed) !== 1) return `--live ingests at real time: --speed must be 1, not ${JSON.stringify(options.speed)}`;
  if (options.once) return '--once runs the lifecycle on the shipped history; --live has no history to start from';
  if (options.historyGiven) return '--history is the replay’s; --live reads the feed instead';
  if (options.feedUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.feedUrl);
    } catch {
      return `--feed-url must be an http(s) URL, not ${JSON.stringify(options.feedUrl)}`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--feed-url must be an http(s) URL, not ${JSON.stringify(options.feedUrl)}`;
  }
  return undefined;
}

function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, not ${JSON.stringify(value)}`);
  return n;
}

const say = (line: string) => console.log(`mlops: ${line}`);

export async function up(options: UpOptions, signal: AbortSignal): Promise<void> {
  const liveProblem = liveOptionsProblem({ ...options, historyGiven: options.history !== SHIPPED_HISTORY });
  if (liveProblem) throw new Error(liveProblem);
  const speed = positiveNumber(options.speed, '--speed');
  const backfillDays = positiveNumber(options.backfillDays, '--backfill-days');
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${JSON.stringify(options.port)}`);
  // Before the database is opened or a port bound: a second `up` on this home stops here, having changed nothing.
  const homeDir = resolveHomeDir(options.home);
  const lock = acquireHomeLock(homeDir, { host: options.host, port });
  try {
    await serve(options, { homeDir, lock, speed, backfillDays, port }, signal);
  } catch (error) {
    throw explainStorageError(homeDir, error);
  } finally {
    lock.release();
  }
}

/** The twin's life under the home's lock, with the options already checked. */
async function serve(
  options: UpOptions,
  { homeDir, lock, speed, backfillDays, port }: { homeDir: string; lock: HomeLock; speed: number; backfillDays: number; port: number },
  signal: AbortSignal,
): Promise<void> {
  const twin = openTwin(homeDir);
  try {
    // Live: no replay, the clock is the wall clock, the feed writes from now on.
    const replay = options.live ? undefined : new IngestionReplay(twin.featureStore, loadMempoolHistory(options.history));
    say(`data dir ${twin.home.dir}`);
    const clockStart = replay ? replay.startTime(backfillDays) : Date.now();
    const progress = createProgress('backfill');
    const written = replay ? await replay.backfill(clockStart, (p) => progress.update(p.written, p.total ?? 0, describeMinute(p.minute))) : 0;
    const summary = twin.featureStore.summary();
    const held = summary.minutes ? `feature store holds ${summary.minutes} minutes, ${summary.first} .. ${summary.last}` : 'feature store is empty';
    say(held + (replay ? (written ? ` (${written} backfilled now)` : ' (nothing to backfill)') : ' (live: nothing replayed)'));

    const routes: Route[] = [];
    const server = await createHttpServer({ routes, host: options.host, port });
    lock.listening(server.url);
    recordServingUrl(twin.home, server.url);
    // One clock for ingestion, executions and schedules: the replayed history's time, at --speed.
    const clock = new ScaledClock(clockStart, speed);
    // Other processes (mlops approvals, approve, reject) read the twin's now from this record.
    recordClockStart(homeDir, clock);
    // The local endpoint is ready in milliseconds: polling pauses meant for AWS are shortened with it.
    const pipeline = await createPipeline(twin, {
      print: say,
      trainingProgress: trainingProgress(process.stderr),
      timeScale: Math.max(speed, 20),
      baseUrl: () => server.url,
      autoApprove: options.autoApprove,
      now: () => new Date(clock.now()),
    });
    try {
      // Before anything is served: what the last run left running is ended or resumed.
      await provision(twin, pipeline);
      await recover(pipeline, say);
      routes.push(
        ...endpointRoutes(pipeline.sageMaker),
        ...approvalRoutes(pipeline.approvalApi as unknown as ApprovalApiHandler),
        ...dashboardRoutes(twin, pipeline, () => server.url),
      );
      say(`dashboard ${server.url}/ (approval pages and endpoints are served there too)`);
      const { training } = await trainWhenNoModelYet(pipeline, new Date(clockStart));
      if (!options.once) {
        const monitoring = everyHour(clock, signal, async (at) => void (await monitor(pipeline, at)), (error) => say(`monitoring failed to start: ${(error as Error).message}`));
        if (replay) await goLive(replay, clock, signal);
        else await runLiveFeed({ twin, clock, notifier: pipeline.mailer, url: options.feedUrl ?? DEFAULT_FEED_URL, print: say }, signal);
        await monitoring;
      }
      if (signal.aborted) {
        // Ctrl-C: a training still running is abandoned; the next `mlops up` marks it aborted.
        recordClockStop(homeDir, clock);
        say('stopped');
        process.exit(0);
      }
      const trained = await training;
      if (options.once) {
        const outcome = await lifecycleOutcome(pipeline, trained, server.url);
        // One monitoring run on the deployed stages, as the hourly schedule would do next.
        const monitoring = await monitor(pipeline, new Date(clockStart));
        await pipeline.stepFunctions.idle();
        console.log(JSON.stringify({ ...outcome, monitoring }));
        if (outcome.status !== 'deployed' && outcome.status !== 'up-to-date') process.exitCode = 1;
      }
      await pipeline.stepFunctions.idle();
    } finally {
      recordClockStop(homeDir, clock);
      pipeline.close();
      await server.close();
    }
  } finally {
    twin.close();
  }
}

/** The first training starts as soon as the history is in; later ones come from monitoring or by hand. */
async function trainWhenNoModelYet(pipeline: Pipeline, asOf: Date): Promise<{ training: Promise<ExecutionRecord | undefined> }> {
  const registered = (await pipeline.sageMaker.listModelPackages({ ModelPackageGroupName: pipeline.settings.MODEL_PACKAGE_GROUP, MaxResults: 1 })).ModelPackageSummaryList ?? [];
  const running = pipeline.stepFunctions.executionRecords({ stateMachineArn: pipeline.stepFunctions.stateMachineArn('training'), status: 'RUNNING', limit: 1 });
  if (registered.length > 0 || running.length > 0) {
    say('a model is registered already: no first training (`mlops train` starts one)');
    return { training: Promise.resolve(undefined) };
  }
  // Not awaited here: live ingestion goes on while the model trains.
  return { training: runTraining(pipeline, asOf, 'first model: the history is in', say) };
}

/** What one pass of the lifecycle achieved: the last line `npm start -- --auto-approve --once` prints. */
async function lifecycleOutcome(pipeline: Pipeline, training: ExecutionRecord | undefined, baseUrl: string) {
  const endpoints = {
    staging: { name: pipeline.settings.STAGING_ENDPOINT_NAME, url: invocationsUrl(baseUrl, pipeline.settings.STAGING_ENDPOINT_NAME) },
    production: { name: pipeline.settings.PRODUCTION_ENDPOINT_NAME, url: invocationsUrl(baseUrl, pipeline.settings.PRODUCTION_ENDPOINT_NAME) },
  };
  if (!training) return { status: 'up-to-date', reason: 'a model was registered before this run', endpoints };
  const output = (training.output ?? {}) as Record<string, any>;
  if (training.status !== 'SUCCEEDED' || output.status !== 'registered') {
    return { status: training.status === 'SUCCEEDED' ? output.status : 'training-failed', reason: output.reason ?? `${training.error}: ${training.cause}`, training: training.name };
  }
  say(`waiting for the approvals of ${output.modelPackageArn} (links in the outbox, on the dashboard, or \`mlops approve ID\`)`);
  const deployment = await pipeline.stepFunctions.waitForExecution(output.deploymentExecutionArn);
  const d = (deployment.output ?? {}) as Record<string, any>;
  return {
    status: deployment.status === 'SUCCEEDED' ? d.status : 'deployment-failed',
    modelPackageArn: output.modelPackageArn,
    modelPackageVersion: Number(String(output.modelPackageArn).split('/').pop()),
    meanWQuantileLoss: output.evaluation.meanWQuantileLoss,
    thresholdBefore: d.threshold?.previous ?? output.evaluation.threshold,
    thresholdAfter: d.threshold?.current ?? output.evaluation.threshold,
    ...(deployment.status === 'SUCCEEDED' ? {} : { error: deployment.error, cause: deployment.cause }),
    ...(d.status === 'rejected' ? { reason: d.cause } : {}),
    endpoints,
  };
}

/** One monitoring execution; its outcome in a line, and in a small object for --once's summary. */
async function monitor(pipeline: Pipeline, at: Date) {
  const execution = await pipeline.startMonitoring(at).done;
  const output = (execution.output ?? {}) as { status?: string; reason?: string; checks?: Array<{ stage: string; outcome: string; loss?: number }> };
  const checks = (output.checks ?? []).map((c) => `${c.stage} ${c.outcome}${c.loss === undefined ? '' : ` ${c.loss.toFixed(4)}`}`).join(', ');
  say(`monitoring at ${describeMinute(at.getTime())}: ${execution.status === 'SUCCEEDED' ? `${output.status} (${output.reason}); ${checks}` : `${execution.error}: ${execution.cause}`}`);
  return { status: execution.status === 'SUCCEEDED' ? output.status : execution.status, reason: output.reason, checks: output.checks };
}

async function goLive(replay: IngestionReplay, clock: ScaledClock, signal: AbortSignal): Promise<void> {
  say(`live ingestion from ${describeMinute(clock.now())} at ${clock.speed}x real time; Ctrl-C stops`);
  let lastReport = 0;
  await replay.runLive(clock, signal, (p) => {
    // One line per virtual hour keeps a fast replay readable.
    if (p.minute - lastReport >= 3_600_000) {
      lastReport = p.minute;
      say(`ingested up to ${describeMinute(p.minute)} (${p.written} live minutes)`);
    }
  });
  if (!signal.aborted) say('the replayed history has ended; ingestion stops here');
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the local twin: replay the real history into the feature store, train, approve, deploy, serve')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--speed <n>', 'clock speed: N virtual minutes per real minute', '1')
    .option('--backfill-days <days>', 'history written at start before going live', '7')
    .option('--history <csv>', 'mempool history to replay', SHIPPED_HISTORY)
    .option('--once', 'one pass of the lifecycle (backfill, training, approvals, deployments), then exit with a JSON summary')
    .option('--auto-approve', 'approve every request as it is mailed (for demos and CI)')
    .option('--host <host>', 'address the dashboard, approval pages and endpoints listen on', '127.0.0.1')
    .option('--port <port>', 'port of the twin’s HTTP server (0: any free port)', process.env.MLOPS_PORT ?? '8080')
    .option('--live', 'ingest the real mempool once a minute at real time instead of replaying the shipped history (needs the network)')
    .option('--feed-url <url>', `the live source, with --live (default ${DEFAULT_FEED_URL})`)
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
