import type { Stage } from '../core/monitoring-policy';

/** One stage's measured live accuracy, with the threshold beside it (the dashboard draws both). */
export interface AccuracyMetric {
  /** ISO 8601 */
  at: string;
  stage: Stage;
  meanWQuantileLoss: number;
  threshold: number;
  rmse: number;
}

/** Publishes monitoring metrics: CloudWatch (embedded metric format) in the cloud, the twin's metric store locally. */
export interface MetricsPublisher {
  publishAccuracy(metric: AccuracyMetric): Promise<void>;
}

/** The metric names both adapters use. */
export const ACCURACY_METRICS = {
  meanWQuantileLoss: 'MeanWQuantileLoss',
  threshold: 'Threshold',
  rmse: 'RMSE',
} as const;

export type AccuracyMetricName = (typeof ACCURACY_METRICS)[keyof typeof ACCURACY_METRICS];
