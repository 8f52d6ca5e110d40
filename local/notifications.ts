/** The twin's SNS: every published message is kept in SQLite and printed, so nothing is lost. */
import type Database from 'better-sqlite3';

export interface Notification {
  id: number;
  topicArn: string;
  subject?: string;
  message: string;
  sentAt: string;
}

export class LocalNotifications {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date = () => new Date(),
    private readonly print: (line: string) => void = () => {},
  ) {}

  async publish({ TopicArn, Subject, Message }: { TopicArn: string; Subject?: string; Message: string }): Promise<{ MessageId: string }> {
    if (!TopicArn?.startsWith('arn:aws:sns:')) throw Object.assign(new Error(`Invalid parameter: TopicArn ${TopicArn}`), { name: 'SNS.InvalidParameterException' });
    const { lastInsertRowid } = this.db
      .prepare(`INSERT INTO notifications (topic_arn, subject, message, sent_at) VALUES (?, ?, ?, ?)`)
      .run(TopicArn, Subject ?? null, Message, this.now().toISOString());
    this.print(`notification: ${Subject ? `${Subject}: ` : ''}${Message}`);
    return { MessageId: `local-${lastInsertRowid}` };
  }

  list(limit = 50): Notification[] {
    return (this.db.prepare(`SELECT * FROM notifications ORDER BY id DESC LIMIT ?`).all(limit) as Array<Record<string, never>>).map((r) => ({
      id: r.id,
      topicArn: r.topic_arn,
      ...(r.subject ? { subject: r.subject } : {}),
      message: r.message,
      sentAt: r.sent_at,
    }));
  }
}
