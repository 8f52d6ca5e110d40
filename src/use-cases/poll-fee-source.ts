/**
 * Poll the fee source: one scheduled poll of the live mempool source writes at most one minute into the
 * feature group. It never invents data: an answer that is missing, refused or implausible writes nothing
 * (the minute stays missing, the series reads it as NaN), with a logged reason and a metric.
 *
 * Retries are bounded, with doubling backoff: on the source (no answer, HTTP 5xx or 429) and on the write.
 * An outage of the source is one notification when it starts (after `outageAfterFailures` failed polls
 * in a row, so one lost minute is not an outage) and one when it ends, never one per poll: its state lives
 * in one parameter (SSM Parameter Store in the cloud), written only when it changes.
 */
import { ValidationError } from '../core/errors';
import { formatMinute, MINUTE_MS, type FeatureRecord } from '../core/feature-record';
import { readMempoolAnswer, type RejectionReason, type SourceAnswer } from '../core/fee-source';
import { FeeSourceUnavailableError, PRODUCER_METRICS, type FeeSource, type ProducerMetrics } from '../ports/fee-source';
import type { FeatureStore } from '../ports/feature-store';
import type { Mailer } from '../ports/mailer';
import { ParameterNotFoundError } from '../ports/errors';
import type { ParameterStore } from '../ports/parameter-store';

export interface PollLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface PollFeeSourceDeps {
  source: FeeSource;
  featureStore: FeatureStore;
  parameterStore: ParameterStore;
  /** Where the outage notifications go (the notifications topic; the twin's outbox). */
  notifier: Mailer;
  metrics: ProducerMetrics;
  log: PollLog;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

export interface PollSettings {
  /** The parameter that holds the outage state. */
  outageParameter: string;
  /** Requests per poll, the first included (default 3). */
  sourceAttempts?: number;
  /** Writes per poll, the first included (default 3). */
  putAttempts?: number;
  /** First backoff; it doubles (default 1000 ms: 1 s, 2 s). */
  baseDelayMs?: number;
  /** Failed polls in a row that make an outage (default 3). */
  outageAfterFailures?: number;
}

/** The outage state as stored: healthy is `{ failures: 0 }`. */
export interface OutageState {
  failures: number;
  /** When the first failed poll of the run happened (ISO 8601). */
  since?: string;
  /** The start has been notified: the end will be. */
  notified?: boolean;
  lastProblem?: string;
}

export type PollOutcome =
  | { status: 'written'; minute: string; record: FeatureRecord; outage?: 'ended' }
  | { status: 'rejected'; reason: RejectionReason; detail: string; outage?: 'started' }
  | { status: 'unavailable'; detail: string; outage?: 'started' };

const HEALTHY: OutageState = { failures: 0 };

export async function pollFeeSource(deps: PollFeeSourceDeps, settings: PollSettings): Promise<PollOutcome> {
  const baseDelayMs = settings.baseDelayMs ?? 1000;
  const fetched = await fetchWithRetries(deps, settings.sourceAttempts ?? 3, baseDelayMs);
  const receivedAt = deps.now();
  const at = receivedAt.toISOString();

  if (!fetched.answer) {
    deps.log.warn('fee source unavailable: nothing written', { source: deps.source.url, detail: fetched.problem });
    await deps.metrics.count(PRODUCER_METRICS.sourceUnavailable, at);
    const outage = await recordFailure(deps, settings, receivedAt, fetched.problem);
    return { status: 'unavailable', detail: fetched.problem, ...outage };
  }
  const reading = readMempoolAnswer(fetched.answer, receivedAt.getTime());
  if (!reading.ok) {
    deps.log.warn('fee source answer rejected: nothing written', { source: deps.source.url, reason: reading.reason, detail: reading.detail });
    await deps.metrics.count(PRODUCER_METRICS.answersRejected, at);
    const outage = await recordFailure(deps, settings, receivedAt, `${reading.reason}: ${reading.detail}`);
    return { status: 'rejected', reason: reading.reason, detail: reading.detail, ...outage };
  }

  await putWithRetries(deps, reading.record, settings.putAttempts ?? 3, baseDelayMs);
  await deps.metrics.count(PRODUCER_METRICS.minutesIngested, reading.record.tx_minute);
  deps.log.info('minute written', { minute: reading.record.tx_minute, avgFee: reading.record.avg_fee_1min, count: reading.record.total_nb_trx_1min });
  const outage = await recordSuccess(deps, settings, receivedAt);
  return { status: 'written', minute: reading.record.tx_minute, record: reading.record, ...outage };
}

/** Retries what may pass by itself: no answer, a server error, a rate limit. Anything else is the answer. */
async function fetchWithRetries(deps: PollFeeSourceDeps, attempts: number, baseDelayMs: number): Promise<{ answer?: SourceAnswer; problem: string }> {
  let problem = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await deps.sleep(baseDelayMs * 2 ** (attempt - 2));
    try {
      const answer = await deps.source.fetch();
      if (answer.status < 500 && answer.status !== 429) return { answer, problem: '' };
      problem = `HTTP ${answer.status}`;
      // The last attempt's error answer is what the core judges (and rejects, naming the status).
      if (attempt === attempts) return { answer, problem };
    } catch (error) {
      if (!(error instanceof FeeSourceUnavailableError)) throw error;
      problem = error.message;
    }
  }
  return { problem: `${problem} (after ${attempts} attempts)` };
}

/** A bad record is never retried (it would fail the same way); a store error is, then passed on. */
async function putWithRetries(deps: PollFeeSourceDeps, record: FeatureRecord, attempts: number, baseDelayMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.featureStore.putRecords([record]);
      return;
    } catch (error) {
      if (error instanceof ValidationError || attempt >= attempts) throw error;
      deps.log.warn('feature store write failed, retrying', { minute: record.tx_minute, attempt, error: (error as Error).name, detail: (error as Error).message });
      await deps.sleep(baseDelayMs * 2 ** (attempt - 1));
    }
  }
}

async function readOutage(deps: PollFeeSourceDeps, name: string): Promise<OutageState> {
  try {
    const stored = JSON.parse((await deps.parameterStore.get(name)).value) as OutageState;
    return typeof stored?.failures === 'number' ? stored : HEALTHY;
  } catch (error) {
    if (error instanceof ParameterNotFoundError || error instanceof SyntaxError) return HEALTHY;
    throw error;
  }
}

const writeOutage = (deps: PollFeeSourceDeps, name: string, state: OutageState) =>
  deps.parameterStore.put(name, JSON.stringify(state), { overwrite: true, description: 'The fee producer’s outage state (written only when it changes)' });

async function recordFailure(deps: PollFeeSourceDeps, settings: PollSettings, at: Date, problem: string): Promise<{ outage?: 'started' }> {
  const threshold = settings.outageAfterFailures ?? 3;
  const state = await readOutage(deps, settings.outageParameter);
  // Once notified, the outage's state stays as it is until it ends: no write per failed minute.
  if (state.notified) return {};
  const next: OutageState = { failures: state.failures + 1, since: state.since ?? at.toISOString(), lastProblem: problem };
  if (next.failures < threshold) {
    await writeOutage(deps, settings.outageParameter, next);
    return {};
  }
  // Notified before the state says so: a failed send is tried again on the next poll, never lost.
  await deps.notifier.send({
    subject: 'Fee source outage: no fee data is being ingested',
    text:
      `The fee source ${deps.source.url} has failed ${next.failures} polls in a row since ${next.since}.\n` +
      `Last problem: ${problem}\n` +
      'Minutes it does not answer stay missing in the feature group (nothing is invented). ' +
      'You will get one more message when it answers again.',
  });
  await writeOutage(deps, settings.outageParameter, { ...next, notified: true });
  return { outage: 'started' };
}

async function recordSuccess(deps: PollFeeSourceDeps, settings: PollSettings, at: Date): Promise<{ outage?: 'ended' }> {
  const state = await readOutage(deps, settings.outageParameter);
  if (state.failures === 0) return {};
  if (state.notified) {
    // The first failed poll's minute up to the minute before this one: polled, not written.
    const since = Math.floor(Date.parse(state.since ?? at.toISOString()) / MINUTE_MS) * MINUTE_MS;
    const missing = Math.max(0, (Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS - since) / MINUTE_MS);
    await deps.notifier.send({
      subject: 'Fee source back: ingestion resumed',
      text:
        `The fee source ${deps.source.url} answered again at ${at.toISOString()}, after an outage since ${state.since}.\n` +
        `About ${missing} minutes (${formatMinute(since)} to ${formatMinute(at.getTime() - MINUTE_MS)}) were not ingested and stay missing.`,
    });
  }
  await writeOutage(deps, settings.outageParameter, HEALTHY);
  return state.notified ? { outage: 'ended' } : {};
}
