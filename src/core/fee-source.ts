/**
 * The live fee source's answer, read into one minute's feature record (pure: no I/O, no clock of its own).
 *
 * The source is mempool.space's REST API, `GET /api/mempool` (the Esplora API's "mempool backlog
 * statistics"): `{ count, vsize, total_fee, fee_histogram }`, a snapshot of the transactions waiting in the
 * mempool at the moment it answers. One minute's record is that snapshot:
 *
 *   tx_minute          the UTC minute the source answered in (its HTTP `Date` header; our clock without one)
 *   total_nb_trx_1min  `count`      transactions waiting
 *   total_fee_1min     `total_fee`  their total fee, satoshi
 *   avg_fee_1min       `total_fee / count`, the average fee of a waiting transaction, satoshi
 *   event_time         when we received the answer (a later poll of the same minute has a later one and wins)
 *
 * The replayed history (data/btc-mempool-5min.csv) was collected from the same endpoint (its
 * `mempool_count`, `mempool_total_fee`), so the target means the same thing in both; docs/deploy.md says
 * how the replay's count and total differ.
 */
import { formatMinute, MINUTE_MS, type FeatureRecord } from './feature-record';

/** What the source answered, as the transport received it. */
export interface SourceAnswer {
  status: number;
  /** The Content-Type header, if any. */
  contentType?: string;
  /** The HTTP Date header (RFC 9110: when the origin produced the answer), if any. */
  date?: string;
  body: string;
}

/** Why an answer was not written: each is logged with its detail and counted in a metric. */
export const REJECTION_REASONS = ['http-status', 'not-json', 'malformed', 'implausible', 'future-minute', 'stale-answer'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export type AnswerReading = { ok: true; record: FeatureRecord } | { ok: false; reason: RejectionReason; detail: string };

/**
 * Bounds outside which a snapshot is not the Bitcoin mempool but a bug, a test network or a cache of
 * something else. They are wide on purpose: real spikes (the shipped history's average fee ranges from
 * 208 to 64,648 sat) stay well inside.
 */
export const PLAUSIBLE = {
  /** Bitcoin Core's default 300 MB mempool holds a few hundred thousand transactions; ten million is not Bitcoin. */
  maxCount: 10_000_000,
  /** A transaction's virtual size: 61 vB is about the smallest standard one, 100,000 vB the standardness limit. */
  minAvgVsize: 50,
  maxAvgVsize: 100_000,
  /** Average fee per waiting transaction, satoshi: at least 1 sat, at most 0.1 BTC. */
  minAvgFee: 1,
  maxAvgFee: 10_000_000,
  /** The source's clock may run ahead of ours by this much before its minute counts as the future. */
  maxClockAheadMs: 60_000,
  /** An answer produced longer ago than this is a cache's, not this minute's. */
  maxAgeMs: 5 * MINUTE_MS,
} as const;

const reject = (reason: RejectionReason, detail: string): AnswerReading => ({ ok: false, reason, detail });

/** A JSON number that is a finite value (never a numeric string: a string fee is a malformed answer). */
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Reads one answer of `GET /api/mempool` received at `receivedAt` (epoch ms, our clock) into the record of
 * its minute, or says why it must not be written.
 */
export function readMempoolAnswer(answer: SourceAnswer, receivedAt: number): AnswerReading {
  if (answer.status < 200 || answer.status > 299) return reject('http-status', `the source answered HTTP ${answer.status}`);
  const type = (answer.contentType ?? '').toLowerCase();
  if (type && !type.includes('json')) return reject('not-json', `the source answered ${answer.contentType}, not JSON: ${preview(answer.body)}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return reject('not-json', `the body is not JSON: ${preview(answer.body)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return reject('malformed', `the body is ${preview(answer.body)}, not an object`);
  const { count, vsize, total_fee: totalFee } = body as Record<string, unknown>;
  for (const [field, value] of [['count', count], ['vsize', vsize], ['total_fee', totalFee]] as const) {
    if (value === undefined) return reject('malformed', `${field} is missing`);
    if (!isFiniteNumber(value)) return reject('malformed', `${field} is ${JSON.stringify(value)}, not a number`);
  }
  const n = count as number;
  const fee = totalFee as number;
  const size = vsize as number;
  if (!Number.isSafeInteger(n) || n <= 0) return reject('implausible', `count is ${n}, not a positive whole number of transactions`);
  if (n > PLAUSIBLE.maxCount) return reject('implausible', `count is ${n}, over ${PLAUSIBLE.maxCount} transactions`);
  if (fee <= 0) return reject('implausible', `total_fee is ${fee}, not a positive number of satoshi`);
  if (size <= 0) return reject('implausible', `vsize is ${size}, not a positive number of vbytes`);
  const avgVsize = size / n;
  if (avgVsize < PLAUSIBLE.minAvgVsize || avgVsize > PLAUSIBLE.maxAvgVsize) {
    return reject('implausible', `vsize / count is ${avgVsize.toFixed(1)} vB per transaction, outside ${PLAUSIBLE.minAvgVsize}..${PLAUSIBLE.maxAvgVsize}`);
  }
  const avgFee = fee / n;
  if (avgFee < PLAUSIBLE.minAvgFee || avgFee > PLAUSIBLE.maxAvgFee) {
    return reject('implausible', `total_fee / count is ${avgFee.toFixed(2)} sat per transaction, outside ${PLAUSIBLE.minAvgFee}..${PLAUSIBLE.maxAvgFee}`);
  }

  const answeredAt = answer.date === undefined ? receivedAt : Date.parse(answer.date);
  if (!Number.isFinite(answeredAt)) return reject('malformed', `the Date header ${JSON.stringify(answer.date)} is not an HTTP date`);
  if (answeredAt > receivedAt + PLAUSIBLE.maxClockAheadMs) {
    return reject('future-minute', `the source dated its answer ${new Date(answeredAt).toISOString()}, after our ${new Date(receivedAt).toISOString()}`);
  }
  if (answeredAt < receivedAt - PLAUSIBLE.maxAgeMs) {
    return reject('stale-answer', `the source dated its answer ${new Date(answeredAt).toISOString()}, more than ${PLAUSIBLE.maxAgeMs / MINUTE_MS} minutes before ${new Date(receivedAt).toISOString()}`);
  }
  return {
    ok: true,
    record: {
      tx_minute: formatMinute(answeredAt),
      total_nb_trx_1min: n,
      total_fee_1min: fee,
      avg_fee_1min: avgFee,
      // Feature Store's EventTime format, milliseconds kept: two polls of the same minute differ.
      event_time: new Date(receivedAt).toISOString(),
    },
  };
}

/** The start of a body, on one line: enough to recognise an HTML error page in a log, never a whole page. */
function preview(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}...` : line);
}
