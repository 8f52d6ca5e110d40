import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOCK_FILE, readClockRecord, readTwinNow, recordClockStart, recordClockStop, ScaledClock, twinNowFrom, writeClockRecord } from '../../local/clock';
import { HOLDER_FILE } from '../../local/lock';

const MARCH_12 = Date.parse('2025-03-12T00:00:00Z');
const WALL = Date.parse('2026-12-01T12:00:00Z');

describe("Function: twinNowFrom (the twin's now for a command run beside `mlops up`)", () => {
  const record = { virtualStart: MARCH_12, realStart: WALL, speed: 60, pid: 1 };

  it('is the wall clock for a home never served', () => {
    expect(twinNowFrom(undefined, { realNow: WALL, running: false })).toBe(WALL);
  });

  it("follows the running clock's anchor: one real second is a virtual minute at 60x", () => {
    expect(new Date(twinNowFrom(record, { realNow: WALL + 1_000, running: true, latestMinute: MARCH_12 })).toISOString()).toBe('2025-03-12T00:01:00.000Z');
  });

  it('stands still where a cleanly stopped clock stopped', () => {
    const stoppedAt = MARCH_12 + 3_600_000;
    expect(twinNowFrom({ ...record, stoppedAt }, { realNow: WALL + 86_400_000, running: false })).toBe(stoppedAt);
  });

  it("after a crash, goes no further than the latest ingested minute + 1 minute", () => {
    const latestMinute = MARCH_12 + 10 * 60_000;
    expect(twinNowFrom(record, { realNow: WALL + 86_400_000, running: false, latestMinute })).toBe(latestMinute + 60_000);
    // A crash soon after the start: the anchor is behind the cap.
    expect(twinNowFrom(record, { realNow: WALL + 1_000, running: false, latestMinute })).toBe(MARCH_12 + 60_000);
  });
});

describe("Function: readTwinNow (the clock's record in the home)", () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'mlops-clock-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const holder = (pid: number) => writeFileSync(join(home, HOLDER_FILE), JSON.stringify({ pid, host: '127.0.0.1', port: 0, since: '' }));

  it("is the wall clock while a home has no record", () => {
    expect(readTwinNow(home, () => undefined, WALL).getTime()).toBe(WALL);
  });

  it("reads a running `up`'s clock (this process holds the home), written private to the user", () => {
    let real = WALL;
    const clock = new ScaledClock(MARCH_12, 60, () => real);
    recordClockStart(home, clock);
    holder(process.pid);
    expect(statSync(join(home, CLOCK_FILE)).mode & 0o777).toBe(0o600);
    real += 2_000;
    expect(readTwinNow(home, () => undefined, real).toISOString()).toBe('2025-03-12T00:02:00.000Z');

    recordClockStop(home, clock);
    expect(readTwinNow(home, () => undefined, real + 3_600_000).toISOString()).toBe('2025-03-12T00:02:00.000Z');
  });

  it('caps the clock of a crashed `up` (its pid gone) at the latest minute + 1', () => {
    writeClockRecord(home, { virtualStart: MARCH_12, realStart: WALL, speed: 60, pid: 2 ** 22 + 1 });
    holder(2 ** 22 + 1);
    expect(readTwinNow(home, () => MARCH_12 + 5 * 60_000, WALL + 3_600_000).toISOString()).toBe('2025-03-12T00:06:00.000Z');
  });

  it('says which file is wrong and what to do when the record is damaged, changing nothing', () => {
    writeFileSync(join(home, CLOCK_FILE), '{"virtualStart": 1, "realStart": "x", "speed": 0, "pid": 3}');
    expect(() => readTwinNow(home, () => undefined)).toThrow(`the twin's clock record ${join(home, CLOCK_FILE)} has no valid realStart, speed; start \`mlops up\` again`);
    writeFileSync(join(home, CLOCK_FILE), '{not json');
    expect(() => readClockRecord(home)).toThrow('is not JSON');
    expect(readFileSync(join(home, CLOCK_FILE), 'utf8')).toBe('{not json');
  });
});
