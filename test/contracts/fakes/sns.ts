/** An in-memory SNS topic behind aws-sdk-client-mock: Publish keeps each message and answers a fresh MessageId. */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';

export function fakeSnsTopic() {
  const published: Array<{ topicArn: string; subject?: string; message: string }> = [];
  const mock = mockClient(SNSClient);

  mock.on(PublishCommand).callsFake(async ({ TopicArn, Subject, Message }) => {
    published.push({ topicArn: TopicArn!, subject: Subject, message: Message! });
    return { MessageId: randomUUID() };
  });

  return { client: new SNSClient({ region: 'eu-west-1' }), published: () => [...published], restore: () => mock.restore() };
}
