/**
 * The CloudWatch metrics adapter, over Powertools Metrics: its EMF documents captured from stdout, where
 * Lambda hands them to CloudWatch Logs.
 */
import { EmfMetricsPublisher } from '../../../src/adapters/aws/emf-metrics-publisher';
import type { AccuracyMetric } from '../../../src/ports/metrics-publisher';

// Recent enough for CloudWatch (EMF timestamps older than 14 days are dropped, and Powertools warns).
const AT = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000).toISOString();

const aMetric = (overrides: Partial<AccuracyMetric> = {}): AccuracyMetric => ({
  at: AT,
  stage: 'production',
  meanWQuantileLoss: 0.31,
  threshold: 0.5,
  rmse: 12.5,
  ...overrides,
});

const POWERTOOLS_ENV = ['POWERTOOLS_DEV', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'];
let savedEnv: Record<string, string | undefined>;
let stdout: jest.SpyInstance;

/** The EMF documents written to stdout, one per line. */
const documents = () =>
  stdout.mock.calls
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

beforeEach(() => {
  savedEnv = Object.fromEntries(POWERTOOLS_ENV.map((name) => [name, process.env[name]]));
  for (const name of POWERTOOLS_ENV) delete process.env[name];
  // As in the Lambda: Powertools would make the service a dimension of its own.
  process.env.POWERTOOLS_SERVICE_NAME = 'btc-fee-deepar';
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  stdout.mockRestore();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('Function: EmfMetricsPublisher.publishAccuracy', () => {
  it('writes one EMF document: the loss, the threshold and the RMSE, the stage as the only dimension', async () => {
    // Prepare
    const publisher = new EmfMetricsPublisher();

    // Act
    await publisher.publishAccuracy(aMetric());

    // Assess
    expect(documents()).toEqual([
      {
        _aws: {
          Timestamp: Date.parse(AT),
          CloudWatchMetrics: [
            {
              Namespace: 'BtcFeeDeepAR',
              Dimensions: [['Stage']],
              Metrics: [
                { Name: 'MeanWQuantileLoss', Unit: 'None' },
                { Name: 'Threshold', Unit: 'None' },
                { Name: 'RMSE', Unit: 'None' },
              ],
            },
          ],
        },
        Stage: 'production',
        MeanWQuantileLoss: 0.31,
        Threshold: 0.5,
        RMSE: 12.5,
      },
    ]);
  });

  it('leaves out a figure that is not a finite number, which EMF would reject', async () => {
    // Prepare
    const publisher = new EmfMetricsPublisher({ namespace: 'Other' });

    // Act
    await publisher.publishAccuracy(aMetric({ stage: 'staging', rmse: NaN }));

    // Assess
    const [document] = documents();
    expect(document._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'Other', Dimensions: [['Stage']], Metrics: [{ Name: 'MeanWQuantileLoss', Unit: 'None' }, { Name: 'Threshold', Unit: 'None' }] },
    ]);
    expect(document).not.toHaveProperty('RMSE');
  });

  it('flushes every publish: each stage gets its own document, with nothing carried over', async () => {
    // Prepare
    const publisher = new EmfMetricsPublisher();

    // Act
    await publisher.publishAccuracy(aMetric({ stage: 'staging', meanWQuantileLoss: 0.4 }));
    await publisher.publishAccuracy(aMetric({ stage: 'production', meanWQuantileLoss: 0.2, rmse: Infinity }));

    // Assess
    expect(documents().map((d) => ({ stage: d.Stage, loss: d.MeanWQuantileLoss, rmse: d.RMSE ?? null, dimensions: d._aws.CloudWatchMetrics[0].Dimensions }))).toEqual([
      { stage: 'staging', loss: 0.4, rmse: 12.5, dimensions: [['Stage']] },
      { stage: 'production', loss: 0.2, rmse: null, dimensions: [['Stage']] },
    ]);
  });

  it('writes nothing when no figure is a finite number', async () => {
    await new EmfMetricsPublisher().publishAccuracy(aMetric({ meanWQuantileLoss: NaN, threshold: NaN, rmse: NaN }));

    expect(documents()).toEqual([]);
  });

  it('refuses a time that is not ISO 8601', async () => {
    await expect(new EmfMetricsPublisher().publishAccuracy(aMetric({ at: 'now' }))).rejects.toThrow(RangeError);
    expect(documents()).toEqual([]);
  });
});
