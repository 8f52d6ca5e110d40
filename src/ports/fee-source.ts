/**
 * The live fee source the producer polls, and the producer's own metrics. An HTTP adapter serves both the
 * cloud's Lambda and the twin's `mlops up --live`.
 */
import { PipelineError } from '../core/errors';
import type { SourceAnswer } from '../core/fee-source';

export type { SourceAnswer };

export interface FeeSource {
  /** Where the source is, for messages. */
  readonly url: string;
  /**
   * One request. Any HTTP answer is returned as it is (an error status, an HTML page: the core judges);
   * no answer at all (refused, reset, timed out, too large) throws FeeSourceUnavailableError.
   */
  fetch(): Promise<SourceAnswer>;
}

/** The source gave no answer: connection refused or reset, DNS, a timeout, a body over the size limit. */
export class FeeSourceUnavailableError extends PipelineError {
  override readonly name = 'FeeSourceUnavailableError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The producer's per-poll counters (CloudWatch EMF in the cloud; the twin prints and keeps them). */
export const PRODUCER_METRICS = {
  /** 1 for each minute written: the missing-minutes alarm counts them over the last hour. */
  minutesIngested: 'MinutesIngested',
  /** An answer read and refused (HTTP error, not JSON, malformed, implausible, future, stale). */
  answersRejected: 'AnswersRejected',
  /** No answer after every attempt. */
  sourceUnavailable: 'SourceUnavailable',
} as const;

export type ProducerMetricName = (typeof PRODUCER_METRICS)[keyof typeof PRODUCER_METRICS];

export interface ProducerMetrics {
  /** Counts one event at `at` (ISO 8601). */
  count(name: ProducerMetricName, at: string): Promise<void>;
}
