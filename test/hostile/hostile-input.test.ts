/**
 * Hostile input, one table: every row is a bad input a user, a producer or a client can send, the
 * error (name or HTTP status, and a fragment of the message) it must get, and the proof that nothing
 * stored changed: the twin's whole database (features, parameters, executions, endpoints) and its objects
 * are the same after the refusal as before. Rows that hold today keep holding; rows marked "issue 13"
 * failed before the fix. No training runs: each row goes through a validation entry point, a Lambda's
 * handler, the endpoint's route handler or the `mlops` program in-process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { createHandler as approvalApi } from '../../functions/approval-api';
import { createHandler as decideRetraining } from '../../functions/decide-retraining';
import { createHandler as evaluateForecast } from '../../functions/evaluate-forecast';
import { createHandler as expireApproval } from '../../functions/expire-approval';
import { createHandler as extractSeries } from '../../functions/extract-series';
import { createHandler as ingestRecords } from '../../functions/ingest-records';
import { createHandler as loadRunConfig } from '../../functions/load-run-config';
import { createHandler as measureAccuracy } from '../../functions/measure-accuracy';
import { createHandler as requestApproval } from '../../functions/request-approval';
import { createHandler as updateThreshold } from '../../functions/update-threshold';
import { createProgram } from '../../local/cli';
import { runBacktestCommand, type BacktestCommandOptions } from '../../local/commands/backtest';
import { endpointRoutes, INVOCATIONS_PATTERN } from '../../local/http/endpoint-routes';
import { LocalSageMaker } from '../../local/sagemaker';
import { packDirectory } from '../../local/sagemaker/objects';
import { LOCAL_SETTINGS } from '../../local/settings';
import { openTwin, type Twin } from '../../local/twin';
import { DEFAULT_HYPERPARAMETERS, parameterName } from '../../src/core/run-config';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';
import { fitDeepAR, saveModel } from '../../src/deepar/runtime';
import { aRecord, range, recordsFor } from '../builders/feature-records';
import { aSilentLogger } from '../functions/logs';
import { minuteSeries, tinyHyperparameters } from '../local/sagemaker/builders';

/** What a refusal looks like: a thrown error's name, or an answer's HTTP status, and a message fragment. */
interface Expected {
  name?: string;
  status?: number;
  message: string | RegExp;
}

interface Row {
  area: string;
  input: string;
  act: () => Promise<unknown>;
  expected: Expected;
}

const dir = mkdtempSync(join(tmpdir(), 'mlops-hostile-'));
const home = join(dir, 'home');
const BAD_PATH = '/hostile/bad-run-config';
const ENDPOINT = 'hostile-endpoint';
const BUCKET = 's3://hostile-artifacts';
const logger = aSilentLogger();
/** A dependency the row must never reach: the event is refused before. */
const unreachable = (): never => {
  throw new Error('reached a dependency: the input was not refused first');
};

let twin: Twin;
let sageMaker: LocalSageMaker;

// ---- entry points -------------------------------------------------------------------------------------------

/** `mlops ...` in-process, over the test's home; `up` never starts: a row must be refused before its action. */
async function mlops(...args: string[]): Promise<void> {
  const program = createProgram();
  const quiet = (c: Command): void => {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    c.commands.forEach(quiet);
  };
  quiet(program);
  program.commands.find((c) => c.name() === 'up')!.action(unreachable);
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await program.parseAsync(['node', 'mlops', ...args]);
  } finally {
    log.mockRestore();
  }
}

function csv(name: string, rows: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** 5 days of hourly rows, two per hour, with a total and a count column; `edit` spoils some. */
function hourlyCsv(name: string, edit: (rows: string[]) => void = () => {}): string {
  const rows = ['time,total,count'];
  for (let h = 0; h < 120; h++) {
    for (const minute of [5, 35]) rows.push(`${new Date(Date.UTC(2025, 0, 1, h, minute)).toISOString()},${(10 + Math.sin(h / 4)).toFixed(3)},3`);
  }
  edit(rows);
  return csv(name, rows);
}

function backtest(file: string, overrides: Partial<BacktestCommandOptions> = {}): Promise<unknown> {
  return Promise.resolve().then(() =>
    runBacktestCommand({
      csv: file, timeColumn: 'time', targetColumn: 'total', freq: 'H', predictionLength: '6', windows: '3', contextLength: '12', epochs: '1', seed: '0',
      ...overrides,
    }),
  );
}

const hyperparameters = (overrides: Record<string, string>): Promise<unknown> =>
  Promise.resolve().then(() => parseHyperparameters({ ...DEFAULT_HYPERPARAMETERS, ...overrides }));

const lambdas = {
  ingestRecords: () => ingestRecords({ featureStore: () => twin.featureStore, logger }),
  loadRunConfig: (path = LOCAL_SETTINGS.PARAMETER_PATH) =>
    loadRunConfig({ parameterStore: () => twin.parameterStore, settings: () => ({ ...LOCAL_SETTINGS, PARAMETER_PATH: path }), logger }),
  extractSeries: () => extractSeries({ featureStore: unreachable, objectStore: unreachable, logger }),
  evaluateForecast: () => evaluateForecast({ objectStore: unreachable, forecaster: unreachable, logger }),
  updateThreshold: () => updateThreshold({ parameterStore: unreachable, parameterPath: unreachable, logger }),
  requestApproval: () => requestApproval({ store: unreachable, mailer: unreachable, baseUrl: unreachable, logger }),
  expireApproval: () => expireApproval({ store: unreachable, logger }),
  measureAccuracy: () =>
    measureAccuracy({
      featureStore: unreachable, parameterStore: unreachable, forecaster: unreachable, metrics: unreachable, monitoringStore: unreachable,
      servingModels: unreachable, settings: unreachable, now: () => new Date('2025-03-06T00:00:00Z'), logger,
    }),
  decideRetraining: () => decideRetraining({ parameterStore: unreachable, monitoringStore: unreachable, parameterPath: unreachable, now: () => new Date(), logger }),
  approvalApi: () => approvalApi({ store: unreachable, callbacks: unreachable, objectStore: unreachable, logger }),
};

async function invokeLambda(handler: (event: never, context: never) => Promise<unknown>, event: unknown): Promise<unknown> {
  return handler(event as never, {} as never);
}

/** POST /endpoints/{name}/invocations through the endpoint's route handler (not the server's Host/Origin layer). */
async function invokeEndpoint(body: string, { name = ENDPOINT, contentType = 'application/json' } = {}): Promise<unknown> {
  const route = endpointRoutes(sageMaker)[0];
  const req = Object.assign(Readable.from([Buffer.from(body)]), { headers: { 'content-type': contentType }, method: 'POST' }) as unknown as IncomingMessage;
  let answered: { status: number; body: string } | undefined;
  const res = {
    writeHead: (status: number) => (answered = { status, body: '' }),
    end: (text: string) => (answered!.body = text),
  } as unknown as ServerResponse;
  await route.handle(req, res, INVOCATIONS_PATTERN.exec(`/endpoints/${encodeURIComponent(name)}/invocations`)!);
  return answered;
}

const INSTANCE = { start: '2025-01-01 00:00:00', target: minuteSeries(90) };

// ---- the table ----------------------------------------------------------------------------------------------

const ROWS: Row[] = [
  // CSV through `mlops backtest` (refused before any training)
  { area: 'csv', input: 'an unknown target column', act: () => backtest(hourlyCsv('cols.csv'), { targetColumn: 'fee' }), expected: { name: 'DataValidationError', message: '--target-column "fee" is not a column of' } },
  { area: 'csv', input: 'an unknown time column', act: () => backtest(hourlyCsv('cols.csv'), { timeColumn: 'when' }), expected: { name: 'DataValidationError', message: '--time-column "when" is not a column of' } },
  { area: 'csv', input: 'a ratio of three columns', act: () => backtest(hourlyCsv('cols.csv'), { targetColumn: 'total/count/time' }), expected: { name: 'DataValidationError', message: 'must be one column or a ratio "a/b"' } },
  { area: 'csv', input: 'a non-numeric target', act: () => backtest(hourlyCsv('abc.csv', (r) => (r[7] = '2025-01-01T03:05:00Z,abc,3'))), expected: { name: 'DataValidationError', message: /abc\.csv line 8: "abc" in column total is not a number/ } },
  { area: 'csv', input: 'an unparsable time', act: () => backtest(hourlyCsv('when.csv', (r) => (r[3] = 'yesterday,1,1'))), expected: { name: 'DataValidationError', message: /when\.csv line 4: cannot parse time "yesterday"/ } },
  // issue 13 item 5: a 29-million-point grid and a meaningless score, exit 0
  { area: 'csv', input: 'a row dated 1970-01-01', act: () => backtest(hourlyCsv('epoch.csv', (r) => (r[9] = '1970-01-01 00:00:00,1,1'))), expected: { name: 'DataValidationError', message: /epoch\.csv line 10: time 1970-01-01 00:00:00 lies 482,136 steps of H from the other rows .* would hold 482,256 points \(at most 1,000,000\)/ } },
  { area: 'csv', input: 'a row dated 1970-01-01 on a 5min grid', act: () => backtest(hourlyCsv('epoch5.csv', (r) => (r[2] = '0,1,1')), { freq: '5min' }), expected: { name: 'DataValidationError', message: /epoch5\.csv line 3: time 1970-01-01 00:00:00 lies 5,785,633 steps of 5min .* would hold 5,787,068 points \(at most 1,000,000\)/ } },
  { area: 'csv', input: 'a row dated 2099', act: () => backtest(hourlyCsv('future.csv', (r) => r.push('2099-01-01T00:00:00Z,1,1'))), expected: { name: 'DataValidationError', message: /future\.csv line 242: time 2099-01-01 00:00:00 lies .* steps of H from the other rows/ } },
  { area: 'csv', input: 'a span too long for the frequency', act: () => backtest(csv('sparse.csv', ['time,total', ...range(40).map((i) => `${new Date(Date.UTC(2020, 0, 1) + i * 30 * 86_400_000).toISOString()},${i}`)]), { freq: '1min' }), expected: { name: 'DataValidationError', message: 'would hold 1,684,801 points (at most 1,000,000): too long a span for 1min' } },
  { area: 'csv', input: '--freq 7s', act: () => backtest(hourlyCsv('ok.csv'), { freq: '7s' }), expected: { name: 'BacktestOptionError', message: '--freq must be M, W, D, H or min' } },
  { area: 'csv', input: '--windows 0x10', act: () => backtest(hourlyCsv('ok.csv'), { windows: '0x10' }), expected: { name: 'BacktestOptionError', message: '--windows must be a whole number of windows from 1 to 10000, not "0x10"' } },
  { area: 'csv', input: '--context-length 10000', act: () => backtest(hourlyCsv('ok.csv'), { contextLength: '10000' }), expected: { name: 'BacktestOptionError', message: '--context-length must be a whole number of steps from 1 to 1000, not "10000"' } },

  // DeepAR's hyperparameters
  { area: 'hyperparameters', input: 'an unknown name', act: () => hyperparameters({ num_cell: '40' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter num_cell: unknown hyperparameter' } },
  { area: 'hyperparameters', input: 'context_length "0x10"', act: () => hyperparameters({ context_length: '0x10' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter context_length: must be an integer written in decimal digits (e.g. 60), got "0x10"' } },
  { area: 'hyperparameters', input: 'epochs "1e3"', act: () => hyperparameters({ epochs: '1e3' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter epochs: must be an integer written in decimal digits (e.g. 60), got "1e3"' } },
  { area: 'hyperparameters', input: 'num_cells " 5"', act: () => hyperparameters({ num_cells: ' 5' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter num_cells: must be an integer written in decimal digits (e.g. 60), got " 5"' } },
  { area: 'hyperparameters', input: 'mini_batch_size "5.0"', act: () => hyperparameters({ mini_batch_size: '5.0' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter mini_batch_size: must be an integer written in decimal digits (e.g. 60), got "5.0"' } },
  { area: 'hyperparameters', input: 'context_length 10000', act: () => hyperparameters({ context_length: '10000' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter context_length: must be between 1 and 1000, got 10000' } },
  { area: 'hyperparameters', input: 'time_freq "7s"', act: () => hyperparameters({ time_freq: '7s' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter time_freq: must be M, W, D, H or min' } },
  { area: 'hyperparameters', input: 'likelihood "poisson"', act: () => hyperparameters({ likelihood: 'poisson' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter likelihood: must be one of student-T' } },
  { area: 'hyperparameters', input: 'learning_rate "0x1"', act: () => hyperparameters({ learning_rate: '0x1' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter learning_rate: must be a decimal number (e.g. 0.001 or 1e-3), got "0x1"' } },
  { area: 'hyperparameters', input: 'dropout_rate 1', act: () => hyperparameters({ dropout_rate: '1' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter dropout_rate: must be in [0, 1), got 1' } },
  { area: 'hyperparameters', input: 'test_quantiles with 1.2', act: () => hyperparameters({ test_quantiles: '[0.5, 1.2]' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter test_quantiles: each quantile must be a number in (0, 1), got 1.2' } },

  // The run's configuration, as the LoadRunConfig Lambda reads it at run time (values stored outside `mlops config`)
  { area: 'run config', input: 'time_freq "H" for the per-minute series', act: () => invokeLambda(lambdas.loadRunConfig(`${BAD_PATH}/hourly`), { executionName: 'hostile', startTime: '2025-03-06T00:00:00Z' }), expected: { name: 'ValidationError', message: `parameter ${BAD_PATH}/hourly/training/hyperparameters: time_freq "H" (60 minutes) does not match the series' spacing of 1 minute` } },
  { area: 'run config', input: 'breaches-before-retraining "0x10"', act: () => invokeLambda(lambdas.loadRunConfig(`${BAD_PATH}/hex`), { executionName: 'hostile', startTime: '2025-03-06T00:00:00Z' }), expected: { name: 'ValidationError', message: `parameter ${BAD_PATH}/hex/monitoring/breaches-before-retraining is "0x10", expected a whole number of checks` } },
  { area: 'run config', input: 'context_length 10000', act: () => invokeLambda(lambdas.loadRunConfig(`${BAD_PATH}/long`), { executionName: 'hostile', startTime: '2025-03-06T00:00:00Z' }), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter context_length: must be between 1 and 1000, got 10000' } },

  // Run-time parameters through `mlops config set`
  { area: 'config set', input: 'quality/threshold "abc"', act: () => mlops('config', 'set', 'quality/threshold', 'abc', '--home', home), expected: { name: 'ValidationError', message: 'parameter /btc-fee-deepar/local/quality/threshold is "abc", expected a positive loss' } },
  { area: 'config set', input: 'breaches-before-retraining "0x10"', act: () => mlops('config', 'set', 'monitoring/breaches-before-retraining', '0x10', '--home', home), expected: { name: 'ValidationError', message: 'monitoring/breaches-before-retraining is "0x10", expected a whole number of checks, 1 or more' } },
  { area: 'config set', input: 'window-days " 7"', act: () => mlops('config', 'set', 'training/window-days', ' 7', '--home', home), expected: { name: 'ValidationError', message: 'training/window-days is " 7", expected a number of days in (0, 60]' } },
  { area: 'config set', input: 'window-days 61', act: () => mlops('config', 'set', 'training/window-days', '61', '--home', home), expected: { name: 'ValidationError', message: 'training/window-days is "61", expected a number of days in (0, 60]' } },
  { area: 'config set', input: 'approval timeout 1e9 hours', act: () => mlops('config', 'set', 'approval/timeout-hours', '1e9', '--home', home), expected: { name: 'ValidationError', message: 'approval/timeout-hours is "1e9", expected a number of hours in (0, 8760]' } },
  { area: 'config set', input: 'hyperparameters that are not JSON', act: () => mlops('config', 'set', 'training/hyperparameters', '{epochs: 1}', '--home', home), expected: { name: 'ValidationError', message: 'training/hyperparameters must be a JSON object of strings' } },
  { area: 'config set', input: 'hyperparameters with time_freq "H"', act: () => mlops('config', 'set', 'training/hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, time_freq: 'H' }), '--home', home), expected: { name: 'ValidationError', message: `time_freq "H" (60 minutes) does not match the series' spacing of 1 minute: training reads one feature record per minute (tx_minute), so time_freq must be "1min"` } },
  { area: 'config set', input: 'hyperparameters with context_length 10000', act: () => mlops('config', 'set', 'training/hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, context_length: '10000' }), '--home', home), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter context_length: must be between 1 and 1000, got 10000' } },
  { area: 'config set', input: 'hyperparameters with num_cells "0x10"', act: () => mlops('config', 'set', 'training/hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, num_cells: '0x10' }), '--home', home), expected: { name: 'HyperparameterValidationError', message: 'hyperparameter num_cells: must be an integer written in decimal digits (e.g. 60), got "0x10"' } },
  { area: 'config set', input: 'an unknown parameter', act: () => mlops('config', 'set', 'quality/treshold', '0.4', '--home', home), expected: { name: 'ValidationError', message: 'unknown parameter "quality/treshold"; known: training/hyperparameters' } },

  // Numeric options of the `mlops` commands
  { area: 'cli', input: 'executions --limit -5', act: () => mlops('executions', '--limit', '-5', '--home', home), expected: { name: 'CliOptionError', message: '--limit must be a whole number of executions from 1 to 100000, not "-5"' } },
  { area: 'cli', input: 'executions --limit 0', act: () => mlops('executions', '--limit', '0', '--home', home), expected: { name: 'CliOptionError', message: '--limit must be a whole number of executions from 1 to 100000, not "0"' } },
  { area: 'cli', input: 'executions --limit 0x10', act: () => mlops('executions', '--limit', '0x10', '--home', home), expected: { name: 'CliOptionError', message: '--limit must be a whole number of executions from 1 to 100000, not "0x10"' } },
  { area: 'cli', input: 'executions --limit 1e3', act: () => mlops('executions', '--limit', '1e3', '--home', home), expected: { name: 'CliOptionError', message: '--limit must be a whole number of executions from 1 to 100000, not "1e3"' } },
  { area: 'cli', input: 'up --speed fast', act: () => mlops('up', '--speed', 'fast', '--home', home), expected: { name: 'CliOptionError', message: '--speed must be a positive number, not "fast"' } },
  { area: 'cli', input: 'up --speed 0x10', act: () => mlops('up', '--speed', '0x10', '--home', home), expected: { name: 'CliOptionError', message: '--speed must be a positive number, not "0x10"' } },
  { area: 'cli', input: 'up --speed 1e9', act: () => mlops('up', '--speed', '1e9', '--home', home), expected: { name: 'CliOptionError', message: '--speed must be a positive number no greater than 100000, not "1e9"' } },
  { area: 'cli', input: 'up --port 70000', act: () => mlops('up', '--port', '70000', '--home', home), expected: { name: 'CliOptionError', message: '--port must be a port number (0 to 65535; 0: any free port), not "70000"' } },
  { area: 'cli', input: 'up --port 0x50', act: () => mlops('up', '--port', '0x50', '--home', home), expected: { name: 'CliOptionError', message: '--port must be a port number (0 to 65535; 0: any free port), not "0x50"' } },
  { area: 'cli', input: 'up --backfill-days -1', act: () => mlops('up', '--backfill-days', '-1', '--home', home), expected: { name: 'CliOptionError', message: '--backfill-days must be a positive number, not "-1"' } },
  { area: 'cli', input: 'backtest --seed -1', act: () => mlops('backtest', '--csv', 'x.csv', '--time-column', 't', '--target-column', 'v', '--freq', 'H', '--seed', '-1'), expected: { name: 'CliOptionError', message: '--seed must be a whole number of seed from 0 to 2147483647, not "-1"' } },
  { area: 'cli', input: 'an unknown option', act: () => mlops('executions', '--limt', '5', '--home', home), expected: { name: 'CommanderError', message: "unknown option '--limt'" } },

  // Feature records to the ingest Lambda: the whole batch refused
  { area: 'ingest', input: 'an event without records', act: () => invokeLambda(lambdas.ingestRecords(), { rows: [] }), expected: { name: 'ValidationError', message: 'invalid event: records: Invalid input: expected array, received undefined' } },
  { area: 'ingest', input: 'an empty batch', act: () => invokeLambda(lambdas.ingestRecords(), { records: [] }), expected: { name: 'ValidationError', message: 'invalid event: records: needs at least one record' } },
  { area: 'ingest', input: '1001 records', act: () => invokeLambda(lambdas.ingestRecords(), { records: recordsFor(range(1001, 100)) }), expected: { name: 'ValidationError', message: 'invalid event: records: at most 1000 records per call' } },
  { area: 'ingest', input: 'one non-numeric fee among good records', act: () => invokeLambda(lambdas.ingestRecords(), { records: [aRecord(100), { ...aRecord(101), avg_fee_1min: 'x' }] }), expected: { name: 'ValidationError', message: 'record 1 (tx_minute 2025-03-05T01:41:00Z): avg_fee_1min is "x", not a finite number' } },
  { area: 'ingest', input: 'a negative transaction count', act: () => invokeLambda(lambdas.ingestRecords(), { records: [{ ...aRecord(102), total_nb_trx_1min: -3 }] }), expected: { name: 'ValidationError', message: 'total_nb_trx_1min is -3, not a non-negative integer' } },
  { area: 'ingest', input: 'a record that is not an object', act: () => invokeLambda(lambdas.ingestRecords(), { records: ['2025-03-05T00:00:00Z'] }), expected: { name: 'ValidationError', message: 'record 0' } },

  // Bad events to each task Lambda: refused by its schema before any dependency is touched
  { area: 'lambda', input: 'LoadRunConfig without an execution name', act: () => invokeLambda(lambdas.loadRunConfig(), { startTime: '2025-03-06T00:00:00Z' }), expected: { name: 'ValidationError', message: 'invalid event: executionName' } },
  { area: 'lambda', input: 'ExtractSeries with asOf "yesterday"', act: () => invokeLambda(lambdas.extractSeries(), { jobName: 'j', asOf: 'yesterday', windowDays: 7, predictionLength: 30, minValidPoints: 90, dataPrefix: 's3://b/p' }), expected: { name: 'ValidationError', message: 'invalid event: asOf' } },
  { area: 'lambda', input: 'EvaluateForecast with a negative threshold', act: () => invokeLambda(lambdas.evaluateForecast(), { jobName: 'j', holdoutUri: 's3://b/h', trainUri: 's3://b/t', forecastUri: 's3://b/f', reportUri: 's3://b/r', threshold: -1, productionEndpoint: null }), expected: { name: 'ValidationError', message: 'invalid event: threshold' } },
  { area: 'lambda', input: 'UpdateThreshold with a zero loss', act: () => invokeLambda(lambdas.updateThreshold(), { loss: 0, modelPackageArn: 'arn' }), expected: { name: 'ValidationError', message: 'invalid event: loss' } },
  { area: 'lambda', input: 'RequestApproval for stage "qa"', act: () => invokeLambda(lambdas.requestApproval(), { taskToken: 't', executionArn: 'e', stage: 'qa', modelPackageArn: 'm', reportUri: 's3://b/r', evidence: {} }), expected: { name: 'ValidationError', message: 'invalid event: stage' } },
  { area: 'lambda', input: 'ExpireApproval without an execution', act: () => invokeLambda(lambdas.expireApproval(), { stage: 'staging' }), expected: { name: 'ValidationError', message: 'invalid event: executionArn' } },
  { area: 'lambda', input: 'MeasureAccuracy for stage "dev"', act: () => invokeLambda(lambdas.measureAccuracy(), { stage: 'dev' }), expected: { name: 'ValidationError', message: 'invalid event: stage' } },
  { area: 'lambda', input: 'DecideRetraining with trainingRunning "no"', act: () => invokeLambda(lambdas.decideRetraining(), { asOf: '2025-03-06T00:00:00Z', trainingRunning: 'no' }), expected: { name: 'ValidationError', message: 'invalid event: trainingRunning' } },
  { area: 'lambda', input: 'the approval API with DELETE', act: () => invokeLambda(lambdas.approvalApi(), { requestContext: { http: { method: 'DELETE' } }, rawPath: '/approvals/abc' }), expected: { status: 405, message: 'Method not allowed' } },
  { area: 'lambda', input: 'the approval API without a link id', act: () => invokeLambda(lambdas.approvalApi(), { requestContext: { http: { method: 'GET' } }, rawPath: '/approvals/' }), expected: { status: 404, message: '' } },

  // Endpoint request bodies through the endpoint's route handler
  { area: 'endpoint', input: 'a body that is not JSON', act: () => invokeEndpoint('{"instances": ['), expected: { status: 400, message: 'The request body is not valid JSON' } },
  { area: 'endpoint', input: 'a text/plain body', act: () => invokeEndpoint('{}', { contentType: 'text/plain' }), expected: { status: 415, message: 'Content-Type must be application/json, got "text/plain"' } },
  { area: 'endpoint', input: 'a JSON list', act: () => invokeEndpoint('[1, 2]'), expected: { status: 400, message: 'the request body must be a JSON object' } },
  { area: 'endpoint', input: 'no instances', act: () => invokeEndpoint(JSON.stringify({ configuration: {} })), expected: { status: 400, message: '"instances" must be a list' } },
  { area: 'endpoint', input: 'an unknown body field', act: () => invokeEndpoint(JSON.stringify({ instances: [INSTANCE], config: {} })), expected: { status: 400, message: 'unknown field "config"' } },
  { area: 'endpoint', input: 'a target that is not a list', act: () => invokeEndpoint(JSON.stringify({ instances: [{ start: INSTANCE.start, target: 5 }] })), expected: { status: 400, message: 'instances[0]' } },
  { area: 'endpoint', input: 'a non-numeric target value', act: () => invokeEndpoint(JSON.stringify({ instances: [{ start: INSTANCE.start, target: [1, 'x'] }] })), expected: { status: 400, message: 'instances[0]: target[1] must be a number' } },
  { area: 'endpoint', input: 'an unknown output type', act: () => invokeEndpoint(JSON.stringify({ instances: [INSTANCE], configuration: { output_types: ['median'] } })), expected: { status: 400, message: 'output_types' } },
  { area: 'endpoint', input: 'num_samples 0', act: () => invokeEndpoint(JSON.stringify({ instances: [INSTANCE], configuration: { num_samples: 0 } })), expected: { status: 400, message: 'num_samples: must be a positive integer, got 0' } },
  { area: 'endpoint', input: 'an unknown endpoint', act: () => invokeEndpoint(JSON.stringify({ instances: [INSTANCE] }), { name: 'nope' }), expected: { status: 404, message: 'Endpoint nope of account 000000000000 not found.' } },
];

// ---- "nothing changed" ----------------------------------------------------------------------------------------

/** Every row of every table of the twin's database, and every object's name and size. */
function snapshot(): string {
  const db = twin.home.db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
  const rows = Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  const files = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [`${join(d, e.name)} ${statSync(join(d, e.name)).size}`]));
  return JSON.stringify({ rows, objects: files(twin.home.objectsDir) });
}

/** What the row's input got: the error thrown, or the answer (an HTTP status and body). */
async function outcome(act: () => Promise<unknown>): Promise<{ name?: string; status?: number; message: string }> {
  try {
    const answer = (await act()) as { statusCode?: number; status?: number; body?: string } | undefined;
    const status = answer?.statusCode ?? answer?.status;
    if (status === undefined) return { message: `accepted: ${JSON.stringify(answer)?.slice(0, 200)}` };
    return { status, message: String(answer?.body ?? '') };
  } catch (e) {
    const error = e as Error & { status?: number };
    return { name: error.name, status: error.status, message: error.message };
  }
}

describe('Hostile input: refused with a clear error, nothing stored changed', () => {
  beforeAll(async () => {
    twin = openTwin(home);
    // The stored state the rows must not change: default parameters, a few feature rows, a serving endpoint.
    await mlops('config', 'list', '--home', home);
    await twin.featureStore.putRecords(recordsFor(range(60)));
    const store = twin.parameterStore;
    for (const [path, key, value] of [
      [`${BAD_PATH}/hourly`, 'hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, time_freq: 'H' })],
      [`${BAD_PATH}/hex`, 'breachesBeforeRetraining', '0x10'],
      [`${BAD_PATH}/long`, 'hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, context_length: '10000' })],
    ] as const) {
      await seedDefaultParameters(store, path);
      await store.put(parameterName(path, key), value, { overwrite: true });
    }
    sageMaker = new LocalSageMaker({ db: twin.home.db, objectStore: twin.objectStore, workDir: join(dir, 'work') });
    await deployTinyEndpoint();
  }, 60_000);

  afterAll(() => {
    sageMaker?.close();
    twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 40 rows, each named once', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ROWS.map((r) => `${r.area}: ${r.input}`)).size).toBe(ROWS.length);
  });

  it.each(ROWS.map((r) => [`${r.area}: ${r.input}`, r] as const))('%s', async (_, row) => {
    // Prepare
    const before = snapshot();
    // Act
    const got = await outcome(row.act);
    // Assess
    if (row.expected.name !== undefined) expect(got.name).toBe(row.expected.name);
    if (row.expected.status !== undefined) expect(got.status).toBe(row.expected.status);
    if (typeof row.expected.message === 'string') expect(got.message).toContain(row.expected.message);
    else expect(got.message).toMatch(row.expected.message);
    expect(snapshot()).toBe(before);
  });
});

/** A DeepAR fitted on one batch (milliseconds, not a training job), packed as SageMaker packs it, and served. */
async function deployTinyEndpoint(): Promise<void> {
  const hp = tinyHyperparameters();
  const { model } = fitDeepAR(parseHyperparameters(hp), [{ start: '2025-01-01 00:00:00', startMs: Date.UTC(2025, 0, 1), target: minuteSeries(300) }], { numBatchesPerEpoch: 1 });
  const modelDir = join(dir, 'model');
  saveModel(modelDir, model, hp);
  const tarball = join(dir, 'model.tar.gz');
  await packDirectory(modelDir, tarball);
  await twin.objectStore.put(`${BUCKET}/model.tar.gz`, readFileSync(tarball));
  const role = 'arn:aws:iam::123456789012:role/SageMakerExecutionRole';
  const image = '522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1';
  await sageMaker.createModel({ ModelName: 'hostile-model', ExecutionRoleArn: role, PrimaryContainer: { Image: image, ModelDataUrl: `${BUCKET}/model.tar.gz` } });
  await sageMaker.createEndpointConfig({ EndpointConfigName: 'hostile-config', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'hostile-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
  await sageMaker.createEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: 'hostile-config' });
  const endpoint = await sageMaker.waitForEndpoint(ENDPOINT);
  expect(endpoint.EndpointStatus).toBe('InService');
  // A good body is answered: the rows' refusals are the body's fault, not the endpoint's.
  expect(await invokeEndpoint(JSON.stringify({ instances: [INSTANCE], configuration: { num_samples: 5, output_types: ['mean'] } }))).toMatchObject({ status: 200 });
}
