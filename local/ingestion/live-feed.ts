/**
 * The twin's live ingestion (`mlops up --live`): once a minute of the twin's clock it runs the very handler
 * the cloud's scheduled producer runs (functions/poll-fee-source), wired to local adapters: the twin's
 * feature store, its parameter store for the outage state, the outbox for the outage notifications.
 * A minute the source does not answer stays missing, as in the cloud.
 */
import type { Context } from 'aws-lambda';
import { createHandler, outageParameterName } from '../../functions/poll-fee-source';
import { HttpFeeSource } from '../../src/adapters/aws/http-fee-source';
import { MINUTE_MS } from '../../src/core/feature-record';
import type { ProducerMetricName, ProducerMetrics } from '../../src/ports/fee-source';
import type { Mailer } from '../../src/ports/mailer';
import type { PollOutcome, PollSettings } from '../../src/use-cases/poll-fee-source';
import type { Clock } from '../clock';
import { twinLogger } from '../lambdas';
import { LOCAL_SETTINGS } from '../settings';
import type { Twin } from '../twin';
import { describeMinute } from './replay';

/** The public source the cloud polls by default (serverless/functions.yml, FEE_SOURCE_URL). */
export const DEFAULT_FEED_URL = 'https://mempool.space/api/mempool';

/** The producer's counters, kept in memory: the twin prints outcomes itself. */
export class LocalProducerMetrics implements ProducerMetrics {
  readonly counts: Record<ProducerMetricName, number> = { MinutesIngested: 0, AnswersRejected: 0, SourceUnavailable: 0 };
  async count(name: ProducerMetricName): Promise<void> {
    this.counts[name] += 1;
  }
}

export interface LiveFeedOptions {
  twin: Twin;
  clock: Clock;
  /** Outage notifications go here (the outbox). */
  notifier: Mailer;
  url?: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Retry and outage settings; the outage parameter is the twin's own. */
  poll?: Omit<PollSettings, 'outageParameter'>;
  print?: (line: string) => void;
  /** Called with each poll's outcome (tests, progress). */
  onPoll?: (outcome: PollOutcome | { status: 'failed'; detail: string }) => void;
}

const LOCAL_CONTEXT = { functionName: 'pollFeeSource', awsRequestId: 'local', getRemainingTimeInMillis: () => 55_000 } as unknown as Context;

/**
 * Polls at once, then at the start of every minute of the clock, until `signal` aborts. Resolves with the
 * counts when it stops.
 */
export async function runLiveFeed(options: LiveFeedOptions, signal: AbortSignal): Promise<LocalProducerMetrics['counts']> {
  const print = options.print ?? (() => {});
  const metrics = new LocalProducerMetrics();
  const source = new HttpFeeSource({ url: options.url ?? DEFAULT_FEED_URL, timeoutMs: options.timeoutMs });
  const handler = createHandler({
    source: () => source,
    featureStore: () => options.twin.featureStore,
    parameterStore: () => options.twin.parameterStore,
    notifier: () => options.notifier,
    metrics: () => metrics,
    settings: () => ({ ...options.poll, outageParameter: outageParameterName(LOCAL_SETTINGS.PARAMETER_PATH) }),
    now: () => new Date(options.clock.now()),
    logger: twinLogger('pollFeeSource'),
  });
  print(`live ingestion from ${source.url}, one poll a minute; a minute it does not answer stays missing; Ctrl-C stops`);
  let lastReport = -Infinity;
  while (!signal.aborted) {
    const started = options.clock.now();
    const at = new Date(started).toISOString();
    try {
      const outcome = (await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: at }, LOCAL_CONTEXT)) as PollOutcome;
      options.onPoll?.(outcome);
      if (outcome.status !== 'written') {
        print(`feed at ${describeMinute(Date.parse(at))}: nothing written (${outcome.status === 'rejected' ? `${outcome.reason}: ` : ''}${outcome.detail})`);
      } else if (outcome.outage === 'ended' || Date.parse(outcome.minute) - lastReport >= 60 * MINUTE_MS) {
        lastReport = Date.parse(outcome.minute);
        print(`feed: ${describeMinute(lastReport)} written, avg fee ${outcome.record.avg_fee_1min.toFixed(0)} sat over ${outcome.record.total_nb_trx_1min} waiting transactions`);
      }
    } catch (error) {
      // The store or the outbox failed: this minute stays missing; the next poll tries again.
      const detail = `${(error as Error).name}: ${(error as Error).message}`;
      options.onPoll?.({ status: 'failed', detail });
      print(`feed at ${describeMinute(Date.parse(at))}: poll failed (${detail})`);
    }
    try {
      // The next minute after the one this poll started in: a poll that overran it is followed at once (late,
      // as a scheduler fires late), never skipped, and never followed by a burst.
      await options.clock.sleepUntil(Math.floor(started / MINUTE_MS) * MINUTE_MS + MINUTE_MS, signal);
    } catch {
      break; // aborted
    }
  }
  return metrics.counts;
}
