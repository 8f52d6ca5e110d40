/** The MetricsPublisher port's contract: each stage's accuracy as three metric series, the threshold beside the loss. */
import type { Stage } from '../../src/core/monitoring-policy';
import { ACCURACY_METRICS, type AccuracyMetric, type AccuracyMetricName, type MetricsPublisher } from '../../src/ports/metrics-publisher';
import { useSubject, type MakeSubject } from './subject';

export interface MetricsPublisherSubject {
  publisher: MetricsPublisher;
  /** The points one metric of one stage holds now, oldest first, as the dashboard or CloudWatch shows them. */
  points(name: AccuracyMetricName, stage: Stage): Promise<Array<{ at: string; value: number }>>;
}

const anAccuracy = (hour: number, overrides: Partial<AccuracyMetric> = {}): AccuracyMetric => ({
  at: new Date(Date.UTC(2025, 4, 1, hour)).toISOString(),
  stage: 'production',
  meanWQuantileLoss: 0.08 + hour / 1000,
  threshold: 0.12,
  rmse: 3.4,
  ...overrides,
});

export function describeMetricsPublisherContract(name: string, makeSubject: MakeSubject<MetricsPublisherSubject>): void {
  describe(`Contract: MetricsPublisher — ${name}`, () => {
    const subject = useSubject(makeSubject);

    it('publishes the loss, the threshold and the RMSE of a stage at the measured time, oldest first', async () => {
      const { publisher, points } = subject();
      await publisher.publishAccuracy(anAccuracy(2));
      await publisher.publishAccuracy(anAccuracy(1));

      expect(await points(ACCURACY_METRICS.meanWQuantileLoss, 'production')).toEqual([
        { at: anAccuracy(1).at, value: anAccuracy(1).meanWQuantileLoss },
        { at: anAccuracy(2).at, value: anAccuracy(2).meanWQuantileLoss },
      ]);
      expect(await points(ACCURACY_METRICS.threshold, 'production')).toEqual([anAccuracy(1), anAccuracy(2)].map((m) => ({ at: m.at, value: 0.12 })));
      expect((await points(ACCURACY_METRICS.rmse, 'production')).map((p) => p.value)).toEqual([3.4, 3.4]);
    });

    it('keeps each stage its own series', async () => {
      const { publisher, points } = subject();
      await publisher.publishAccuracy(anAccuracy(1, { stage: 'staging', meanWQuantileLoss: 0.2 }));
      await publisher.publishAccuracy(anAccuracy(1));

      expect((await points(ACCURACY_METRICS.meanWQuantileLoss, 'staging')).map((p) => p.value)).toEqual([0.2]);
      expect((await points(ACCURACY_METRICS.meanWQuantileLoss, 'production')).map((p) => p.value)).toEqual([anAccuracy(1).meanWQuantileLoss]);
    });

    it('leaves out a figure that is not a finite number, and publishes the others', async () => {
      const { publisher, points } = subject();
      await publisher.publishAccuracy(anAccuracy(1, { rmse: Number.NaN }));

      expect(await points(ACCURACY_METRICS.rmse, 'production')).toEqual([]);
      expect(await points(ACCURACY_METRICS.threshold, 'production')).toHaveLength(1);
    });

    it('takes any ISO 8601 spelling of the time, and refuses what is not a time', async () => {
      const { publisher, points } = subject();
      await publisher.publishAccuracy(anAccuracy(1, { at: '2025-05-01T03:00:00+02:00' }));

      expect((await points(ACCURACY_METRICS.threshold, 'production')).map((p) => p.at)).toEqual(['2025-05-01T01:00:00.000Z']);
      await expect(publisher.publishAccuracy(anAccuracy(1, { at: 'yesterday' }))).rejects.toThrow(RangeError);
    });
  });
}
