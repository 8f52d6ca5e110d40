/**
 * The numeric options of the `mlops` commands and the values each takes. `mlops` checks every one before
 * any command runs (the preAction hook in local/cli.ts), so `--limit -5` or `--port 0x50` is an error that
 * names the option and the value, never a silently different number (Number("0x50") is 80).
 */
import type { Command } from 'commander';
import { PipelineError } from '../../src/core/errors';

/** A command-line option's value is unusable. */
export class CliOptionError extends PipelineError {
  override readonly name = 'CliOptionError' as const;
}

interface NumericOption {
  /** Whole numbers are written in decimal digits only; numbers in decimal with an optional exponent. */
  kind: 'integer' | 'number';
  /** What the option takes, as the error says it: "--speed must be a positive number, not ...". */
  expected: string;
  /** Accepted range; `min` is excluded when `minExclusive`. */
  min: number;
  max: number;
  minExclusive?: boolean;
}

const wholeFrom = (min: number, max: number, what: string): NumericOption => ({ kind: 'integer', min, max, expected: `a whole number of ${what} from ${min} to ${max}` });

export const NUMERIC_OPTIONS: Readonly<Record<string, NumericOption>> = {
  '--limit': wholeFrom(1, 100_000, 'executions'),
  '--port': { kind: 'integer', min: 0, max: 65_535, expected: 'a port number (0 to 65535; 0: any free port)' },
  // A virtual ~70 days per real minute at most: beyond it the scheduler cannot keep up with its own clock.
  '--speed': { kind: 'number', min: 0, max: 100_000, minExclusive: true, expected: 'a positive number' },
  '--backfill-days': { kind: 'number', min: 0, max: 365, minExclusive: true, expected: 'a positive number' },
  '--prediction-length': wholeFrom(1, 1000, 'steps'),
  '--context-length': wholeFrom(1, 1000, 'steps'),
  '--windows': wholeFrom(1, 10_000, 'windows'),
  '--stride': wholeFrom(1, 1_000_000, 'steps'),
  '--epochs': wholeFrom(1, 10_000, 'epochs'),
  '--seed': wholeFrom(0, 2 ** 31 - 1, 'seed'),
};

/** Options that take text (paths, names, times), checked where they are used. */
export const TEXT_OPTIONS: readonly string[] = ['--home', '--history', '--host', '--as-of', '--as', '--csv', '--time-column', '--target-column', '--freq', '--feed-url'];

const DECIMAL_INTEGER = /^\d+$/;
const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The option's value as a number, or a CliOptionError naming the option, what it takes and the value. */
export function checkNumericOption(flag: string, value: string): number {
  const option = NUMERIC_OPTIONS[flag];
  if (!option) throw new Error(`${flag} is not a numeric option`);
  const grammar = option.kind === 'integer' ? DECIMAL_INTEGER : DECIMAL_NUMBER;
  const n = grammar.test(value) ? Number(value) : NaN;
  const inRange = Number.isFinite(n) && (option.minExclusive ? n > option.min : n >= option.min) && n <= option.max;
  if (!inRange) {
    const range = option.kind === 'number' && Number.isFinite(n) && n > option.min ? ` no greater than ${option.max}` : '';
    throw new CliOptionError(`${flag} must be ${option.expected}${range}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** Checks every numeric option the command was given (or defaults to), before its action runs. */
export function checkNumericOptions(command: Command): void {
  for (const option of command.options) {
    if (!option.long || !NUMERIC_OPTIONS[option.long]) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    if (value !== undefined) checkNumericOption(option.long, String(value));
  }
}
