/**
 * Publishes monitoring metrics in CloudWatch's embedded metric format: one JSON line on stdout, which
 * CloudWatch Logs turns into metrics (no PutMetricData call, no extra IAM). The stage is the dimension,
 * so staging and production are two series; the threshold sits beside the loss for the alarm and the
 * dashboard. A figure that is not a finite number is left out (EMF rejects a line that has one).
 */
import { ACCURACY_METRICS, type AccuracyMetric, type MetricsPublisher } from '../../ports/metrics-publisher';

export const METRICS_NAMESPACE = 'BtcFeeDeepAR';

export interface EmfMetricsPublisherOptions {
  namespace?: string;
  /** Where the line goes: stdout by default (Lambda sends it to CloudWatch Logs). */
  write?: (line: string) => void;
}

export class EmfMetricsPublisher implements MetricsPublisher {
  private readonly namespace: string;
  private readonly write: (line: string) => void;

  constructor(options: EmfMetricsPublisherOptions = {}) {
    this.namespace = options.namespace ?? METRICS_NAMESPACE;
    this.write = options.write ?? ((line) => void process.stdout.write(`${line}\n`));
  }

  async publishAccuracy(metric: AccuracyMetric): Promise<void> {
    const timestamp = Date.parse(metric.at);
    if (!Number.isFinite(timestamp)) throw new RangeError(`at ${JSON.stringify(metric.at)} is not an ISO 8601 time`);
    const values = (
      [
        [ACCURACY_METRICS.meanWQuantileLoss, metric.meanWQuantileLoss],
        [ACCURACY_METRICS.threshold, metric.threshold],
        [ACCURACY_METRICS.rmse, metric.rmse],
      ] as const
    ).filter(([, value]) => Number.isFinite(value));
    if (values.length === 0) return;
    this.write(
      JSON.stringify({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [['Stage']], Metrics: values.map(([name]) => ({ Name: name })) }],
        },
        Stage: metric.stage,
        ...Object.fromEntries(values),
      }),
    );
  }
}
