/**
 * `mlops up --live --feed-url URL` as a user runs it: a real process, at real time, pointed at the local
 * fake feed (never the internet). Its first poll writes the current minute; the options it cannot go with
 * are refused before anything is opened.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveOptionsProblem } from '../../local/commands/up';
import { startFakeFeed, type FakeFeed } from '../support/fake-feed-server';
import { mlopsFailing, readStore, startUp, type TwinProcess } from '../faults/twin-process';

describe('CLI: mlops up --live', () => {
  let home: string;
  let feed: FakeFeed;
  let up: TwinProcess | undefined;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'mlops-up-live-'));
    feed = await startFakeFeed();
  });
  afterEach(async () => {
    await up?.kill('SIGKILL');
    up = undefined;
    await feed.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('ingests the feed’s current minute instead of replaying the history, and stops cleanly on Ctrl-C', async () => {
    up = startUp(home, '--live', '--feed-url', feed.url, '--port', '0');
    await up.waitFor(/feed: .* written, avg fee \d+ sat over \d+ waiting transactions/, 60_000);
    expect(up.stdout).toContain('(live: nothing replayed)');
    expect(up.stdout).toContain(`live ingestion from ${feed.url}`);
    const minutes = readStore(home, (db) => db.prepare(`SELECT tx_minute FROM feature_records`).pluck().all() as string[]);
    // Only what the feed answered: the current minute, no replayed history.
    expect(minutes).toHaveLength(1);
    expect(Math.abs(Date.parse(minutes[0]) - Date.now())).toBeLessThan(3 * 60_000);
    expect(await up.kill('SIGINT')).toBe(0);
  }, 90_000);

  it('refuses an option --live cannot go with before opening anything, saying why', async () => {
    const { code, stderr } = await mlopsFailing(home, 'up', '--home', home, '--port', '0', '--live', '--speed', '60');
    expect(code).toBe(1);
    expect(stderr).toContain('--live ingests at real time: --speed must be 1, not "60"');
    expect(existsSync(join(home, 'twin.db'))).toBe(false);
  }, 60_000);

  it.each([
    [{ live: false, feedUrl: 'http://127.0.0.1:9/api/mempool' }, '--feed-url needs --live (without it, up replays the shipped history)'],
    [{ live: true, once: true }, '--once runs the lifecycle on the shipped history; --live has no history to start from'],
    [{ live: true, historyGiven: true }, '--history is the replay’s; --live reads the feed instead'],
    [{ live: true, feedUrl: 'ftp://example.org/mempool' }, '--feed-url must be an http(s) URL, not "ftp://example.org/mempool"'],
    [{ live: true, feedUrl: 'mempool.space' }, '--feed-url must be an http(s) URL, not "mempool.space"'],
  ])('refuses %j', (options, message) => {
    expect(liveOptionsProblem({ speed: '1', ...options })).toBe(message);
  });

  it('accepts --live alone (the real source) and with an http(s) feed, and the replay without either', () => {
    expect(liveOptionsProblem({ live: true, speed: '1' })).toBeUndefined();
    expect(liveOptionsProblem({ live: true, speed: '1', feedUrl: 'https://mempool.space/api/mempool' })).toBeUndefined();
    expect(liveOptionsProblem({ speed: '60' })).toBeUndefined();
  });
});
