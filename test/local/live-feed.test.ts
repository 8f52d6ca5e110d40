/**
 * The twin's `--live` ingestion against the local fake feed, on an accelerated clock (a virtual minute per
 * 250 ms): it ingests, survives an outage of the feed (errors, timeouts, garbage) with the gap kept and one
 * notification each way in the outbox, and resumes. The same handler as the cloud's producer runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxMailer } from '../../local/adapters/outbox-mailer';
import { ScaledClock } from '../../local/clock';
import { runLiveFeed } from '../../local/ingestion/live-feed';
import { openTwin, type Twin } from '../../local/twin';
import { formatMinute, MINUTE_MS } from '../../src/core/feature-record';
import { startFakeFeed, type FakeFeed, type FeedBehaviour } from '../support/fake-feed-server';

const START = Date.parse('2026-12-01T12:00:30Z');
/** What the feed does at each poll: 4 answers, an outage of 7 polls, 4 answers. */
const SCRIPT: FeedBehaviour[] = ['answer', 'answer', 'answer', 'answer', 'error', 'timeout', 'garbage', 'error', 'drop', 'timeout', 'garbage', 'answer', 'answer', 'answer', 'answer'];

describe('Twin: mlops up --live against a fake feed', () => {
  let dir: string;
  let twin: Twin;
  let feed: FakeFeed;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-live-'));
    twin = openTwin(dir);
  });
  afterEach(async () => {
    await feed?.close();
    twin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests each minute the feed answers, keeps the outage’s minutes missing, and notifies once when it starts and once when it ends', async () => {
    // Prepare: the twin's clock at 240x, the feed dating its answers by that clock.
    let clock = new ScaledClock(START, 240);
    feed = await startFakeFeed({ now: () => clock.now() });
    // One request first, so the HTTP client's cold start (a real 100 ms or more: virtual minutes at 240x)
    // does not fall on the scenario's first minute; then the clock starts.
    await (await fetch(feed.url)).text();
    feed.served.length = 0;
    clock = new ScaledClock(START, 240);
    const outbox = new OutboxMailer({ home: dir, now: () => new Date(clock.now()) });
    const outcomes: string[] = [];
    const writtenMinutes: string[] = [];
    const failedMinutes: string[] = [];
    const controller = new AbortController();
    const lines: string[] = [];

    // Act: each poll's outcome moves the feed to the script's next behaviour.
    const counts = await runLiveFeed(
      {
        twin,
        clock,
        notifier: outbox,
        url: feed.url,
        timeoutMs: 150, // a timing-out feed costs 2 x 150 ms real (1.2 virtual minutes) per poll
        poll: { sourceAttempts: 2, baseDelayMs: 1 },
        print: (line) => lines.push(line),
        onPoll: (outcome) => {
          outcomes.push(outcome.status);
          if (outcome.status === 'written') writtenMinutes.push(outcome.minute);
          else failedMinutes.push(formatMinute(clock.now()));
          if (outcomes.length >= SCRIPT.length) controller.abort();
          else feed.behave(SCRIPT[outcomes.length]);
        },
      },
      controller.signal,
    );

    // Assess: every poll got the script's answer; what was written is exactly what the feed answered.
    expect(outcomes).toEqual(SCRIPT.map((b) => (b === 'answer' ? 'written' : b === 'garbage' || b === 'error' ? 'rejected' : 'unavailable')));
    const stored = twin.featureStore.summary();
    const rows = await twin.featureStore.getRecords({ from: new Date(START - MINUTE_MS), to: new Date(clock.now() + MINUTE_MS) });
    expect([...new Set(rows.map((r) => r.tx_minute))].sort()).toEqual([...new Set(writtenMinutes)].sort());
    // The outage's minutes stay missing: a gap in the store between the last minute before and the first after.
    const before = writtenMinutes.slice(0, 4).at(-1)!;
    const after = writtenMinutes[4];
    expect(failedMinutes.every((m) => m > before && m <= after)).toBe(true);
    const outage = { from: formatMinute(Date.parse(before) + MINUTE_MS), to: after, minutes: (Date.parse(after) - Date.parse(before)) / MINUTE_MS - 1 };
    expect(stored.gaps).toContainEqual(outage);
    expect(outage.minutes).toBeGreaterThanOrEqual(6);
    // Any other gap is a poll that ran late on a loaded machine (a virtual minute is 250 ms real here): never
    // inside the outage, and never a minute the feed answered for (checked above).
    for (const gap of stored.gaps.filter((g) => g.from !== outage.from)) expect(gap.to <= before || gap.from > after).toBe(true);
    // Outage notifications: exactly two, in the outbox.
    const mails = (await outbox.list()).sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    expect(mails.map((m) => m.subject)).toEqual(['Fee source outage: no fee data is being ingested', 'Fee source back: ingestion resumed']);
    expect(counts).toEqual({ MinutesIngested: 8, AnswersRejected: 4, SourceUnavailable: 3 });
    expect(lines.some((l) => l.includes('nothing written (not-json'))).toBe(true);
    // The outage state is healthy again.
    expect(JSON.parse((await twin.parameterStore.get('/btc-fee-deepar/local/producer/outage')).value)).toEqual({ failures: 0 });
  }, 30_000);
});
