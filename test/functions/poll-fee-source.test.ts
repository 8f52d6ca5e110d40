/**
 * The producer's Lambda handler with its AWS adapters, every AWS call mocked (aws-sdk-client-mock):
 * PutRecord on the feature group, the outage state in SSM, the notification on SNS, metrics as EMF on stdout.
 * The source plays recorded answers (test/fixtures/feed/); nothing reaches the internet.
 */
import { PutRecordCommand, SageMakerFeatureStoreRuntimeClient } from '@aws-sdk/client-sagemaker-featurestore-runtime';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import putRecordErrors from '../fixtures/aws/feature-store-put-record-errors.json';
import rate from '../fixtures/aws/eventbridge-rate-expression.json';
import { createHandler, outageParameterName } from '../../functions/poll-fee-source';
import { EmfProducerMetrics } from '../../src/adapters/aws/emf-producer-metrics';
import { SageMakerFeatureStore } from '../../src/adapters/aws/sagemaker-feature-store';
import { SnsMailer } from '../../src/adapters/aws/sns-mailer';
import { SsmParameterStore } from '../../src/adapters/aws/ssm-parameter-store';
import { ScriptedFeeSource, type Step } from '../support/fee-source-fakes';
import { aSilentLogger } from './logs';

const GROUP = 'btc-fee-deepar-test-tx-fees-1min';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:btc-fee-deepar-test-notifications';
const OUTAGE = outageParameterName('/btc-fee-deepar/test');
const SCHEDULED = rate.scheduledEvent.example;

const featureStore = mockClient(SageMakerFeatureStoreRuntimeClient);
const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);

/** An AWS SDK error as the client raises it: the name is the service's error code. */
const awsError = (name: keyof typeof putRecordErrors.errors) => Object.assign(new Error(putRecordErrors.errors[name].quote), { name, $fault: 'server' });

let stdout: jest.SpyInstance;
/** The EMF documents the producer printed. */
const emf = () =>
  stdout.mock.calls
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('_aws'))
    .map((line) => JSON.parse(line));

function aHandler(script: Step[], now = new Date()) {
  return createHandler({
    source: () => new ScriptedFeeSource(script, () => now),
    featureStore: () => new SageMakerFeatureStore({ featureGroupName: GROUP, client: new SageMakerFeatureStoreRuntimeClient({ region: 'us-east-1' }) }),
    parameterStore: () => new SsmParameterStore({ client: new SSMClient({ region: 'us-east-1' }) }),
    notifier: () => new SnsMailer({ topicArn: TOPIC, client: new SNSClient({ region: 'us-east-1' }) }),
    metrics: () => new EmfProducerMetrics(),
    settings: () => ({ outageParameter: OUTAGE, baseDelayMs: 1 }),
    now: () => now,
    sleep: async () => {},
    logger: aSilentLogger(),
  });
}

beforeEach(() => {
  featureStore.reset();
  ssm.reset();
  sns.reset();
  // No outage state yet; PutParameter's version is read back by its `name:version` selector.
  ssm.on(GetParameterCommand).callsFake(async ({ Name }: { Name: string }) => {
    if (!Name.endsWith(':1')) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    return { Parameter: { Name: Name.slice(0, -2), Value: '{}', Version: 1, LastModifiedDate: new Date() } };
  });
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

describe('Function: poll-fee-source handler', () => {
  it('puts the minute the source answered into the one feature group, as Feature Store strings, and counts it', async () => {
    // Prepare
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 7_000);
    featureStore.on(PutRecordCommand).resolves({});
    // Act
    const outcome = await aHandler(['documentedExample'], now)(SCHEDULED, {} as never);
    // Assess
    const minute = now.toISOString().replace(/:07\.000Z$/, ':00Z');
    expect(outcome).toMatchObject({ status: 'written', minute });
    expect(featureStore).toHaveReceivedCommandTimes(PutRecordCommand, 1);
    expect(featureStore).toHaveReceivedCommandWith(PutRecordCommand, {
      FeatureGroupName: GROUP,
      Record: [
        { FeatureName: 'tx_minute', ValueAsString: minute },
        { FeatureName: 'total_nb_trx_1min', ValueAsString: '8134' },
        { FeatureName: 'total_fee_1min', ValueAsString: '29204625' },
        { FeatureName: 'avg_fee_1min', ValueAsString: String(29204625 / 8134) },
        { FeatureName: 'event_time', ValueAsString: now.toISOString() },
      ],
    });
    const [doc] = emf();
    expect(doc).toMatchObject({ MinutesIngested: 1, Producer: 'fee-source' });
    expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'BtcFeeDeepAR', Dimensions: [['Producer']], Metrics: [{ Name: 'MinutesIngested', Unit: 'Count' }] });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it.each(Object.entries(putRecordErrors.errors).filter(([, e]) => e.transient).map(([name]) => name) as Array<'ServiceUnavailable'>)(
    'retries PutRecord after %s and writes the minute once it passes',
    async (name) => {
      featureStore.on(PutRecordCommand).rejectsOnce(awsError(name)).rejectsOnce(awsError(name)).resolves({});
      expect(await aHandler(['documentedExample'])(SCHEDULED, {} as never)).toMatchObject({ status: 'written' });
      expect(featureStore).toHaveReceivedCommandTimes(PutRecordCommand, 3);
    },
  );

  it('gives up after 3 PutRecord attempts: the invocation fails naming the store error, and no minute is counted', async () => {
    featureStore.on(PutRecordCommand).rejects(awsError('ServiceUnavailable'));
    await expect(aHandler(['documentedExample'])(SCHEDULED, {} as never)).rejects.toMatchObject({ name: 'StoreError', message: expect.stringContaining('ServiceUnavailable') });
    expect(featureStore).toHaveReceivedCommandTimes(PutRecordCommand, 3);
    expect(emf()).toEqual([]);
  });

  it('never writes a rejected answer: no PutRecord, a rejection counted', async () => {
    const outcome = await aHandler(['htmlErrorPage'])(SCHEDULED, {} as never);
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'not-json' });
    expect(featureStore).not.toHaveReceivedCommand(PutRecordCommand);
    expect(emf()).toEqual([expect.objectContaining({ AnswersRejected: 1 })]);
  });

  it('publishes one notification on the notifications topic when the third failed poll in a row starts an outage', async () => {
    ssm.on(GetParameterCommand, { Name: OUTAGE }).resolvesOnce({
      Parameter: { Name: OUTAGE, Value: JSON.stringify({ failures: 2, since: '2026-12-01T12:00:05.000Z' }), Version: 2 },
    });
    const outcome = await aHandler(['no-answer'])(SCHEDULED, {} as never);
    expect(outcome).toMatchObject({ status: 'unavailable', outage: 'started' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, Subject: 'Fee source outage: no fee data is being ingested' });
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: OUTAGE, Overwrite: true, Type: 'String', Value: expect.stringContaining('"notified":true') });
  });

  it('refuses an event that is not EventBridge’s scheduled event, saying what it expected, and polls nothing', async () => {
    const source = new ScriptedFeeSource(['documentedExample']);
    const handler = createHandler({
      source: () => source,
      featureStore: () => new SageMakerFeatureStore({ featureGroupName: GROUP }),
      parameterStore: () => new SsmParameterStore(),
      notifier: () => new SnsMailer({ topicArn: TOPIC }),
      metrics: () => new EmfProducerMetrics(),
      settings: () => ({ outageParameter: OUTAGE }),
      now: () => new Date(),
      logger: aSilentLogger(),
    });
    await expect(handler({ records: [] }, {} as never)).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('source') });
    expect(source.calls).toBe(0);
  });
});
