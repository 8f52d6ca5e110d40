import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
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

  it.each([
    ['no scheme separator', 'smtp//mailer:s3cr%21et@mail.example.com'],
    ['a port that is not a number', 'smtp://mailer:s3cr%21et@mail.example.com:notaport'],
    ['another scheme', 'http://mailer:s3cr%21et@mail.example.com'],
  ])('refuses a malformed MLOPS_SMTP_URL (%s) once, never printing its password, and keeps the mail', async (_, smtpUrl) => {
    // Prepare
    const lines: string[] = [];
    const attempts: string[] = [];
    const mailer = new OutboxMailer({ home, smtpUrl, print: (line) => lines.push(line), smtpTransport: (url) => ({ sendMail: async () => void attempts.push(url) }) });

    // Act
    await mailer.send({ subject: 'one', text: 't' });
    await mailer.send({ subject: 'two', text: 't' });

    // Assess
    expect(attempts).toEqual([]);
    expect(await mailer.list()).toHaveLength(2);
    expect(lines.filter((l) => l.includes('MLOPS_SMTP_URL'))).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/s3cr/);
  });

  it('masks the password in a failed delivery\'s message', async () => {
    // Prepare
    const lines: string[] = [];
    const mailer = new OutboxMailer({
      home,
      smtpUrl: 'smtp://mailer:s3cr%21et@down.example.com:587',
      print: (line) => lines.push(line),
      smtpTransport: (url) => ({ sendMail: async () => Promise.reject(new Error(`cannot reach ${url} (password s3cr!et)`)) }),
    });

    // Act
    await mailer.send({ subject: 's', text: 't' });

    // Assess
    expect(lines.join('\n')).toContain('SMTP delivery failed');
    expect(lines.join('\n')).not.toMatch(/s3cr/);
  });

  it('keeps messages private to the user: files 0600 in a 0700 outbox', async () => {
    // Act
    const mailer = new OutboxMailer({ home, smtpUrl: '' });
    await mailer.send({ subject: 's', text: 'http://127.0.0.1:8080/approvals/secret-link' });

    // Assess
    const outbox = join(home, 'outbox');
    expect(statSync(outbox).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(outbox);
    expect(statSync(join(outbox, file)).mode & 0o777).toBe(0o600);
  });
});
