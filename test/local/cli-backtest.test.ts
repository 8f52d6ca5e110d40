/** `mlops backtest` as a user types it: pandas' frequency spellings, exact JSON, rounded table. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerBacktestCommand } from '../../local/commands/backtest';
import { seasonalSeries } from '../deepar/mothers';

const dir = mkdtempSync(join(tmpdir(), 'mlops-cli-backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Five days of an hourly series, one row an hour. */
function hourlyCsv(): string {
  const y = seasonalSeries(24 * 5, 4, 0.5, 20);
  const rows = ['time,value', ...y.map((v, h) => `${new Date(Date.UTC(2025, 0, 1, h)).toISOString()},${v.toFixed(4)}`)];
  const file = join(dir, 'hourly.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

async function backtest(...args: string[]): Promise<{ stdout: string; error?: Error }> {
  const program = new Command('mlops').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerBacktestCommand(program);
  let stdout = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'mlops', 'backtest', '--csv', hourlyCsv(), '--time-column', 'time', '--target-column', 'value', ...args]);
    return { stdout };
  } catch (e) {
    return { stdout, error: e as Error };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const FAST = ['--prediction-length', '6', '--windows', '2', '--context-length', '12', '--epochs', '1'];

describe('Command: mlops backtest --freq', () => {
  it.each([['1h', '1H'], ['h', 'H'], ['H', 'H']])('accepts --freq %s and grids the series with SageMaker\u2019s %s; --json prints one JSON object', async (freq, timeFreq) => {
    // Act
    const { stdout, error } = await backtest('--freq', freq, ...FAST, '--json');
    // Assess: stdout is exactly one JSON object, with the exact figures
    expect(error).toBeUndefined();
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ series: 120, windows: 2, timeFreq });
    expect(result.models.deepar.mean_wQuantileLoss).toEqual(expect.any(Number));
  });

  it('rounds the table for people: losses to 4 significant digits', async () => {
    // Act
    const { stdout, error } = await backtest('--freq', '60min', ...FAST);
    // Assess
    expect(error).toBeUndefined();
    expect(stdout).toContain('120 points on a 60min grid');
    const rows = stdout.split('\n').filter((l) => /^(deepar|seasonal_naive|naive)\s/.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const loss = row.trim().split(/\s+/)[1];
      expect(loss.replace(/^0\.0*/, '').replace('.', '').length).toBeLessThanOrEqual(4);
    }
  });

  it('refuses nonsense before reading the file, listing the accepted forms', async () => {
    // Act
    const { error } = await backtest('--freq', '1.5h', ...FAST);
    // Assess
    expect(error).toMatchObject({ name: 'BacktestOptionError' });
    expect(error!.message).toContain('--freq must be M, W, D, H or min with an optional count');
    expect(error!.message).toContain('pandas alias: 1h, h, H, 30min, min, T, 5T, D, 1D, W, ME; "1.5h" is not a whole count of one unit (e.g. write 90min for 1.5h)');
  });
});
