/**
 * PollFeeSource: the live producer. EventBridge invokes it on the configured schedule (rate(1 minute) by
 * default); it fetches the fee source named in its configuration and writes that minute's record, or
 * nothing (src/use-cases/poll-fee-source). The twin builds this same handler for `mlops up --live`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { EmfProducerMetrics } from '../src/adapters/aws/emf-producer-metrics';
import { METRICS_NAMESPACE } from '../src/adapters/aws/emf-metrics-publisher';
import { HttpFeeSource } from '../src/adapters/aws/http-fee-source';
import { SageMakerFeatureStore } from '../src/adapters/aws/sagemaker-feature-store';
import { SnsMailer } from '../src/adapters/aws/sns-mailer';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { FeatureStore } from '../src/ports/feature-store';
import type { FeeSource, ProducerMetrics } from '../src/ports/fee-source';
import type { Mailer } from '../src/ports/mailer';
import type { ParameterStore } from '../src/ports/parameter-store';
import { pollFeeSource, type PollSettings } from '../src/use-cases/poll-fee-source';
import { once, requireEnv, taskHandler } from './lib/middleware';

/** EventBridge's scheduled event: only its kind is checked; the minute comes from the source's answer. */
const ScheduledEvent = z.object({
  source: z.literal('aws.events', { message: 'expected an EventBridge scheduled event (source aws.events)' }),
  'detail-type': z.literal('Scheduled Event', { message: 'expected "Scheduled Event"' }),
});

/** Where the outage state lives, under the stage's parameter path. */
export const outageParameterName = (parameterPath: string) => `${parameterPath}/producer/outage`;

export interface PollFeeSourceHandlerDeps {
  source: () => FeeSource;
  featureStore: () => FeatureStore;
  parameterStore: () => ParameterStore;
  notifier: () => Mailer;
  metrics: () => ProducerMetrics;
  settings: () => PollSettings;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  logger: Logger;
}

export function createHandler(deps: PollFeeSourceHandlerDeps) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return taskHandler({ schema: ScheduledEvent, logger: deps.logger }, () =>
    pollFeeSource(
      {
        source: deps.source(),
        featureStore: deps.featureStore(),
        parameterStore: deps.parameterStore(),
        notifier: deps.notifier(),
        metrics: deps.metrics(),
        log: { info: (m, f) => deps.logger.info(m, f ?? {}), warn: (m, f) => deps.logger.warn(m, f ?? {}) },
        now: deps.now,
        sleep,
      },
      deps.settings(),
    ),
  );
}

export const handler = createHandler({
  source: once(() => new HttpFeeSource({ url: requireEnv('FEE_SOURCE_URL') })),
  featureStore: once(() => new SageMakerFeatureStore({ featureGroupName: requireEnv('FEATURE_GROUP_NAME') })),
  parameterStore: once(() => new SsmParameterStore()),
  notifier: once(() => new SnsMailer({ topicArn: requireEnv('NOTIFICATIONS_TOPIC_ARN') })),
  metrics: once(() => new EmfProducerMetrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE })),
  settings: once(() => ({ outageParameter: outageParameterName(requireEnv('PARAMETER_PATH')) })),
  now: () => new Date(),
  logger: new Logger(),
});
