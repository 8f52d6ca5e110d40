/**
 * Progress of backfill and training: one line redrawn in place on a terminal, plain lines elsewhere (CI logs).
 * The terminal is simulated (isTTY); `mlops train` runs in this process on a home with history.
 */
import { createProgram } from '../../local/cli';
import { createProgress, trainingProgress, type ProgressStream } from '../../local/progress';
import { aPipeline, TINY_HYPERPARAMETERS, type PipelineFixture } from '../builders/pipeline';

/** A stream that records what is written; a terminal 80 columns wide when `isTTY`. */
function aStream(isTTY: boolean): ProgressStream & { text: string } {
  const stream = { isTTY, columns: 80, text: '', write: (chunk: string) => void (stream.text += chunk) };
  return stream;
}

/** A clock that advances a second on every read. */
const ticking = () => {
  let t = 0;
  return () => (t += 1000);
};

describe('Function: createProgress', () => {
  it('on a terminal: one line redrawn in place, never wider than the terminal, ended once at 100%', () => {
    // Prepare
    const stream = aStream(true);
    const progress = createProgress('backfill', stream, ticking());
    // Act
    for (let done = 0; done <= 1000; done += 10) progress.update(done, 1000, `minute ${'x'.repeat(done % 200)}`);
    // Assess
    const frames = stream.text.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toHaveLength(101);
    expect(stream.text.match(/\n/g)).toHaveLength(1);
    expect(stream.text.endsWith('\n')).toBe(true);
    for (const frame of frames) expect(frame.replace('\n', '').length).toBeLessThan(80);
    expect(frames[50]).toMatch(/^backfill \[#{15}\.{15}\]  50% \(about \d+(\.\d)? s left\) minute x*$/);
    expect(frames.at(-1)).toMatch(/^backfill \[#{30}\] 100% /);
  });

  it('elsewhere: a plain line every tenth, no carriage returns or escapes', () => {
    // Prepare
    const stream = aStream(false);
    const progress = createProgress('backfill', stream, ticking());
    // Act
    for (let done = 0; done <= 1000; done++) progress.update(done, 1000, `${done} of 1000`);
    // Assess
    const lines = stream.text.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(stream.text).not.toMatch(/[\r\x1b]/);
    expect(lines[0]).toBe('backfill 0% 0 of 1000');
    expect(lines[5]).toMatch(/^backfill 50% 500 of 1000, about \d+ min( \d\d s)? left$/);
    expect(lines[10]).toBe('backfill 100% 1000 of 1000');
  });

  it('ends a line that stopped short of 100% on a terminal, saying how', () => {
    // Prepare
    const stream = aStream(true);
    const progress = createProgress('training job-1', stream, ticking());
    // Act
    progress.update(3, 10, 'epoch 3/10');
    progress.end('Completed after epoch 3 of 10 (early stopping)');
    // Assess
    expect(stream.text.endsWith('\r\x1b[2Ktraining job-1 Completed after epoch 3 of 10 (early stopping)\n')).toBe(true);
  });
});

describe('Function: trainingProgress', () => {
  it('one progress per job from its epochs, with the loss rounded and the time left from the epochs\u2019 pace', () => {
    // Prepare: each epoch takes 1.23456 s
    const stream = aStream(false);
    let t = 0;
    const onEvent = trainingProgress(stream, () => t);
    // Act
    for (let epoch = 1; epoch <= 4; epoch++) {
      t = 10_000 + epoch * 1234.56;
      onEvent({ type: 'TrainingJobProgress', name: 'job-1', epoch, epochs: 4, loss: 1 / (3 * epoch), seconds: 1.23456 });
    }
    onEvent({ type: 'TrainingJobStatusChanged', name: 'job-1', status: 'Completed', secondaryStatus: 'Completed' });
    // Assess
    expect(stream.text.trimEnd().split('\n')).toEqual([
      'training job-1 25% epoch 1/4, loss 0.3333, about 3.7 s left',
      'training job-1 50% epoch 2/4, loss 0.1667, about 2.5 s left',
      'training job-1 75% epoch 3/4, loss 0.1111, about 1.2 s left',
      'training job-1 100% epoch 4/4, loss 0.08333',
    ]);
  });

  it('says where a job that stopped early stopped', () => {
    // Prepare
    const stream = aStream(true);
    const onEvent = trainingProgress(stream, () => 0);
    // Act
    onEvent({ type: 'TrainingJobProgress', name: 'job-2', epoch: 2, epochs: 10, loss: 0.5, seconds: 1 });
    onEvent({ type: 'TrainingJobStatusChanged', name: 'job-2', status: 'Completed', secondaryStatus: 'Completed' });
    // Assess
    expect(stream.text.endsWith('\r\x1b[2Ktraining job-2 Completed after epoch 2 of 10 (early stopping)\n')).toBe(true);
  });
});

describe('Command: mlops train (progress)', () => {
  jest.setTimeout(120_000);
  let f: PipelineFixture;
  let stdout = '';
  // The deployment a training starts prints its mail after the command returns: kept out of the test output.
  let log: jest.SpyInstance;
  beforeAll(async () => {
    log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void (stdout += `${String(line)}\n`));
    f = await aPipeline({ hyperparameters: { ...TINY_HYPERPARAMETERS, epochs: '3' } });
    await f.setParameter('quality/threshold', '10');
  });
  afterAll(async () => {
    await f?.dispose();
    log.mockRestore();
  });

  /** `mlops train` with stderr a terminal or not: what it wrote to stderr and stdout. */
  async function train(isTTY: boolean): Promise<{ stderr: string; stdout: string }> {
    let stderr = '';
    stdout = '';
    const wasTTY = process.stderr.isTTY;
    const wasColumns = process.stderr.columns;
    process.stderr.isTTY = isTTY;
    // A terminal wide enough for the whole line: on a narrower one the detail is cut at the edge by design,
    // and a fast epoch's "about 163 ms left" is longer than a slow one's "about 2 s left".
    process.stderr.columns = 120;
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const approvalMails = async () => (await Promise.all((await f.pipeline.mailer.list()).map((m) => f.pipeline.mailer.read(m.file)))).filter((t) => t.includes('/approvals/')).length;
    const mailsBefore = await approvalMails();
    try {
      await createProgram().parseAsync(['node', 'mlops', 'train', '--home', f.twin.home.dir, '--no-deploy']);
      // The deployment it started mails its approvers just after: waited for, so its lines land in this test.
      for (let i = 0; i < 200 && (await approvalMails()) === mailsBefore; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      err.mockRestore();
      process.stderr.isTTY = wasTTY;
      process.stderr.columns = wasColumns;
    }
    return { stderr, stdout };
  }

  it('on a terminal: the epochs redraw one line on stderr; stdout keeps the result', async () => {
    // Act
    const { stderr, stdout } = await train(true);
    // Assess
    expect(stderr).toMatch(/\r\x1b\[2Ktraining \S+ \[#{10}\.{20}\]  33% \(about [\d.]+ (ms|s|min)[\d\s]*(s )?left\) epoch 1\/3, loss \d[\d.e-]*/);
    expect(stderr).toMatch(/\r\x1b\[2Ktraining \S+ \[#{30}\] 100% epoch 3\/3, loss \d[\d.e-]*\n$/);
    expect(stderr.match(/\n/g)).toHaveLength(1);
    expect(stdout).not.toMatch(/epoch \d/);
    // losses to 4 significant digits, the RMSE (in satoshi) to the whole satoshi
    const loss = '(?:[1-9]\\d*(?:\\.\\d{1,3})?|0\\.0*[1-9]\\d{0,3})';
    expect(stdout).toMatch(new RegExp(`registered arn:\\S+ \\(PendingManualApproval\\): mean wQuantileLoss ${loss} \\(threshold 10, seasonal naive ${loss}\\), RMSE [\\d,]+ sat\n`));
  });

  it('elsewhere: one plain line per epoch (three epochs), no carriage returns', async () => {
    // Act
    const { stderr } = await train(false);
    // Assess
    const lines = stderr.trimEnd().split('\n').filter((l) => l.startsWith('training '));
    expect(lines.map((l) => l.replace(/^training \S+ /, '').replace(/, loss .*/, ''))).toEqual(['33% epoch 1/3', '67% epoch 2/3', '100% epoch 3/3']);
    expect(stderr).not.toMatch(/\r/);
  });
});
