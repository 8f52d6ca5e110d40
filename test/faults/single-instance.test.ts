/** One `mlops up` per home (issue 13 item 4), with real processes: a second stops at once, a killed one's lock is taken over. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOLDER_FILE, readHolder } from '../../local/lock';
import { mlops, mlopsFailing, startUp, type TwinProcess, useATinyModel } from './twin-process';

describe('Function: acquireHomeLock (mlops up)', () => {
  let home: string;
  const running: TwinProcess[] = [];
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mlops-lock-'));
    await useATinyModel(home);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    rmSync(home, { recursive: true, force: true });
  });

  it('a second `mlops up` on a home in use exits at once naming the home and the holder, opening nothing; the commands that write still work beside it', async () => {
    // Prepare
    const first = startUp(home, '--port', '0', '--backfill-days', '1');
    running.push(first);
    const [, url] = await first.waitFor(/dashboard (http:\/\/127\.0\.0\.1:\d+)\//);
    const holderBefore = readHolder(home);

    // Act
    const started = Date.now();
    const second = await mlopsFailing(home, 'up', '--port', '0', '--backfill-days', '1');
    const samePort = await mlopsFailing(home, 'up', '--port', url.split(':').pop()!, '--backfill-days', '1');
    const elapsed = Date.now() - started;

    // Assess
    for (const attempt of [second, samePort]) {
      expect(attempt.code).toBe(1);
      expect(attempt.stderr).toContain(`another \`mlops up\` is running on the home ${home} (pid ${first.child.pid}, serving ${url}`);
      // It never opened the store: not even the line `up` prints once the database is open.
      expect(attempt.stdout).toBe('');
      expect(attempt.stderr).not.toContain('EADDRINUSE');
    }
    expect(elapsed).toBeLessThan(15_000);
    expect(readHolder(home)).toEqual(holderBefore);
    expect(holderBefore).toMatchObject({ pid: first.child.pid, url });
    // A second terminal may still change the run-time parameters while `up` runs.
    await expect(mlops(home, 'config', 'set', 'quality/threshold', '9')).resolves.toMatchObject({ stdout: expect.stringContaining('(version 3)') });
  }, 120_000);

  it('the lock of a killed `mlops up` is released with it: the next one takes the home over', async () => {
    // Prepare
    const killed = running[0] ?? startUp(home, '--port', '0', '--backfill-days', '1');
    await killed.waitFor(/data dir /);
    expect(await killed.kill('SIGKILL')).toBe('SIGKILL');

    // Act
    const next = startUp(home, '--port', '0', '--backfill-days', '1');
    running.push(next);
    const [, url] = await next.waitFor(/dashboard (http:\/\/127\.0\.0\.1:\d+)\//);

    // Assess
    expect(readdirSync(home)).toContain(HOLDER_FILE);
    expect(readHolder(home)).toMatchObject({ pid: next.child.pid, url });
    expect(next.stderr).not.toContain('another `mlops up`');
  }, 120_000);
});
