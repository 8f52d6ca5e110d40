/**
 * Issue 13: a home that cannot be written, or whose disk is full, gives one line naming the home and what to do,
 * exit 1, and nothing stored changes, for every command (`mlops up` in test/faults/disk.test.ts).
 *
 * Read-only as a user other than root: chmod. As root chmod does not restrict, so the home is put on a tmpfs
 * remounted read-only; the same size-limited tmpfs, filled, is the full disk. Where root may not mount, those
 * tests are skipped with a message that says so.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainHomeError } from '../../local/cli';
import { contents, mlops, mlopsFailing } from '../faults/twin-process';

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'mlops-cli-errors-'));
const mount = (...options: string[]) => execFileSync('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', base], { stdio: 'pipe' });
const remount = (...options: string[]) => execFileSync('mount', ['-o', ['remount', ...options].join(','), base], { stdio: 'pipe' });
const mounted = (() => {
  if (!isRoot) return false;
  try {
    mount('size=2m');
    return true;
  } catch (error) {
    console.warn(`test/local/cli-errors.test.ts: read-only and full-disk tests skipped: running as root, where chmod does not restrict, and a tmpfs cannot be mounted here (${(error as Error).message.split('\n')[0]})`);
    return false;
  }
})();
afterAll(() => {
  if (mounted) execFileSync('umount', [base]);
  rmSync(base, { recursive: true, force: true });
});

/** The line every refused command prints, and nothing else. */
const NOT_WRITABLE = (home: string) =>
  new RegExp(`^mlops: the home ${home} cannot be opened for writing \\((SQLITE|E)[A-Z_]+: [^\\n]+\\): make it writable for this user \\(its permissions, or a read-only mount\\), or choose another with --home or MLOPS_HOME; nothing was changed\\n$`);

(isRoot && !mounted ? describe.skip : describe)('Function: main (a read-only home)', () => {
  const home = join(base, 'read-only');
  const makeReadOnly = () => (isRoot ? remount('ro') : [join(home, 'twin.db'), join(home, 'objects'), home].forEach((p) => chmodSync(p, p.endsWith('twin.db') ? 0o400 : 0o500)));
  const makeWritable = () => (isRoot ? remount('rw') : [home, join(home, 'objects'), join(home, 'twin.db')].forEach((p) => chmodSync(p, p.endsWith('twin.db') ? 0o600 : 0o700)));

  it('`mlops status`, `config`, `config set` and `executions` each say the home cannot be written and what to do, exit 1, and change nothing', async () => {
    // Prepare
    mkdirSync(home, { recursive: true });
    await mlops(home, 'config', 'set', 'quality/threshold', '3');
    const before = contents(home);
    leftAsAStoppedTwinLeavesIt(home);
    makeReadOnly();

    // Act
    const commands = [['status'], ['config'], ['config', 'set', 'quality/threshold', '4'], ['executions']];
    let refused: Array<Awaited<ReturnType<typeof mlopsFailing>>>;
    try {
      refused = await Promise.all(commands.map((args) => mlopsFailing(home, ...args, '--home', home)));
    } finally {
      makeWritable();
    }

    // Assess
    refused.forEach((attempt, i) => {
      expect({ command: commands[i].join(' '), code: attempt.code, stdout: attempt.stdout }).toEqual({ command: commands[i].join(' '), code: 1, stdout: '' });
      expect(attempt.stderr).toMatch(NOT_WRITABLE(home));
    });
    expect(contents(home)).toEqual(before);
  }, 60_000);
});

(mounted ? describe : describe.skip)('Function: main (a full disk)', () => {
  it('`mlops config set` and `mlops status` say the home is full and what to do, exit 1; what was stored is kept', async () => {
    // Prepare: a home on the small tmpfs, then the rest of the disk taken by another file
    const home = join(base, 'full');
    mkdirSync(home, { recursive: true });
    await mlops(home, 'config', 'set', 'quality/threshold', '3');
    const before = contents(home);
    leftAsAStoppedTwinLeavesIt(home);
    const filler = join(base, 'filler');
    fillTheDisk(filler);

    // Act
    let refused: Array<Awaited<ReturnType<typeof mlopsFailing>>>;
    try {
      refused = [await mlopsFailing(home, 'config', 'set', 'quality/threshold', '4'), await mlopsFailing(home, 'status')];
    } finally {
      rmSync(filler);
    }

    // Assess
    for (const attempt of refused) {
      expect(attempt).toMatchObject({ code: 1, stdout: '' });
      expect(attempt.stderr).toMatch(new RegExp(`^mlops: the home ${home} is full \\([A-Z_]+: [^\\n]+\\): free space on its disk, then run the command again; what was stored before is kept whole\\n$`));
    }
    expect(contents(home)).toEqual(before);
  }, 60_000);
});

describe('Function: explainHomeError', () => {
  it.each([
    ['SQLITE_READONLY', 'attempt to write a readonly database', 'cannot be opened for writing'],
    ['SQLITE_CANTOPEN', 'unable to open database file', 'cannot be opened for writing'],
    ['EACCES', 'permission denied', 'cannot be opened for writing'],
    ['EROFS', 'read-only file system', 'cannot be opened for writing'],
    ['SQLITE_FULL', 'database or disk is full', 'is full'],
    ['ENOSPC', 'no space left on device', 'is full'],
  ])('%s names the home and what to do', (code, message, said) => {
    const explained = explainHomeError('/some/home', Object.assign(new Error(message), { code }));

    expect(explained).toMatchObject({ name: 'HomeNotWritableError', message: expect.stringContaining(`the home /some/home ${said} (${code}: ${message})`) });
  });

  it('leaves other errors as they are', () => {
    const other = Object.assign(new Error('no approval request has the id x'), { code: 'SQLITE_CONSTRAINT' });

    expect(explainHomeError('/some/home', other)).toBe(other);
  });
});

/**
 * The home as a process that stopped cleanly leaves it: the write-ahead log checkpointed, and SQLite's -wal and
 * -shm files gone with the last writer (the read-only look `contents` takes leaves them behind).
 */
function leftAsAStoppedTwinLeavesIt(home: string): void {
  const db = new Database(join(home, 'twin.db'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  expect(['twin.db-wal', 'twin.db-shm'].filter((f) => existsSync(join(home, f)))).toEqual([]);
}

/** Writes zeros to `file` until the disk under it has no space left. */
function fillTheDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}
