import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerBacktestCommand } from '../../local/commands/backtest';
import { seasonalSeries } from './mothers';

const dir = mkdtempSync(join(tmpdir(), 'deepar-backtest-'));

/** An hourly CSV with jittered timestamps (two rows per hour), a total and a count column. */
function writeCsv(name: string, hours: number, edit: (rows: string[]) => void = () => {}): string {
  const y = seasonalSeries(hours, 4, 0.5, 20);
  const rows = ['time,total,count'];
  for (let h = 0; h < hours; h++) {
    for (const minute of [5, 35]) {
      const t = new Date(Date.UTC(2025, 0, 1, h, minute, 13)).toISOString();
      rows.push(`${t},${(y[h] * 3).toFixed(4)},3`);
    }
  }
  edit(rows);
  const file = join(dir, name);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** 40 rows 30 days apart: evenly spread, so no row is an outlier, but a per-minute grid over them is 1.7 million points. */
function writeSparseCsv(name: string): string {
  const rows = ['time,total,count', ...Array.from({ length: 40 }, (_, i) => `${new Date(Date.UTC(2020, 0, 1) + i * 30 * 86_400_000).toISOString()},${i + 1},1`)];
  const file = join(dir, name);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

async function run(args: string[]): Promise<{ stdout: string; stderr: string; error?: Error }> {
  const program = new Command('mlops').exitOverride();
  let stderr = '';
  program.configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
  registerBacktestCommand(program);
  let stdout = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'mlops', 'backtest', ...args]);
    return { stdout, stderr };
  } catch (e) {
    return { stdout, stderr, error: e as Error };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const FAST = ['--freq', 'H', '--prediction-length', '6', '--windows', '3', '--context-length', '12', '--epochs', '1'];

describe('Command: mlops backtest', () => {
  it('prints the JSON result as the last line with --json, on a ratio target', async () => {
    // Prepare
    const csv = writeCsv('ok.csv', 24 * 5);
    // Act
    const { stdout, error } = await run(['--csv', csv, '--time-column', 'time', '--target-column', 'total/count', ...FAST, '--json']);
    // Assess
    expect(error).toBeUndefined();
    const last = JSON.parse(stdout.trimEnd().split('\n').pop()!);
    expect(last).toMatchObject({ series: 120, windows: 3 });
    expect(Object.keys(last.models)).toEqual(['deepar', 'seasonal_naive', 'naive']);
    expect(Object.keys(last.models.deepar)).toEqual(['mean_wQuantileLoss', 'RMSE', 'train_seconds']);
    for (const m of Object.values(last.models) as { mean_wQuantileLoss: number }[]) expect(m.mean_wQuantileLoss).toBeGreaterThan(0);
  });

  it('leaves a missing option to commander', async () => {
    const { stderr, error } = await run(['--csv', 'x.csv']);
    expect(error).toBeDefined();
    expect(stderr).toMatch(/required option '--time-column <col>' not specified/);
  });

  it.each([
    { name: 'a missing file', args: ['--csv', join(dir, 'nope.csv'), '--time-column', 'time', '--target-column', 'total'], message: /cannot read --csv .*nope\.csv: no such file/ },
    { name: 'an unknown column', args: ['--csv', 'ok', '--time-column', 'time', '--target-column', 'fee'], message: /--target-column "fee" is not a column .*columns: time, total, count/ },
    { name: 'an unknown time column', args: ['--csv', 'ok', '--time-column', 'when', '--target-column', 'total'], message: /--time-column "when" is not a column/ },
    { name: 'an unparsable time', args: ['--csv', 'badtime', '--time-column', 'time', '--target-column', 'total'], message: /line 4: cannot parse time "yesterday" in column time/ },
    { name: 'too little data', args: ['--csv', 'short', '--time-column', 'time', '--target-column', 'total'], message: /too few for 3 windows/ },
    { name: 'a bad frequency', args: ['--csv', 'ok', '--time-column', 'time', '--target-column', 'total', '--freq', '7s'], message: /--freq must be M, W, D, H or min/ },
    // Before: a 1970 row made a grid of millions of empty points and a meaningless score (exit 0).
    {
      name: 'a row dated 1970-01-01',
      args: ['--csv', 'epoch', '--time-column', 'time', '--target-column', 'total'],
      message: /epoch\.csv line 5: time 1970-01-01 00:00:00 lies 482,136 steps of H from the other rows \(2025-01-01 00:00:00 \.\. 2025-01-05 23:00:00\), farther than they span: a mistyped date\? Correct or remove the row; the H grid from 1970-01-01 00:00:00 to 2025-01-05 23:00:00 would hold 482,256 points \(at most 1,000,000\)/,
    },
    {
      name: 'a span too long for the frequency',
      args: ['--csv', 'sparse', '--time-column', 'time', '--target-column', 'total', '--freq', '1min'],
      message: /sparse\.csv line 2: the 1min grid from 2020-01-01 00:00:00 to 2023-03-16 00:00:00 would hold 1,684,801 points \(at most 1,000,000\): too long a span for 1min/,
    },
    { name: 'a hexadecimal number of windows', args: ['--csv', 'ok', '--time-column', 'time', '--target-column', 'total', '--windows', '0x10'], message: /--windows must be a whole number of windows from 1 to 10000, not "0x10"/ },
  ])('fails clearly on $name', async ({ args, message }) => {
    // Prepare
    const files: Record<string, string> = {
      ok: writeCsv('ok.csv', 24 * 5),
      badtime: writeCsv('badtime.csv', 24 * 5, (rows) => (rows[3] = 'yesterday,1,1')),
      short: writeCsv('short.csv', 20),
      epoch: writeCsv('epoch.csv', 24 * 5, (rows) => (rows[4] = '1970-01-01T00:00:00Z,1,1')),
      sparse: writeSparseCsv('sparse.csv'),
    };
    const resolved = args.map((a) => files[a] ?? a);
    // Act
    const { error } = await run([...FAST, ...resolved]);
    // Assess
    expect(error).toBeDefined();
    expect(error!.message).toMatch(/^backtest: /);
    expect(error!.message).toMatch(message);
  });
});
