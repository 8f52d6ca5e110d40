/** Loggers for handler tests: one that prints nothing, and a capture of what a Lambda would print. */
import { Logger } from '@aws-lambda-powertools/logger';

export const aSilentLogger = (): Logger => new Logger({ logLevel: 'SILENT' });

/** A logger that prints everything, as a Lambda's does. */
export const aLoudLogger = (): Logger => new Logger({ serviceName: 'test', logLevel: 'DEBUG' });

/**
 * Every line written to stdout, stderr or the console while a test runs (where a Lambda's logs go to
 * CloudWatch), printed nowhere. Undone by jest.restoreAllMocks().
 */
export function captureOutput(): string[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  }
  return lines;
}
