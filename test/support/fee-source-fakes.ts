/**
 * The fee producer's test doubles: a source that plays a script of recorded answers (test/fixtures/feed/),
 * and metrics that remember what was counted.
 */
import feed from '../fixtures/feed/mempool-answers.json';
import type { SourceAnswer } from '../../src/core/fee-source';
import { FeeSourceUnavailableError, type FeeSource, type ProducerMetricName, type ProducerMetrics } from '../../src/ports/fee-source';

export type AnswerName = keyof typeof feed.answers;

/** A recorded answer, dated `date` (an HTTP date, as a server's Date header) when given. */
export function recordedAnswer(name: AnswerName, date?: Date): SourceAnswer {
  const a = feed.answers[name] as { status: number; contentType?: string; body: string };
  return { status: a.status, contentType: a.contentType, body: a.body, ...(date ? { date: date.toUTCString() } : {}) };
}

/** One step of a script: a recorded answer, or no answer at all. */
export type Step = AnswerName | 'no-answer';

export class ScriptedFeeSource implements FeeSource {
  readonly url = 'https://mempool.example/api/mempool';
  calls = 0;
  constructor(
    private readonly script: Step[],
    private readonly dateOf: () => Date | undefined = () => undefined,
  ) {}
  async fetch(): Promise<SourceAnswer> {
    const step = this.script[Math.min(this.calls, this.script.length - 1)];
    this.calls++;
    if (step === 'no-answer') throw new FeeSourceUnavailableError(`${this.url} did not answer within 10000 ms`);
    return recordedAnswer(step, this.dateOf());
  }
}

export class RecordingProducerMetrics implements ProducerMetrics {
  readonly counted: Array<{ name: ProducerMetricName; at: string }> = [];
  async count(name: ProducerMetricName, at: string): Promise<void> {
    this.counted.push({ name, at });
  }
  names(): ProducerMetricName[] {
    return this.counted.map((c) => c.name);
  }
}
