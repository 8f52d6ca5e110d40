/**
 * `mlops status`: one screen over a home with a trained and deployed model, a monitoring check, a gap in the
 * data, an approval waiting and a training running; JSON exact, the human lines rounded, on the twin's clock.
 */
import { createProgram } from '../../local/cli';
import { writeClockRecord } from '../../local/clock';
import { statusSummary, type StatusSummary } from '../../local/read-models/status';
import { aPipeline, type PipelineFixture } from '../builders/pipeline';
import { aRequest } from '../builders/approvals';

jest.setTimeout(120_000);
const HOUR = 3_600_000;

/** `mlops status ...args` in this process, its stdout. */
async function status(home: string, ...args: string[]): Promise<string> {
  let stdout = '';
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void (stdout += `${String(line)}\n`));
  // commander exits on a usage error: a failed test here, not a dead test process
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`mlops exited with ${code}`);
  });
  try {
    await createProgram().parseAsync(['node', 'mlops', 'status', '--home', home, ...args]);
  } finally {
    log.mockRestore();
    exit.mockRestore();
  }
  return stdout;
}

describe('Command: mlops status', () => {
  let f: PipelineFixture;
  let registered: { modelPackageArn: string; evaluation: { meanWQuantileLoss: number } };
  let checkedAt: Date;

  beforeAll(async () => {
    // Prepare: a first model trained, approved for both stages, deployed, then checked an hour later
    f = await aPipeline({ autoApprove: true });
    await f.setParameter('quality/threshold', '10');
    const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
    registered = training.output as typeof registered;
    const deployment = await f.pipeline.stepFunctions.waitForExecution((training.output as { deploymentExecutionArn: string }).deploymentExecutionArn);
    expect(deployment.output).toMatchObject({ status: 'deployed' });
    await f.setParameter('quality/threshold', '5');
    checkedAt = new Date(f.asOf.getTime() + HOUR);
    f.clock.set(checkedAt);
    await f.ingestUntil(checkedAt);
    expect((await f.pipeline.startMonitoring(checkedAt).done).status).toBe('SUCCEEDED');
    // 30 minutes missing in the middle of the history, and one 5-minute hole elsewhere
    f.twin.home.db.prepare(`DELETE FROM feature_records WHERE tx_minute >= '2025-03-05T12:00:00Z' AND tx_minute < '2025-03-05T12:30:00Z'`).run();
    f.twin.home.db.prepare(`DELETE FROM feature_records WHERE tx_minute >= '2025-03-05T08:00:00Z' AND tx_minute < '2025-03-05T08:05:00Z'`).run();
    // `mlops up` stopped cleanly ten minutes after the check: the twin's clock, not the wall clock
    writeClockRecord(f.twin.home.dir, { virtualStart: checkedAt.getTime(), realStart: Date.now(), speed: 1, pid: process.pid, stoppedAt: checkedAt.getTime() + 10 * 60_000 });
    // A request for a second model, waiting for production's approvers
    await f.pipeline.approvals.create(
      aRequest({ idHash: 'b'.repeat(64), stage: 'production', createdAt: checkedAt.toISOString(), expiresAt: new Date(checkedAt.getTime() + 24 * HOUR).toISOString() }),
    );
  });
  afterAll(async () => f?.dispose());

  it('--json: data range and gaps, the model per stage with its loss and approval, the last check, pending approvals (exact numbers)', async () => {
    // Act
    const summary = JSON.parse(await status(f.twin.home.dir, '--json')) as StatusSummary;
    // Assess
    const [check] = (await f.pipeline.monitoringStore.recentChecks(10)).filter((c) => c.stage === 'production').slice(-1);
    expect(summary.now).toBe(new Date(checkedAt.getTime() + 10 * 60_000).toISOString());
    expect(summary.featureStore).toMatchObject({
      first: '2025-03-05T02:13:00Z',
      last: '2025-03-06T03:12:00Z',
      missingMinutes: 35,
      gaps: [expect.objectContaining({ minutes: 5 }), expect.objectContaining({ minutes: 30 })],
      largestGap: { from: '2025-03-05T12:00:00Z', to: '2025-03-05T12:30:00Z', minutes: 30 },
    });
    for (const stage of ['staging', 'production'] as const) {
      expect(summary.stages[stage]).toMatchObject({
        endpoint: { name: `btc-fee-deepar-local-${stage}`, status: 'InService' },
        model: {
          modelPackageArn: registered.modelPackageArn,
          version: 1,
          meanWQuantileLoss: registered.evaluation.meanWQuantileLoss,
          approvedBy: expect.any(String),
          approvedAt: f.asOf.toISOString(),
        },
        lastCheck: { at: checkedAt.toISOString(), outcome: 'measured', threshold: 5, breach: false },
      });
    }
    expect(summary.stages.production.lastCheck!.loss).toBe(check.loss);
    expect(summary.pendingApprovals).toEqual([expect.objectContaining({ stage: 'production', meanWQuantileLoss: 0.0812, threshold: 0.12 })]);
    expect(summary.runningExecutions).toEqual([]);
  });

  it('prints one screen for people, numbers rounded, times on the twin\u2019s clock', async () => {
    // Act
    const screen = await status(f.twin.home.dir);
    // Assess
    const loss = registered.evaluation.meanWQuantileLoss;
    expect(screen).toContain('twin clock     2025-03-06T03:23Z');
    expect(screen).toContain('gaps           2 (35 missing minutes; largest 30 min, 2025-03-05T12:00:00Z .. 2025-03-05T12:30:00Z)');
    expect(screen).toMatch(new RegExp(`^production\\s+model v1 since 2025-03-06T02:13Z \\(1 h 10 min ago, approved by \\S+\\), evaluation loss ${String(Number(loss.toPrecision(4))).replace('.', '\\.')}; endpoint InService$`, 'm'));
    expect(screen).toMatch(/^\s+last check 2025-03-06T03:13Z: loss (?:[1-9]\d*(?:\.\d{1,3})?|0\.0*[1-9]\d{0,3}) vs threshold 5: within, RMSE [\d,]+ sat$/m);
    expect(screen).toContain('approvals      1 waiting (`mlops approvals` prints their links)');
    expect(screen).toContain('running        no execution');
    // no 17-digit numbers anywhere
    expect(screen).not.toMatch(/\d\.\d{6,}/);
  });

  it('lists a running training as it runs', async () => {
    // Prepare
    const { executionArn, done } = f.pipeline.startTraining({ asOf: checkedAt, reason: 'status test' });
    try {
      // Act
      const summary = await statusSummary(f.twin, f.pipeline, checkedAt);
      // Assess
      expect(summary.runningExecutions).toEqual([expect.objectContaining({ executionArn, stateMachine: 'training', interrupted: false })]);
    } finally {
      await done;
    }
  });
});
