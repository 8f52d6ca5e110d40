/**
 * `mlops backtest`: DeepAR against naive and seasonal naive on rolling windows of any CSV.
 *
 *   mlops backtest --csv FILE --time-column COL --target-column COL --freq 5min \
 *     [--prediction-length 30] [--windows 20] [--stride H] [--context-length 2H] [--epochs 10] [--seed 0] [--json]
 *
 * --target-column may be a ratio of two columns, "a/b" (e.g. mempool_total_fee/mempool_count),
 * computed row by row before the series is put on the grid. DeepAR trains on two threads when the machine
 * has them (the same seed on the same machine gives the same figures). --freq takes SageMaker's names and
 * pandas' aliases (1h, h, H, 30min, T, 5T, D, W), normalised to SageMaker's time_freq (src/core/frequency.ts).
 * With --json, stdout is one JSON object with the exact figures:
 * {"series": N, "windows": K, "timeFreq": "1H", "models": {"deepar": {...}, "seasonal_naive": {...}, "naive": {...}}}.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { backtest, type BacktestResult, parseFrequency, readTimeSeries, regularize } from '../../src/deepar/runtime';
import { PipelineError } from '../../src/core/errors';
import { normaliseFrequency } from '../../src/core/frequency';
import { formatDuration, formatLoss } from './format';
import { checkNumericOption } from './options';

/** A command-line option of `mlops backtest` is unusable (bad number, frequency or file). */
export class BacktestOptionError extends PipelineError {
  override readonly name = 'BacktestOptionError' as const;
}

export interface BacktestCommandOptions {
  csv: string;
  timeColumn: string;
  targetColumn: string;
  freq: string;
  predictionLength: string;
  windows: string;
  stride?: string;
  contextLength?: string;
  epochs: string;
  seed: string;
  json?: boolean;
}

export function registerBacktestCommand(program: Command): Command {
  return program
    .command('backtest')
    .description('Backtest DeepAR against naive and seasonal naive forecasts on rolling windows of a CSV time series')
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--time-column <col>', 'timestamp column (ISO 8601 UTC or Unix seconds)')
    .requiredOption('--target-column <col>', 'target column, or a ratio of two columns "a/b"')
    .requiredOption('--freq <f>', 'grid frequency: M, W, D, H or min with an optional count (5min, 1H), or a pandas alias (1h, h, 30min, T, 5T, D, W)')
    .option('--prediction-length <n>', 'forecast horizon H', '30')
    .option('--windows <k>', 'number of forecast origins K', '20')
    .option('--stride <s>', 'steps between origins (default: the prediction length)')
    .option('--context-length <n>', 'DeepAR context length (default: twice the prediction length)')
    .option('--epochs <n>', 'DeepAR training epochs (50 batches of 32 each)', '10')
    .option('--seed <n>', 'random seed', '0')
    .option('--json', 'print the result as one JSON object (exact numbers) instead of the table')
    .action((opts: BacktestCommandOptions) => {
      // Bad input throws its named error with a message saying what and where (the CLI prints it).
      try {
        const result = runBacktestCommand(opts, (line) => process.stderr.write(line + '\n'));
        process.stdout.write((opts.json ? JSON.stringify(toJson(result)) : formatTable(result)) + '\n');
      } catch (e) {
        if (e instanceof Error) e.message = `backtest: ${e.message}`;
        throw e;
      }
    });
}

/** The backtest's result, with the SageMaker time_freq its grid used. */
export type BacktestCommandResult = BacktestResult & { timeFreq: string };

export function runBacktestCommand(opts: BacktestCommandOptions, log: (line: string) => void = () => {}): BacktestCommandResult {
  // Every option is checked before the file is read: a bad number costs nothing.
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    try {
      return checkNumericOption(`--${name}`, v);
    } catch (e) {
      throw new BacktestOptionError((e as Error).message);
    }
  };
  let freq;
  try {
    // What people type (1h, T, 30min), as SageMaker's time_freq: the grid and DeepAR see SageMaker's name.
    freq = parseFrequency(normaliseFrequency(opts.freq, '--freq').timeFreq);
  } catch (e) {
    throw new BacktestOptionError((e as Error).message);
  }
  const numbers = {
    predictionLength: int('prediction-length', opts.predictionLength),
    windows: int('windows', opts.windows),
    stride: int('stride', opts.stride),
    contextLength: int('context-length', opts.contextLength),
    epochs: int('epochs', opts.epochs),
    seed: int('seed', opts.seed),
  };
  let text: string;
  try {
    text = readFileSync(opts.csv, 'utf8');
  } catch (e) {
    throw new BacktestOptionError(`cannot read --csv ${opts.csv}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { timesMs, values, lines } = readTimeSeries(text, opts.timeColumn, opts.targetColumn, opts.csv);
  const grid = regularize(timesMs, values, freq, { whereIs: (i) => ({ line: lines[i], field: opts.timeColumn, source: opts.csv }) });
  log(`backtest: ${timesMs.length} rows → ${grid.values.length} points on the ${freq.text} grid`);
  const result = backtest(grid.startMs, grid.values, {
    freq,
    ...numbers,
    threads: Math.min(2, availableParallelism()),
    onEpoch: (e) => log(`deepar epoch ${e.epoch}: loss ${formatLoss(e.loss)} (${formatDuration(e.seconds * 1000)})`),
  });
  return { ...result, timeFreq: freq.text };
}

export function toJson(r: BacktestResult & { timeFreq?: string }): { series: number; windows: number; timeFreq?: string; models: BacktestResult['models'] } {
  return { series: r.series, windows: r.windows, ...(r.timeFreq ? { timeFreq: r.timeFreq } : {}), models: r.models };
}

function formatTable(r: BacktestCommandResult): string {
  const sn = r.models.seasonal_naive.mean_wQuantileLoss;
  const rows = Object.entries(r.models).map(
    ([name, m]) => `${name.padEnd(15)} ${formatLoss(m.mean_wQuantileLoss).padStart(10)} ${(m.mean_wQuantileLoss / sn).toFixed(2).padStart(8)}x ${String(Number(m.RMSE.toPrecision(4))).padStart(12)}`,
  );
  return [
    `${r.series} points on a ${r.timeFreq} grid, ${r.windows} windows from ${r.firstForecast}, seasonal naive season ${r.season}, DeepAR ${r.epochsRun} epochs in ${formatDuration((r.models.deepar.train_seconds ?? NaN) * 1000)}`,
    `${'model'.padEnd(15)} ${'mean wQL'.padStart(10)} ${'vs snaive'.padStart(9)} ${'RMSE'.padStart(12)}`,
    ...rows,
  ].join('\n');
}
