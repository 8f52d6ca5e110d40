import { ValidationError } from '../../../src/core/errors';
import { formatMinute, parseEventTime, parseMinute, validateFeatureRecords } from '../../../src/core/feature-record';
import eventTime from '../../fixtures/aws/feature-store-event-time.json';
import { aRecord } from '../../builders/feature-records';

describe('Function: validateFeatureRecords', () => {
  it('accepts well-formed records', () => {
    expect(validateFeatureRecords([aRecord(0), aRecord(1)])).toHaveLength(2);
  });

  it.each([
    ['a missing identifier', { tx_minute: undefined }, 'record 1: tx_minute is missing'],
    ['an unparsable minute', { tx_minute: '2025-03-05 00:01' }, 'tx_minute is "2025-03-05 00:01", not the start of a UTC minute'],
    ['a minute not on the minute', { tx_minute: '2025-03-05T00:01:30Z' }, 'not the start of a UTC minute'],
    ['a non-numeric fee', { avg_fee_1min: 'abc' }, 'record 1 (tx_minute 2025-03-05T00:01:00Z): avg_fee_1min is "abc", not a finite number'],
    ['a negative fee', { total_fee_1min: -5 }, 'total_fee_1min is -5, a negative fee'],
    ['a fractional count', { total_nb_trx_1min: 1.5 }, 'total_nb_trx_1min is 1.5, not a non-negative integer'],
    ['a bad event time', { event_time: 'yesterday' }, 'event_time is "yesterday"'],
  ])('rejects %s, naming the record and the field', (_, override, message) => {
    const bad = { ...aRecord(1), ...override };
    let error: unknown;
    try {
      validateFeatureRecords([aRecord(0), bad]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).name).toBe('ValidationError');
    expect((error as Error).message).toContain(message);
  });
});

describe('Function: formatMinute / parseMinute', () => {
  it('round-trips the start of a minute', () => {
    const ms = Date.parse('2025-03-05T02:12:00Z');
    expect(formatMinute(ms + 59_999)).toBe('2025-03-05T02:12:00Z');
    expect(parseMinute('2025-03-05T02:12:00Z')).toBe(ms);
    expect(parseMinute('2025-02-30T02:12:00Z')).toBeUndefined();
  });
});

describe("Function: parseEventTime (Feature Store's EventTime formats, issue 11 item 7)", () => {
  it.each(eventTime.accepted)('accepts %s', (value) => {
    expect(parseEventTime(value)).toBe(Date.parse(value));
  });

  it.each(eventTime.rejected)('rejects %s', (value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });

  it('names the record and the format when a batch holds another format', () => {
    const bad = { ...aRecord(1), event_time: '2025-03-05T00:02:00+00:00' };
    expect(() => validateFeatureRecords([aRecord(0), bad])).toThrow(
      `record 1 (tx_minute 2025-03-05T00:01:00Z): event_time is "2025-03-05T00:02:00+00:00", not Feature Store's yyyy-MM-dd'T'HH:mm:ss[.SSS]Z`,
    );
  });
});
