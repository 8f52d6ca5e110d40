/** The fee source's answer read into a minute's record: the documented example, and every kind of refusal. */
import feed from '../fixtures/feed/mempool-answers.json';
import { PLAUSIBLE, readMempoolAnswer } from '../../src/core/fee-source';
import { validateFeatureRecord } from '../../src/core/feature-record';
import { recordedAnswer, type AnswerName } from '../support/fee-source-fakes';

const RECEIVED = Date.parse('2026-12-01T12:34:56.789Z');

describe('Function: readMempoolAnswer', () => {
  it('reads the documented example into the minute the source dated it, with the fee per waiting transaction', () => {
    // Prepare: the source answered at 12:34:55 by its clock.
    const answer = recordedAnswer('documentedExample', new Date('2026-12-01T12:34:55Z'));
    // Act
    const reading = readMempoolAnswer(answer, RECEIVED);
    // Assess
    expect(reading).toEqual({
      ok: true,
      record: {
        tx_minute: '2026-12-01T12:34:00Z',
        ...feed.answers.documentedExample.expect,
        event_time: '2026-12-01T12:34:56.789Z',
      },
    });
    // What it makes is a record the feature store accepts as it is.
    expect(validateFeatureRecord((reading as { record: unknown }).record, 0)).toEqual((reading as { record: unknown }).record);
  });

  it('reads the shipped history’s own values (collected from this endpoint) to the level the replay uses', () => {
    const reading = readMempoolAnswer(recordedAnswer('shippedHistoryLevel'), RECEIVED);
    expect(reading.ok && reading.record).toMatchObject({ ...feed.answers.shippedHistoryLevel.expect, avg_fee_1min: 48816425 / 7710, tx_minute: '2026-12-01T12:34:00Z' });
  });

  const refused = Object.entries(feed.answers).flatMap(([name, a]) => ('reason' in a ? [[name as AnswerName, a.reason]] : [])) as Array<[AnswerName, string]>;
  it.each(refused)('refuses %s with the reason %s', (name, reason) => {
    const reading = readMempoolAnswer(recordedAnswer(name), RECEIVED);
    expect(reading).toEqual({ ok: false, reason, detail: expect.any(String) });
  });

  it('says what is wrong and where: the field and its value', () => {
    expect(readMempoolAnswer(recordedAnswer('stringFee'), RECEIVED)).toMatchObject({ detail: 'total_fee is "29204625", not a number' });
    expect(readMempoolAnswer(recordedAnswer('zeroCount'), RECEIVED)).toMatchObject({ detail: expect.stringContaining('count is 0') });
    expect(readMempoolAnswer(recordedAnswer('htmlErrorPage'), RECEIVED)).toMatchObject({ detail: expect.stringContaining('<!DOCTYPE html>') });
  });

  it('refuses a minute in the future: the source dated its answer more than a minute after our clock', () => {
    const ahead = new Date(RECEIVED + PLAUSIBLE.maxClockAheadMs + 1000);
    expect(readMempoolAnswer(recordedAnswer('documentedExample', ahead), RECEIVED)).toMatchObject({ ok: false, reason: 'future-minute' });
    // A clock a few seconds ahead is not the future: its minute is written.
    const slightlyAhead = new Date(RECEIVED + 2000);
    expect(readMempoolAnswer(recordedAnswer('documentedExample', slightlyAhead), RECEIVED)).toMatchObject({ ok: true, record: { tx_minute: '2026-12-01T12:34:00Z' } });
  });

  it('refuses an answer dated long before it arrived (a cache’s), and a Date header that is no date', () => {
    const old = new Date(RECEIVED - PLAUSIBLE.maxAgeMs - 1000);
    expect(readMempoolAnswer(recordedAnswer('documentedExample', old), RECEIVED)).toMatchObject({ ok: false, reason: 'stale-answer' });
    expect(readMempoolAnswer({ ...recordedAnswer('documentedExample'), date: 'yesterday' }, RECEIVED)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
