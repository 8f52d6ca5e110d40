import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxMailer } from '../../local/adapters/outbox-mailer';
import { SnsMailer } from '../../src/adapters/aws/sns-mailer';
import { fakeSnsTopic } from './fakes/sns';
import { describeMailerContract } from './mailer.contract';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:btc-fee-dev-approvals';

describeMailerContract("OutboxMailer (the twin's outbox)", () => {
  const home = mkdtempSync(join(tmpdir(), 'contract-mail-'));
  const mailer = new OutboxMailer({ home, smtpUrl: '' });
  return {
    mailer,
    async delivered() {
      const entries = (await mailer.list()).reverse();
      return Promise.all(
        entries.map(async (entry) => {
          const raw = await mailer.read(entry.file);
          return { subject: entry.subject, text: raw.slice(raw.search(/\r?\n\r?\n/)) };
        }),
      );
    },
    dispose: () => rmSync(home, { recursive: true, force: true }),
  };
});

describeMailerContract('SnsMailer over an in-memory SNS topic', () => {
  const sns = fakeSnsTopic();
  return {
    mailer: new SnsMailer({ topicArn: TOPIC, client: sns.client }),
    delivered: async () => sns.published().map((p) => ({ subject: p.subject ?? '', text: p.message })),
    dispose: sns.restore,
  };
});
