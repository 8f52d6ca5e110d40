/**
 * The fault suite's disk faults (issue 13): a home on a full disk and a home turned read-only. `mlops up` says what
 * is wrong and where, exits non-zero, and the store keeps everything written before, whole.
 *
 * The disk is a size-limited tmpfs mounted for the test; where mounting is not allowed (not root, no CAP_SYS_ADMIN),
 * the tests are skipped with a message that says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contents, mlopsFailing, readStore, startUp } from './twin-process';

const mountPoint = mkdtempSync(join(tmpdir(), 'mlops-disk-'));
const mount = (...options: string[]) => execFileSync('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', mountPoint], { stdio: 'pipe' });
const remount = (...options: string[]) => execFileSync('mount', ['-o', ['remount', ...options].join(','), mountPoint], { stdio: 'pipe' });
const canMount = (() => {
  try {
    mount('size=1m');
    return true;
  } catch (error) {
    console.warn(`test/faults/disk.test.ts skipped: a size-limited tmpfs cannot be mounted here (${(error as Error).message.split('\n')[0]}); run as root with mount allowed`);
    return false;
  }
})();

(canMount ? describe : describe.skip)('Fault: the home’s disk', () => {
  const home = join(mountPoint, 'home');
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('full during the backfill: a clear error naming the home; the batches written are whole, and the rest follows once there is room', async () => {
    // Prepare: 1 MiB holds about two days of minutes in the write-ahead log, not seven
    mkdirSync(home);

    // Act
    const full = await mlopsFailing(home, 'up', '--home', home, '--port', '0', '--backfill-days', '7');

    // Assess
    expect(full.code).toBe(1);
    expect(full.stderr).toContain(`mlops: the home ${home} is full (SQLITE_FULL: database or disk is full): free space there and start again`);
    remount('size=64m');
    const kept = readStore(home, (db) => ({
      integrity: db.pragma('integrity_check', { simple: true }),
      ...(db.prepare(`SELECT COUNT(*) AS rows, COUNT(DISTINCT tx_minute) AS minutes FROM feature_records`).get() as { rows: number; minutes: number }),
    }));
    expect(kept.integrity).toBe('ok');
    expect(kept.rows).toBe(kept.minutes);
    expect(kept.rows % 1440).toBe(0);
    expect(kept.rows).toBeGreaterThan(0);
    expect(kept.rows).toBeLessThan(7 * 1440);
    const again = startUp(home, '--port', '0', '--backfill-days', '7');
    await again.waitFor(/feature store holds 10080 minutes/);
    await again.kill('SIGKILL');
  }, 120_000);

  it('read-only: `mlops up` says the home cannot be written and changes nothing', async () => {
    // Prepare
    const before = contents(home);
    remount('ro');

    // Act
    const refused = await mlopsFailing(home, 'up', '--home', home, '--port', '0', '--backfill-days', '7');

    // Assess
    remount('rw');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`mlops: the home ${home} cannot be written (SQLITE_READONLY: attempt to write a readonly database); nothing was changed`);
    expect(refused.stdout).toBe('');
    expect(contents(home)).toEqual(before);
  }, 60_000);
});
