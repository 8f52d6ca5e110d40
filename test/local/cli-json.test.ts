/**
 * Every read command of `mlops` takes --json: one JSON value on stdout with the exact numbers, where the
 * human output rounds them. Run in this process over a home where a registered model waits for approval.
 */
import { createProgram } from '../../local/cli';
import { writeClockRecord } from '../../local/clock';
import { aPipeline, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(120_000);

/** `mlops ...args --home <home>` in this process: its stdout. */
async function mlops(home: string, ...args: string[]): Promise<string> {
  let stdout = '';
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void (stdout += `${String(line)}\n`));
  // commander exits on a usage error: a failed test here, not a dead test process
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`mlops exited with ${code}`);
  });
  try {
    await createProgram().parseAsync(['node', 'mlops', ...args, '--home', home]);
  } finally {
    log.mockRestore();
    exit.mockRestore();
  }
  return stdout;
}

describe('Command: mlops --json', () => {
  let f: PipelineFixture;
  let home: string;
  let training: { name: string; output: { modelPackageArn: string; evaluation: { meanWQuantileLoss: number; seasonalNaiveLoss: number } } };

  beforeAll(async () => {
    // Prepare: a model registered and its deployment waiting for the staging approval (mailed to the outbox)
    f = await aPipeline();
    home = f.twin.home.dir;
    await f.setParameter('quality/threshold', '10');
    training = (await f.pipeline.startTraining({ asOf: f.asOf }).done) as unknown as typeof training;
    expect(training.output.modelPackageArn).toBeDefined();
    const mailed = async () => (await Promise.all((await f.pipeline.mailer.list()).map((m) => f.pipeline.mailer.read(m.file)))).some((text) => text.includes('/approvals/'));
    for (let i = 0; i < 200 && !(await mailed()); i++) await new Promise((r) => setTimeout(r, 50));
    // The twin's clock where `mlops up` would have stopped: at the replayed time, the request is still open
    writeClockRecord(home, { virtualStart: f.asOf.getTime(), realStart: Date.now(), speed: 1, pid: process.pid, stoppedAt: f.asOf.getTime() });
  });
  afterAll(async () => f?.dispose());

  it.each([
    [['status']],
    [['executions']],
    [['approvals']],
    [['config', 'list']],
    [['config']],
    [['config', 'get', 'quality/threshold']],
  ])('%j --json prints exactly one JSON value', async (args) => {
    // Act
    const stdout = await mlops(home, ...args, '--json');
    // Assess
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(stdout)).not.toThrow();
  });

  it('approvals --json: the waiting request with its id and exact evidence, never its task token', async () => {
    // Act
    const stdout = await mlops(home, 'approvals', '--json');
    // Assess
    const approvals = JSON.parse(stdout);
    expect(approvals).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^[\w-]{22,}$/),
        stage: 'staging',
        modelPackageArn: training.output.modelPackageArn,
        evidence: expect.objectContaining({ meanWQuantileLoss: training.output.evaluation.meanWQuantileLoss, threshold: 10 }),
      }),
    ]);
    expect(stdout).not.toMatch(/taskToken/i);
    // and the human lines round what the JSON keeps exact
    const human = await mlops(home, 'approvals');
    const exact = training.output.evaluation.meanWQuantileLoss;
    expect(human).toContain(`mean wQuantileLoss ${Number(exact.toPrecision(4))} (threshold 10, seasonal naive ${Number(training.output.evaluation.seasonalNaiveLoss.toPrecision(4))})`);
    expect(human).toContain(`mlops approve ${approvals[0].id}`);
  });

  it('config get and list --json: the value as stored, with its version', async () => {
    // Act
    const one = JSON.parse(await mlops(home, 'config', 'get', 'quality/threshold', '--json'));
    const all = JSON.parse(await mlops(home, 'config', 'list', '--json')) as Array<{ key: string }>;
    // Assess
    expect(one).toEqual({ key: 'threshold', name: '/btc-fee-deepar/local/quality/threshold', value: '10', version: 2, description: expect.any(String) });
    expect(all).toContainEqual(one);
    expect((await mlops(home, 'config', 'get', 'quality/threshold')).trim()).toBe('10');
  });

  it('config get refuses an unknown parameter, naming the known ones', async () => {
    await expect(mlops(home, 'config', 'get', 'quality/treshold')).rejects.toThrow(/unknown parameter "quality\/treshold"; known: .*quality\/threshold/);
  });

  it('executions --json: the list, and one execution with its history; the human list says how long each took', async () => {
    // Act
    const list = JSON.parse(await mlops(home, 'executions', '--json')) as Array<{ name: string; status: string }>;
    const one = JSON.parse(await mlops(home, 'executions', training.name, '--json'));
    const human = await mlops(home, 'executions');
    // Assess
    expect(list).toContainEqual(expect.objectContaining({ name: training.name, status: 'SUCCEEDED' }));
    expect(one.execution).toMatchObject({ name: training.name });
    expect(one.history.length).toBeGreaterThan(0);
    expect(human).toMatch(new RegExp(`SUCCEEDED\\s+${training.name}\\s+registered\\s+\\((\\d+ ms|\\d+\\.\\d s|\\d+ min( \\d\\d s)?)\\)`));
  });
});
