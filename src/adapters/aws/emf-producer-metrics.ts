/**
 * The fee producer's counters in CloudWatch's embedded metric format (Powertools Metrics): one document on
 * stdout per count, no PutMetricData call and no extra IAM. One dimension, `Producer`, so the
 * missing-minutes alarm (serverless/resources/monitoring.yml) reads exactly this series.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { ProducerMetricName, ProducerMetrics } from '../../ports/fee-source';
import { METRICS_NAMESPACE } from './emf-metrics-publisher';

export const PRODUCER_DIMENSION = { name: 'Producer', value: 'fee-source' } as const;

export class EmfProducerMetrics implements ProducerMetrics {
  private readonly metrics: Metrics;

  constructor(options: { namespace?: string } = {}) {
    this.metrics = new Metrics({ namespace: options.namespace ?? METRICS_NAMESPACE });
    this.metrics.clearDefaultDimensions();
  }

  async count(name: ProducerMetricName, at: string): Promise<void> {
    const timestamp = Date.parse(at);
    if (!Number.isFinite(timestamp)) throw new RangeError(`at ${JSON.stringify(at)} is not an ISO 8601 time`);
    this.metrics.setTimestamp(timestamp);
    this.metrics.addDimension(PRODUCER_DIMENSION.name, PRODUCER_DIMENSION.value);
    this.metrics.addMetric(name, MetricUnit.Count, 1);
    this.metrics.publishStoredMetrics();
  }
}
