/** Real `mlops` processes over a temporary home, as a user (or a crash) meets them. */
import Database from 'better-sqlite3';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops');
const run = promisify(execFile);

/** One CLI command run to its end. */
export function mlops(home: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  // Killed after a minute: a command that should have stopped at once must not outlive the test.
  return run('node', [MLOPS, ...args], { env: { ...process.env, MLOPS_HOME: home }, timeout: 60_000, killSignal: 'SIGKILL' });
}

/** The outcome of a command that is expected to fail: its exit code and what it said. */
export async function mlopsFailing(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await mlops(home, ...args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A model that trains in a second or two and a gate wide open: these tests are about faults, not accuracy. */
export async function useATinyModel(home: string): Promise<void> {
  await mlops(home, 'config', 'set', 'training/window-days', '1');
  // One day of history holds fewer than the default 48 evaluation windows (24 h) and a training span.
  await mlops(home, 'config', 'set', 'evaluation/windows', '4');
  await mlops(home, 'config', 'set', 'quality/threshold', '10');
  const tiny = { time_freq: '1min', context_length: '30', prediction_length: '30', epochs: '1', num_cells: '4', num_layers: '1', mini_batch_size: '8' };
  await mlops(home, 'config', 'set', 'training/hyperparameters', JSON.stringify(tiny));
}

export interface TwinProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** `mlops up` in the background, its output kept for waitFor. */
export function startUp(home: string, ...args: string[]): TwinProcess {
  const child = spawn('node', [MLOPS, 'up', '--home', home, ...args], { env: { ...process.env, MLOPS_HOME: home } });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d) => ((stdout += d), listeners.forEach((l) => l())));
  child.stderr!.on('data', (d) => ((stderr += d), listeners.forEach((l) => l())));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => (resolve(code ?? signal ?? -1), listeners.forEach((l) => l()))));
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (stdout + stderr).match(pattern);
          if (match) return done(() => resolve(match));
          if (ended) return done(() => reject(new Error(`mlops up ended before ${pattern}:\n${stdout}\n${stderr}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`))), timeoutMs);
        const done = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** A read of the home's database that writes nothing (opened read-only). */
export function readStore<T>(home: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(home, 'twin.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Every row of every table: what "nothing changed" compares. */
export function contents(home: string): Record<string, unknown[]> {
  return readStore(home, (db) => {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>;
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  });
}

/** Polls the home's database (read-only) until `ready` holds. */
export async function waitUntil(home: string, ready: (db: Database.Database) => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (readStore(home, ready)) return;
    } catch {
      // Not there yet (no database file, or a table a migration has yet to create).
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether some execution has entered `stateName` (the executor writes each StateEntered as it happens). */
export const hasEntered = (stateName: string) => (db: Database.Database): boolean =>
  !!db.prepare(`SELECT 1 FROM sfn_history WHERE type = 'StateEntered' AND state_name = ?`).get(stateName);
