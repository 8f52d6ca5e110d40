/**
 * The producer's rules on fakes and recorded answers (test/fixtures/feed/): one minute written per answer,
 * nothing invented, bounded retries, one notification when an outage starts and one when it ends.
 */
import { ValidationError } from '../../src/core/errors';
import { PRODUCER_METRICS } from '../../src/ports/fee-source';
import { StoreError } from '../../src/ports/errors';
import { pollFeeSource, type PollFeeSourceDeps } from '../../src/use-cases/poll-fee-source';
import { RecordingProducerMetrics, ScriptedFeeSource, type Step } from '../support/fee-source-fakes';
import { InMemoryFeatureStore, InMemoryParameterStore, RecordingMailer } from './fakes';

const OUTAGE = '/btc-fee-deepar/test/producer/outage';
const START = Date.parse('2026-12-01T12:00:05Z');

/** A producer polled once a minute (its clock moves a minute per poll) over a scripted source. */
function producer(script: Step[], options: { featureStore?: InMemoryFeatureStore } = {}) {
  let now = START;
  const sleeps: number[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  const source = new ScriptedFeeSource(script, () => new Date(now - 1000));
  const deps: PollFeeSourceDeps = {
    source,
    featureStore: options.featureStore ?? new InMemoryFeatureStore(),
    parameterStore: new InMemoryParameterStore(),
    notifier: new RecordingMailer(),
    metrics: new RecordingProducerMetrics(),
    log: { info: () => {}, warn: (message, fields) => warnings.push({ message, ...fields }) },
    now: () => new Date(now),
    sleep: async (ms) => void sleeps.push(ms),
  };
  const poll = async (settings = {}) => {
    const outcome = await pollFeeSource(deps, { outageParameter: OUTAGE, ...settings });
    now += 60_000;
    return outcome;
  };
  return { deps, poll, sleeps, warnings, source, store: deps.featureStore as InMemoryFeatureStore, mailer: deps.notifier as RecordingMailer, metrics: deps.metrics as RecordingProducerMetrics };
}

describe('Use case: pollFeeSource', () => {
  it('writes one record for the minute the source answered, and counts it', async () => {
    const p = producer(['documentedExample']);
    const outcome = await p.poll();
    expect(outcome).toMatchObject({ status: 'written', minute: '2026-12-01T12:00:00Z' });
    expect(p.store.records).toEqual([
      { tx_minute: '2026-12-01T12:00:00Z', total_nb_trx_1min: 8134, total_fee_1min: 29204625, avg_fee_1min: 29204625 / 8134, event_time: '2026-12-01T12:00:05.000Z' },
    ]);
    expect(p.metrics.counted).toEqual([{ name: PRODUCER_METRICS.minutesIngested, at: '2026-12-01T12:00:00Z' }]);
    expect(p.mailer.sent).toEqual([]);
  });

  it('rewrites a repeated minute under the same record id with a newer event_time', async () => {
    const p = producer(['documentedExample', 'shippedHistoryLevel']);
    await pollFeeSource(p.deps, { outageParameter: OUTAGE });
    const clock = p.deps.now;
    p.deps.now = () => new Date(clock().getTime() + 20_000); // a late second poll, same minute by the source's Date
    await pollFeeSource(p.deps, { outageParameter: OUTAGE });
    expect(p.store.records.map((r) => [r.tx_minute, r.event_time, r.total_nb_trx_1min])).toEqual([
      ['2026-12-01T12:00:00Z', '2026-12-01T12:00:05.000Z', 8134],
      ['2026-12-01T12:00:00Z', '2026-12-01T12:00:25.000Z', 7710],
    ]);
  });

  it.each([
    ['zeroCount', 'implausible'],
    ['negativeFee', 'implausible'],
    ['stringFee', 'malformed'],
    ['htmlErrorPage', 'not-json'],
    ['notFound', 'http-status'],
  ] as const)('writes nothing for %s: logs the reason (%s) and counts a rejection', async (answer, reason) => {
    const p = producer([answer]);
    expect(await p.poll()).toMatchObject({ status: 'rejected', reason });
    expect(p.store.records).toEqual([]);
    expect(p.metrics.names()).toEqual([PRODUCER_METRICS.answersRejected]);
    expect(p.warnings).toEqual([expect.objectContaining({ message: 'fee source answer rejected: nothing written', reason, detail: expect.any(String) })]);
  });

  it('retries the source with doubling backoff, at most 3 times, then leaves the minute missing', async () => {
    const p = producer(['no-answer', 'no-answer', 'no-answer', 'documentedExample']);
    const outcome = await p.poll({ baseDelayMs: 1000 });
    expect(outcome).toMatchObject({ status: 'unavailable', detail: expect.stringContaining('after 3 attempts') });
    expect(p.source.calls).toBe(3);
    expect(p.sleeps).toEqual([1000, 2000]);
    expect(p.store.records).toEqual([]);
    expect(p.metrics.names()).toEqual([PRODUCER_METRICS.sourceUnavailable]);
  });

  it('retries a server error or a rate limit, and writes what a later attempt answers', async () => {
    const p = producer(['serverError', 'rateLimited', 'documentedExample']);
    expect(await p.poll()).toMatchObject({ status: 'written' });
    expect(p.source.calls).toBe(3);
  });

  it('does not retry an answer that will not change (a 404, an HTML page)', async () => {
    const p = producer(['notFound', 'documentedExample']);
    expect(await p.poll()).toMatchObject({ status: 'rejected', reason: 'http-status' });
    expect(p.source.calls).toBe(1);
  });

  it('retries a failed write with backoff, at most 3 times, then fails the poll without counting the minute', async () => {
    let failures = 2;
    const flaky = new (class extends InMemoryFeatureStore {
      override async putRecords(records: Parameters<InMemoryFeatureStore['putRecords']>[0]) {
        if (failures-- > 0) throw new StoreError('ThrottlingException: Rate exceeded');
        return super.putRecords(records);
      }
    })();
    const p = producer(['documentedExample'], { featureStore: flaky });
    expect(await p.poll({ baseDelayMs: 100 })).toMatchObject({ status: 'written' });
    expect(p.sleeps).toEqual([100, 200]);
    expect(flaky.records).toHaveLength(1);

    failures = 5;
    await expect(p.poll({ baseDelayMs: 100 })).rejects.toThrow(StoreError);
    expect(flaky.records).toHaveLength(1);
    expect(p.metrics.names()).toEqual([PRODUCER_METRICS.minutesIngested]);
  });

  it('never retries a record the store refuses as invalid', async () => {
    let calls = 0;
    const strict = new (class extends InMemoryFeatureStore {
      override async putRecords(): Promise<void> {
        calls++;
        throw new ValidationError('record 0: event_time is bad');
      }
    })();
    const p = producer(['documentedExample'], { featureStore: strict });
    await expect(p.poll()).rejects.toThrow(ValidationError);
    expect(calls).toBe(1);
  });

  it('notifies once when an outage starts and once when it ends, however long it lasts; the gap stays', async () => {
    // Two good minutes, an outage of 90 minutes (no answer, then garbage, then errors), then good again.
    const script: Step[] = ['documentedExample', 'documentedExample', ...Array<Step>(30).fill('no-answer'), ...Array<Step>(30).fill('htmlErrorPage'), ...Array<Step>(30).fill('notFound'), 'documentedExample', 'documentedExample'];
    const p = producer(script);
    const outcomes = [];
    for (let i = 0; i < 94; i++) outcomes.push(await p.poll({ sourceAttempts: 1 }));

    expect(outcomes.filter((o) => o.outage)).toEqual([
      expect.objectContaining({ status: 'unavailable', outage: 'started' }),
      expect.objectContaining({ status: 'written', outage: 'ended' }),
    ]);
    expect(outcomes.findIndex((o) => o.outage === 'started')).toBe(4); // the third failed poll in a row
    expect(p.mailer.sent.map((m) => m.subject)).toEqual(['Fee source outage: no fee data is being ingested', 'Fee source back: ingestion resumed']);
    expect(p.mailer.sent[1].text).toContain('About 90 minutes (2026-12-01T12:02:00Z to 2026-12-01T13:31:00Z) were not ingested');
    // The 90 minutes stay missing: four records, none invented.
    expect(p.store.records.map((r) => r.tx_minute)).toEqual(['2026-12-01T12:00:00Z', '2026-12-01T12:01:00Z', '2026-12-01T13:32:00Z', '2026-12-01T13:33:00Z']);
    // The state is written when it changes, not once a minute.
    expect((await p.deps.parameterStore.history(OUTAGE)).length).toBeLessThanOrEqual(4);
  });

  it('does not call one or two lost minutes an outage', async () => {
    const p = producer(['documentedExample', 'no-answer', 'no-answer', 'documentedExample']);
    for (let i = 0; i < 4; i++) await p.poll({ sourceAttempts: 1 });
    expect(p.mailer.sent).toEqual([]);
    expect(JSON.parse((await p.deps.parameterStore.get(OUTAGE)).value)).toEqual({ failures: 0 });
  });

  it('tries the start notification again on the next poll when sending it failed', async () => {
    const p = producer(['no-answer']);
    let refuse = true;
    const mailer = p.mailer;
    p.deps.notifier = { send: async (m) => (refuse ? Promise.reject(new StoreError('SNS throttled')) : mailer.send(m)) };
    for (let i = 0; i < 2; i++) await p.poll({ sourceAttempts: 1 });
    await expect(p.poll({ sourceAttempts: 1 })).rejects.toThrow('SNS throttled');
    refuse = false;
    expect(await p.poll({ sourceAttempts: 1 })).toMatchObject({ outage: 'started' });
    expect(await p.poll({ sourceAttempts: 1 })).not.toHaveProperty('outage');
    expect(mailer.sent).toHaveLength(1);
  });
});
