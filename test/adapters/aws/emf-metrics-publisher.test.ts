import { EmfMetricsPublisher } from '../../../src/adapters/aws/emf-metrics-publisher';
import type { AccuracyMetric } from '../../../src/ports/metrics-publisher';

const AT = '2025-05-01T12:00:00.000Z';

const aMetric = (overrides: Partial<AccuracyMetric> = {}): AccuracyMetric => ({
  at: AT,
  stage: 'production',
  meanWQuantileLoss: 0.31,
  threshold: 0.5,
  rmse: 12.5,
  ...overrides,
});

describe('Function: EmfMetricsPublisher.publishAccuracy', () => {
  it('writes one line in the embedded metric format, the stage as dimension', async () => {
    // Prepare
    const lines: string[] = [];
    const publisher = new EmfMetricsPublisher({ write: (line) => lines.push(line) });

    // Act
    await publisher.publishAccuracy(aMetric());

    // Assess
    expect(lines).toEqual([
      '{"_aws":{"Timestamp":1746100800000,"CloudWatchMetrics":[{"Namespace":"BtcFeeDeepAR","Dimensions":[["Stage"]],' +
        '"Metrics":[{"Name":"MeanWQuantileLoss"},{"Name":"Threshold"},{"Name":"RMSE"}]}]},' +
        '"Stage":"production","MeanWQuantileLoss":0.31,"Threshold":0.5,"RMSE":12.5}',
    ]);
  });

  it('leaves out a figure that is not a finite number, which EMF would reject', async () => {
    // Prepare
    const lines: string[] = [];
    const publisher = new EmfMetricsPublisher({ namespace: 'Other', write: (line) => lines.push(line) });

    // Act
    await publisher.publishAccuracy(aMetric({ stage: 'staging', rmse: NaN }));

    // Assess
    expect(JSON.parse(lines[0])).toEqual({
      _aws: {
        Timestamp: Date.parse(AT),
        CloudWatchMetrics: [{ Namespace: 'Other', Dimensions: [['Stage']], Metrics: [{ Name: 'MeanWQuantileLoss' }, { Name: 'Threshold' }] }],
      },
      Stage: 'staging',
      MeanWQuantileLoss: 0.31,
      Threshold: 0.5,
    });
  });

  it('writes to stdout by default, one line ending in a newline', async () => {
    // Prepare
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // Act
    await new EmfMetricsPublisher().publishAccuracy(aMetric());

    // Assess
    expect(write).toHaveBeenCalledTimes(1);
    const written = String(write.mock.calls[0][0]);
    write.mockRestore();
    expect(written.endsWith('}\n')).toBe(true);
    expect(JSON.parse(written)).toMatchObject({ Stage: 'production', MeanWQuantileLoss: 0.31 });
  });

  it('refuses a time that is not ISO 8601', async () => {
    await expect(new EmfMetricsPublisher({ write: () => undefined }).publishAccuracy(aMetric({ at: 'now' }))).rejects.toThrow(RangeError);
  });
});
