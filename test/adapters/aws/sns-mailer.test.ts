import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsMailer, snsSubject } from '../../../src/adapters/aws/sns-mailer';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:btc-fee-dev-approvals';
const snsMock = mockClient(SNSClient);

beforeEach(() => snsMock.reset());

describe('Function: SnsMailer.send', () => {
  it('publishes the subject and text to the topic and returns the MessageId', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const mailer = new SnsMailer({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });

    // Act
    const result = await mailer.send({ subject: 'Approve the model for staging?', text: 'Open https://x/approvals/abc' });

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishCommand, 1);
    expect(snsMock).toReceiveCommandWith(PublishCommand, { TopicArn: TOPIC, Subject: 'Approve the model for staging?', Message: 'Open https://x/approvals/abc' });
    expect(result).toEqual({ messageId: 'm-1' });
  });

  it('cuts a subject to 100 characters on one line', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const mailer = new SnsMailer({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });

    // Act
    await mailer.send({ subject: `line one\nline two ${'x'.repeat(200)}`, text: 't' });

    // Assess
    const subject = snsMock.commandCalls(PublishCommand)[0].args[0].input.Subject!;
    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^line one line two x+\.\.\.$/);
  });
});

describe('Function: snsSubject', () => {
  it('keeps a short subject as it is', () => {
    expect(snsSubject('Approve?')).toBe('Approve?');
  });
});
