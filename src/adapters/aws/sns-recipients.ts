/**
 * Who an SNS-mailed approval link reaches: the topic's confirmed e-mail subscriptions
 * (ListSubscriptionsByTopic, followed through NextToken). A subscription still waiting for its
 * confirmation (SubscriptionArn "PendingConfirmation") receives nothing, so it is left out.
 */
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';

const PENDING = 'PendingConfirmation';

export async function snsEmailRecipients(topicArn: string, client: SNSClient = new SNSClient({})): Promise<string[]> {
  const recipients: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    for (const s of page.Subscriptions ?? []) {
      if ((s.Protocol === 'email' || s.Protocol === 'email-json') && s.Endpoint && s.SubscriptionArn !== PENDING) recipients.push(s.Endpoint);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return recipients.sort();
}
