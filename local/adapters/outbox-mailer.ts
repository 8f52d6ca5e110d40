/**
 * The twin's mail: every message is a real RFC 5322 file, `<home>/outbox/<time>-<n>.eml`, composed by
 * nodemailer (real headers, encoded words, quoted-printable bodies), so any mail client opens it. When
 * `MLOPS_SMTP_URL` is set the very same bytes are also sent through SMTP. A malformed URL is refused once, in
 * words that never repeat its password, and the mail stays in the outbox. Messages are private to the user
 * (0600 in a 0700 directory): each holds a link that can approve a deployment.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage, Mailer } from '../../src/ports/mailer';

export interface OutboxMailerOptions {
  /** The twin's data directory: messages go to `<home>/outbox/`. */
  home: string;
  from?: string;
  to?: string | string[];
  /** SMTP URL (`smtp://user:pass@host:587`); defaults to `MLOPS_SMTP_URL`. */
  smtpUrl?: string;
  now?: () => Date;
  /** Told where each message went (the twin prints it); also warned when SMTP fails. */
  print?: (line: string) => void;
  /** Builds the SMTP sender from the URL; nodemailer's SMTP transport unless a test passes its own. */
  smtpTransport?: (url: string) => { sendMail(mail: { envelope: { from: string; to: string[] }; raw: Buffer }): Promise<unknown> };
}

export interface OutboxEntry {
  file: string;
  /** ISO 8601, from the message's Date header. */
  date: string;
  subject: string;
  to: string;
}

export const DEFAULT_FROM = 'mlops@localhost';
export const DEFAULT_TO = 'approvers@localhost';
const FILE_NAME = /^[0-9]{4}-[0-9TZ-]+\.eml$/;

export class OutboxMailer implements Mailer {
  readonly outboxDir: string;
  private readonly from: string;
  private readonly to: string[];
  /** Undefined when SMTP is off or its URL is malformed. */
  private readonly smtpUrl: string | undefined;
  private readonly now: () => Date;
  private readonly print: (line: string) => void;
  private readonly smtpTransport: NonNullable<OutboxMailerOptions['smtpTransport']>;
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  private sequence = 0;

  constructor(options: OutboxMailerOptions) {
    this.outboxDir = join(options.home, 'outbox');
    this.from = options.from ?? DEFAULT_FROM;
    this.to = typeof options.to === 'string' ? [options.to] : options.to ?? [DEFAULT_TO];
    this.now = options.now ?? (() => new Date());
    this.print = options.print ?? (() => {});
    const smtpUrl = options.smtpUrl ?? (process.env.MLOPS_SMTP_URL || undefined);
    const problem = smtpUrl ? smtpUrlProblem(smtpUrl) : undefined;
    if (problem) this.print(`mail: SMTP is off: MLOPS_SMTP_URL ${problem} (expected smtp://user:password@host:port or smtps://...); messages stay in the outbox`);
    this.smtpUrl = problem ? undefined : smtpUrl;
    this.smtpTransport = options.smtpTransport ?? ((url) => nodemailer.createTransport(url));
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const date = this.now();
    const info = await this.composer.sendMail({
      from: this.from,
      to: this.to,
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      date,
    });
    const raw = info.message as Buffer;
    await mkdir(this.outboxDir, { recursive: true, mode: 0o700 });
    // Time first, so names sort by time; a sequence number keeps two messages of one millisecond apart.
    const file = `${date.toISOString().replace(/[:.]/g, '-')}-${String(this.sequence++).padStart(6, '0')}-${process.pid}.eml`;
    const path = join(this.outboxDir, file);
    await writeFile(`${path}.partial`, raw, { mode: 0o600 });
    await rename(`${path}.partial`, path);
    this.print(`mail: ${message.subject} -> ${path}`);
    if (this.smtpUrl) {
      try {
        await this.smtpTransport(this.smtpUrl).sendMail({ envelope: { from: this.from, to: this.to }, raw });
      } catch (error) {
        // The message is in the outbox already: a mail server being down must not fail the pipeline.
        this.print(`mail: SMTP delivery failed (${redact((error as Error).message, this.smtpUrl)}); the message is in ${path}`);
      }
    }
    return { messageId: info.messageId };
  }

  /** The outbox's messages, newest first. */
  async list(): Promise<OutboxEntry[]> {
    let files: string[];
    try {
      files = (await readdir(this.outboxDir)).filter((name) => FILE_NAME.test(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    files.sort().reverse();
    return Promise.all(
      files.map(async (file) => {
        const headers = parseHeaders(await readFile(join(this.outboxDir, file), 'utf8'));
        const date = Date.parse(headers.get('date') ?? '');
        return {
          file,
          date: Number.isFinite(date) ? new Date(date).toISOString() : '',
          subject: decodeWords(headers.get('subject') ?? ''),
          to: decodeWords(headers.get('to') ?? ''),
        };
      }),
    );
  }

  /** One message, as its raw RFC 5322 text. Only a bare outbox file name is accepted. */
  async read(file: string): Promise<string> {
    if (!FILE_NAME.test(file)) throw new RangeError(`${JSON.stringify(file)} is not a message of the outbox`);
    return readFile(join(this.outboxDir, file), 'utf8');
  }
}

/** What is wrong with an SMTP URL, in words that never include its password; undefined when it is usable. */
export function smtpUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') return `has the scheme "${parsed.protocol}"`;
  if (!parsed.hostname) return 'names no host';
  return undefined;
}

/** An error message with the URL's password (raw or %-decoded) masked: transports quote their URL. */
function redact(message: string, url: string | undefined): string {
  if (!url) return message;
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return message;
  }
  if (!password) return message;
  const forms = [...new Set([password, safeDecode(password)])].filter(Boolean);
  return forms.reduce((text, form) => text.split(form).join('***'), message);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The header section of a message, unfolded, by lower-case name (first occurrence). */
function parseHeaders(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const section = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of section.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`), as nodemailer writes them. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      return new TextDecoder(charset.toLowerCase() === 'utf-8' ? 'utf-8' : charset).decode(bytes);
    });
}
