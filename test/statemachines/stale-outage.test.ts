/**
 * Stale data while a model is deployed (issue 12): monitoring still reports it and never retrains on it,
 * but tells the people once when an outage starts, not every hour of it; once data flows again, the
 * next outage is told again.
 */
import { aPipeline, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(180_000);
const HOUR = 3_600_000;
const STALE = 'DeepAR monitoring: fee data is stale';

describe('State machine: monitoring through a stale-data outage', () => {
  let f: PipelineFixture;
  beforeEach(async () => {
    f = await aPipeline({ autoApprove: true });
    await f.setParameter('quality/threshold', '10');
  });
  afterEach(async () => f?.dispose());

  it('StaleOutageNotifiedOnce: one notification per outage, however many hours it lasts', async () => {
    const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
    await f.pipeline.stepFunctions.waitForExecution((training.output as { deploymentExecutionArn: string }).deploymentExecutionArn);
    const at = (h: number) => new Date(f.asOf.getTime() + h * HOUR);
    const monitor = async (h: number, { ingest }: { ingest: boolean }) => {
      f.clock.set(at(h));
      if (ingest) await f.ingestUntil(at(h));
      const execution = await f.pipeline.startMonitoring(at(h)).done;
      expect(execution.status).toBe('SUCCEEDED');
      return (execution.output as { checks: Array<{ outcome: string }> }).checks.map((c) => c.outcome);
    };
    const staleNotifications = () => f.pipeline.notifications.list().filter((n) => n.subject === STALE).length;

    // Hours 1..4 without ingestion: one outage.
    const outcomes = [];
    for (let h = 1; h <= 4; h++) outcomes.push(await monitor(h, { ingest: false }));
    expect(outcomes).toEqual(Array(4).fill(['stale-data', 'stale-data']));
    expect(staleNotifications()).toBe(1);

    // Data flows again at hour 5, then stops: a second outage, told once more.
    expect(await monitor(5, { ingest: true })).toEqual(['measured', 'measured']);
    for (let h = 6; h <= 8; h++) await monitor(h, { ingest: false });
    expect(staleNotifications()).toBe(2);
  });
});
