/**
 * The approvers' mail through an SNS topic (email subscriptions). SNS takes a plain-text message and a
 * subject of at most 100 characters, without line breaks: longer subjects are cut with "...".
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { StoreError } from '../../ports/errors';
import type { MailMessage, Mailer } from '../../ports/mailer';

export const MAX_SUBJECT_LENGTH = 100;

export interface SnsMailerOptions {
  topicArn: string;
  client?: SNSClient;
}

/** A subject SNS accepts: one line of printable text, at most 100 characters. */
export function snsSubject(subject: string): string {
  const line = subject.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim() || '(no subject)';
  return line.length <= MAX_SUBJECT_LENGTH ? line : `${line.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

export class SnsMailer implements Mailer {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(options: SnsMailerOptions) {
    this.topicArn = options.topicArn;
    this.client = options.client ?? new SNSClient({});
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const { MessageId } = await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: snsSubject(message.subject), Message: message.text }),
    );
    if (!MessageId) throw new StoreError(`SNS Publish to ${this.topicArn} returned no MessageId`);
    return { messageId: MessageId };
  }
}
