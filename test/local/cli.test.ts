/** The `mlops` command as a user runs it: a real process over a temporary data dir. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops');

describe('Command: mlops', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('up --once backfills the requested days, and status reports range, rows and gaps', async () => {
    const up = await run('node', [MLOPS, 'up', '--once', '--backfill-days', '1', '--home', home]);
    expect(up.stdout).toContain('feature store holds 1440 minutes, 2025-03-05T02:13:00Z .. 2025-03-06T02:12:00Z (1440 backfilled now)');
    expect(up.stderr).toContain('backfill 100%');

    const status = await run('node', [MLOPS, 'status', '--json'], { env: { ...process.env, MLOPS_HOME: home } });
    expect(JSON.parse(status.stdout)).toMatchObject({
      home,
      featureStore: { rows: 1440, minutes: 1440, first: '2025-03-05T02:13:00Z', last: '2025-03-06T02:12:00Z', gaps: [], missingMinutes: 0 },
    });
  }, 60_000);

  it('says what is wrong with a bad option and exits non-zero', async () => {
    await expect(run('node', [MLOPS, 'up', '--speed', 'fast', '--home', home])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--speed must be a positive number, not "fast"'),
    });
  });

  it('tells a user with an empty data dir how to fill it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mlops-empty-'));
    const status = await run('node', [MLOPS, 'status', '--home', empty]);
    expect(status.stdout).toContain('none yet: run `mlops up` (npm start)');
    rmSync(empty, { recursive: true, force: true });
  });
});
