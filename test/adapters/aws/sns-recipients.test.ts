import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { snsEmailRecipients } from '../../../src/adapters/aws/sns-recipients';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:approvals';

describe('Function: snsEmailRecipients', () => {
  it("lists the topic's confirmed e-mail subscribers across pages, sorted, leaving out unconfirmed and other protocols", async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: undefined })
      .resolves({
        Subscriptions: [
          { Protocol: 'email', Endpoint: 'risk@example.com', SubscriptionArn: `${TOPIC}:1` },
          { Protocol: 'email', Endpoint: 'new@example.com', SubscriptionArn: 'PendingConfirmation' },
        ],
        NextToken: 'page-2',
      })
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: 'page-2' })
      .resolves({ Subscriptions: [{ Protocol: 'sqs', Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:q', SubscriptionArn: `${TOPIC}:2` }, { Protocol: 'email-json', Endpoint: 'ops@example.com', SubscriptionArn: `${TOPIC}:3` }] });

    // Act
    const recipients = await snsEmailRecipients(TOPIC, new SNSClient({ region: 'eu-west-1' }));

    // Assess
    expect(recipients).toEqual(['ops@example.com', 'risk@example.com']);
    expect(sns).toHaveReceivedCommandTimes(ListSubscriptionsByTopicCommand, 2);
    sns.restore();
  });
});
