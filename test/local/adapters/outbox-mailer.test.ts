import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxMailer } from '../../../local/adapters/outbox-mailer';

describe('Function: OutboxMailer', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'outbox-test-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('writes an RFC 5322 message with real headers to <home>/outbox/', async () => {
    // Prepare
    const mailer = new OutboxMailer({ home, smtpUrl: '', now: () => new Date('2025-05-01T12:00:00Z') });

    // Act
    const { messageId } = await mailer.send({ subject: 'Approve the model for staging? €', text: 'Open http://127.0.0.1:8787/approvals/abc\nThanks' });

    // Assess
    const files = readdirSync(join(home, 'outbox'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^2025-05-01T12-00-00-000Z-.*\.eml$/);
    const raw = await mailer.read(files[0]);
    expect(raw).toMatch(/^From: mlops@localhost\r\n/m);
    expect(raw).toMatch(/^To: approvers@localhost\r\n/m);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/m);
    expect(raw).toContain(`Message-ID: ${messageId}`);
    expect(raw).toMatch(/^Date: Thu, 01 May 2025 12:00:00 \+0000\r\n/m);
    expect(raw).toMatch(/^MIME-Version: 1\.0\r\n/m);
    expect(raw).toContain('\r\n\r\n');
    expect(raw).toContain('http://127.0.0.1:8787/approvals/abc');
  });

  it('lists messages newest first with their decoded subject, recipients and date', async () => {
    // Prepare
    let t = Date.parse('2025-05-01T12:00:00Z');
    const mailer = new OutboxMailer({ home, to: ['ops@example.com', 'lead@example.com'], from: 'pipeline@example.com', smtpUrl: '', now: () => new Date((t += 1000)) });
    await mailer.send({ subject: 'first', text: 'a' });
    await mailer.send({ subject: 'second: déploiement ✓', text: 'b' });

    // Act
    const list = await mailer.list();

    // Assess
    expect(list.map((m) => m.subject)).toEqual(['second: déploiement ✓', 'first']);
    expect(list[0]).toMatchObject({ date: '2025-05-01T12:00:02.000Z', to: 'ops@example.com, lead@example.com' });
    expect(await mailer.read(list[1].file)).toMatch(/^From: pipeline@example\.com/m);
  });

  it('returns an empty list when nothing was sent', async () => {
    expect(await new OutboxMailer({ home, smtpUrl: '' }).list()).toEqual([]);
  });

  it('refuses to read a file outside the outbox', async () => {
    const mailer = new OutboxMailer({ home, smtpUrl: '' });
    await expect(mailer.read('../twin.db')).rejects.toThrow('is not a message of the outbox');
  });

  it('also sends the very same bytes through SMTP when a URL is set', async () => {
    // Prepare
    const sent: Array<{ url: string; envelope: unknown; raw: Buffer }> = [];
    const mailer = new OutboxMailer({
      home,
      smtpUrl: 'smtp://mail.example.com:587',
      smtpTransport: (url) => ({ sendMail: async (mail) => void sent.push({ url, ...mail }) }),
    });

    // Act
    await mailer.send({ subject: 's', text: 't' });

    // Assess
    const [file] = readdirSync(join(home, 'outbox'));
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('smtp://mail.example.com:587');
    expect(sent[0].envelope).toEqual({ from: 'mlops@localhost', to: ['approvers@localhost'] });
    expect(sent[0].raw.toString('utf8')).toBe(await mailer.read(file));
  });

  it('keeps the message in the outbox and warns when SMTP fails', async () => {
    // Prepare
    const lines: string[] = [];
    const mailer = new OutboxMailer({
      home,
      smtpUrl: 'smtp://down',
      print: (line) => lines.push(line),
      smtpTransport: () => ({ sendMail: async () => Promise.reject(new Error('connect ECONNREFUSED')) }),
    });

    // Act
    const result = await mailer.send({ subject: 's', text: 't' });

    // Assess
    expect(result.messageId).toMatch(/^<.+@.+>$/);
    expect(await mailer.list()).toHaveLength(1);
    expect(lines.some((l) => l.includes('SMTP delivery failed (connect ECONNREFUSED)'))).toBe(true);
  });
});
