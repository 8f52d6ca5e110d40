/**
 * Publishes monitoring metrics in CloudWatch's embedded metric format through Powertools for AWS Lambda
 * (Metrics): one JSON document on stdout per publish, which CloudWatch Logs turns into metrics (no
 * PutMetricData call, no extra IAM). The stage is the only dimension, so staging and production are two
 * series (the alarm and the dashboard query exactly that); the threshold sits beside the loss. A figure
 * that is not a finite number is left out (EMF rejects a document that has one).
 *
 * Each publish flushes at once: one stage's check is one document, and nothing is left in a buffer when
 * the Lambda returns and freezes. Powertools' own switches apply: `POWERTOOLS_METRICS_DISABLED`, and
 * `POWERTOOLS_DEV` (no output unless metrics are explicitly enabled).
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { ACCURACY_METRICS, type AccuracyMetric, type MetricsPublisher } from '../../ports/metrics-publisher';

export const METRICS_NAMESPACE = 'BtcFeeDeepAR';
export const STAGE_DIMENSION = 'Stage';

export interface EmfMetricsPublisherOptions {
  namespace?: string;
}

export class EmfMetricsPublisher implements MetricsPublisher {
  private readonly metrics: Metrics;

  constructor(options: EmfMetricsPublisherOptions = {}) {
    this.metrics = new Metrics({ namespace: options.namespace ?? METRICS_NAMESPACE });
    // Powertools adds a `service` dimension by default; another dimension would be another series,
    // which the alarm and the dashboard (Stage only) would never see.
    this.metrics.clearDefaultDimensions();
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
    this.metrics.setTimestamp(timestamp);
    this.metrics.addDimension(STAGE_DIMENSION, metric.stage);
    for (const [name, value] of values) this.metrics.addMetric(name, MetricUnit.NoUnit, value);
    this.metrics.publishStoredMetrics();
  }
}
