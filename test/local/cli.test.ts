/** The `mlops` command as a user runs it: a real process over a temporary data dir. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { createProgram } from '../../local/cli';
import { checkNumericOption, NUMERIC_OPTIONS, TEXT_OPTIONS } from '../../local/commands/options';
import { mlops, readStore, startUp, useATinyModel } from '../faults/twin-process';

const run = promisify(execFile);
const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops');

describe('Command: mlops', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('config set checks a value before storing it; up --once backfills and trains the first model; status, train and executions report', async () => {
    const env = { ...process.env, MLOPS_HOME: home };
    await expect(run('node', [MLOPS, 'config', 'set', 'training/window-days', 'seven'], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining('parameter /btc-fee-deepar/local/training/window-days is "seven", expected a number of days'),
    });
    // A model small enough to train in seconds, and a gate wide open: this tests the commands, not accuracy.
    await run('node', [MLOPS, 'config', 'set', 'training/window-days', '1'], { env });
    await run('node', [MLOPS, 'config', 'set', 'quality/threshold', '10'], { env });
    // One day holds fewer than the default 48 evaluation windows (24 h) and a training span.
    await run('node', [MLOPS, 'config', 'set', 'evaluation/windows', '8'], { env });
    // The first model practically untrained (smallest learning rate), so the second clearly beats it on the
    // paired gate: a model equal to production is not registered (docs/gate.md).
    const tiny = { time_freq: '1min', context_length: '60', prediction_length: '30', epochs: '1', num_cells: '2', num_layers: '1', mini_batch_size: '8', learning_rate: '0.000001' };
    await run('node', [MLOPS, 'config', 'set', 'training/hyperparameters', JSON.stringify(tiny)], { env });
    expect((await run('node', [MLOPS, 'config'], { env })).stdout).toMatch(/training\/window-days\s+v2\s+1/);

    const up = await run('node', [MLOPS, 'up', '--once', '--auto-approve', '--port', '0', '--backfill-days', '1', '--home', home]);
    expect(up.stdout).toContain('feature store holds 1440 minutes, 2025-03-05T02:13:00Z .. 2025-03-06T02:12:00Z (1440 backfilled now)');
    expect(up.stderr).toContain('backfill 100%');
    expect(up.stdout).toMatch(/training training-20250306T0213-\w+ registered arn:aws:sagemaker:local:000000000000:model-package\/btc-fee-deepar-local\/1/);
    // The last line: what one unattended pass of the lifecycle achieved.
    const summary = JSON.parse(up.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({
      status: 'deployed',
      modelPackageVersion: 1,
      thresholdBefore: 10,
      endpoints: { staging: { name: 'btc-fee-deepar-local-staging' }, production: { name: 'btc-fee-deepar-local-production' } },
    });
    expect(summary.thresholdAfter).toBeLessThan(10);
    expect(summary.endpoints.production.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/endpoints\/btc-fee-deepar-local-production\/invocations$/);

    const status = await run('node', [MLOPS, 'status', '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({
      home,
      featureStore: { rows: 1440, minutes: 1440, first: '2025-03-05T02:13:00Z', last: '2025-03-06T02:12:00Z', gaps: [], missingMinutes: 0 },
    });

    await run('node', [MLOPS, 'config', 'set', 'training/hyperparameters', JSON.stringify({ ...tiny, epochs: '3', num_cells: '8', learning_rate: '0.01' })], { env });
    const train = await run('node', [MLOPS, 'train', '--json', '--auto-approve'], { env });
    const execution = JSON.parse(train.stdout.trim().split('\n').pop()!);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', input: { asOf: '2025-03-06T02:13:00.000Z' }, output: { status: 'registered' } });
    // The second model is compared with the first, now serving in production, on the same points.
    expect(execution.output.evaluation.productionLoss).toEqual(expect.any(Number));
    expect(execution.deployment).toMatchObject({ status: 'SUCCEEDED', output: { status: 'deployed' } });
    expect(execution.output.modelPackageArn).toMatch(/\/2$/);

    const executions = await run('node', [MLOPS, 'executions'], { env });
    expect(executions.stdout).toMatch(new RegExp(`SUCCEEDED\\s+${execution.name}\\s+registered`));
    const history = await run('node', [MLOPS, 'executions', execution.name], { env });
    expect(history.stdout).toContain('StateEntered        RegisterModel');
  }, 180_000);

  it('says what is wrong with a bad option and exits non-zero', async () => {
    await expect(run('node', [MLOPS, 'up', '--speed', 'fast', '--home', home])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--speed must be a positive number, not "fast"'),
    });
  });

  it('refuses a negative --limit instead of listing everything, before opening the data dir', async () => {
    const untouched = join(home, 'never-created');
    await expect(run('node', [MLOPS, 'executions', '--limit', '-5', '--home', untouched])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('mlops: --limit must be a whole number of executions from 1 to 100000, not "-5"'),
    });
    expect(existsSync(untouched)).toBe(false);
  });

  it('checks every option that takes a value: each is a numeric option with its range, or a text option', () => {
    const valued: Array<{ flag: string; defaultValue: unknown }> = [];
    const walk = (c: Command): void => {
      for (const o of c.options) if ((o.required || o.optional) && o.long) valued.push({ flag: o.long, defaultValue: o.defaultValue });
      c.commands.forEach(walk);
    };
    walk(createProgram());
    expect(valued.filter(({ flag }) => !NUMERIC_OPTIONS[flag] && !TEXT_OPTIONS.includes(flag))).toEqual([]);
    // and each numeric default is a value its own check accepts
    for (const { flag, defaultValue } of valued) {
      if (NUMERIC_OPTIONS[flag] && defaultValue !== undefined) expect(() => checkNumericOption(flag, String(defaultValue))).not.toThrow();
    }
  });

  it('tells a user with an empty data dir how to fill it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mlops-empty-'));
    const status = await run('node', [MLOPS, 'status', '--home', empty]);
    expect(status.stdout).toContain('none yet: run `mlops up` (npm start)');
    rmSync(empty, { recursive: true, force: true });
  });

  it('approvals and approve, run from another terminal, see a replaying `mlops up` waiting and its decision taken (the twin\'s clock, not the wall clock)', async () => {
    const replaying = mkdtempSync(join(tmpdir(), 'mlops-two-terminals-'));
    await useATinyModel(replaying);
    // The replay starts in 2025, at 60 virtual minutes a real minute: by the wall clock every request it mails has expired.
    const up = startUp(replaying, '--port', '0', '--backfill-days', '1', '--speed', '60');
    try {
      const [, id] = await up.waitFor(/approve or reject at \S+\/approvals\/(\S+)/, 150_000);

      const waiting = await mlops(replaying, 'approvals');
      expect(waiting.stdout).toContain(`mlops approve ${id}`);
      // status, from the second terminal too: on the replay's clock, with the request and the deployment waiting on it
      const status = JSON.parse((await mlops(replaying, 'status', '--json')).stdout);
      expect(status.now).toMatch(/^2025-03-0/);
      expect(status.pendingApprovals).toEqual([expect.objectContaining({ stage: 'staging', modelPackageArn: expect.stringMatching(/\/1$/) })]);
      expect(status.runningExecutions).toContainEqual(expect.objectContaining({ stateMachine: 'deployment', interrupted: false }));
      expect(waiting.stdout).toMatch(/^staging\s+arn:aws:sagemaker:local:000000000000:model-package\/btc-fee-deepar-local\/1$/m);

      const approved = await mlops(replaying, 'approve', id, '--as', 'officer');
      expect(approved.stdout).toMatch(/^staging: .*The pipeline goes on\.$/m);
      await up.waitFor(/Approve the model for production\?/, 60_000);
      expect(readStore(replaying, (db) => db.prepare(`SELECT stage, status, decided_by FROM approval_requests ORDER BY created_at LIMIT 1`).get())).toEqual({
        stage: 'staging',
        status: 'approved',
        decided_by: 'officer',
      });
    } finally {
      await up.kill('SIGKILL');
      rmSync(replaying, { recursive: true, force: true });
    }
  }, 200_000);
});
