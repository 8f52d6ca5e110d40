/**
 * The HTTP fee source against the local fake feed (never the internet): an answer is returned as received,
 * whatever its status or type; no answer (refused, dropped, timed out, oversized) is FeeSourceUnavailableError.
 */
import { HttpFeeSource } from '../../src/adapters/aws/http-fee-source';
import { readMempoolAnswer } from '../../src/core/fee-source';
import { startFakeFeed, type FakeFeed } from '../support/fake-feed-server';

describe('Adapter: HttpFeeSource', () => {
  let feed: FakeFeed;
  const AT = Date.parse('2026-12-01T12:34:10Z');
  beforeEach(async () => (feed = await startFakeFeed({ now: () => AT })));
  afterEach(() => feed.close());

  it('returns the answer with its status, type and Date header, which the core reads into that minute', async () => {
    const answer = await new HttpFeeSource({ url: feed.url }).fetch();
    expect(answer).toMatchObject({ status: 200, contentType: 'application/json', date: 'Tue, 01 Dec 2026 12:34:10 GMT' });
    expect(readMempoolAnswer(answer, AT + 500)).toMatchObject({ ok: true, record: { tx_minute: '2026-12-01T12:34:00Z' } });
  });

  it('returns an error status or an HTML page as it is, for the core to refuse', async () => {
    feed.behave('error');
    expect(await new HttpFeeSource({ url: feed.url }).fetch()).toMatchObject({ status: 503 });
    feed.behave('garbage');
    const garbage = await new HttpFeeSource({ url: feed.url }).fetch();
    expect(readMempoolAnswer(garbage, AT)).toMatchObject({ ok: false, reason: 'not-json' });
  });

  it.each([
    ['timeout', /did not answer within 200 ms/],
    ['drop', /could not be reached/],
    ['huge', /answered more than 1000000 bytes/],
  ] as const)('throws FeeSourceUnavailableError when the feed gives no usable answer (%s)', async (behaviour, message) => {
    feed.behave(behaviour);
    await expect(new HttpFeeSource({ url: feed.url, timeoutMs: 200 }).fetch()).rejects.toMatchObject({ name: 'FeeSourceUnavailableError', message: expect.stringMatching(message) });
  });

  it('throws FeeSourceUnavailableError when nothing listens', async () => {
    const url = feed.url;
    await feed.close();
    await expect(new HttpFeeSource({ url }).fetch()).rejects.toMatchObject({ name: 'FeeSourceUnavailableError', message: expect.stringContaining('ECONNREFUSED') });
    feed = await startFakeFeed();
  });

  it('refuses a URL that is not http(s), saying which', () => {
    expect(() => new HttpFeeSource({ url: 'file:///etc/passwd' })).toThrow('the fee source URL "file:///etc/passwd" is not http(s)');
    expect(() => new HttpFeeSource({ url: 'mempool.space' })).toThrow('is not a URL');
  });
});
