import { randomBytes } from 'node:crypto';
import { carriedRequest, carriedRequestHash, hashApprovalId } from '../../src/core/approval';
import type { TaskCallbacks } from '../../src/ports/task-callbacks';
import { createHandler } from '../../functions/request-approval';
import { ID_BYTES } from '../../src/use-cases/request-approval';
import { OutboxMailer } from '../../local/adapters/outbox-mailer';
import { SqliteApprovalStore } from '../../local/adapters/sqlite-approval-store';
import { AN_EXECUTION, A_PACKAGE, A_TOKEN, T0, aRequest, anApprovalInput } from '../builders/approvals';
import { aTwinHome } from '../builders/twin-home';
import { aLoudLogger, captureOutput } from './logs';

const BASE = 'http://127.0.0.1:8787';

/** The message's text as a mail client shows it: quoted-printable soft breaks and escapes undone. */
const decodeQp = (raw: string): string =>
  Buffer.from(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');

/** The event as the state machine sends it; overrides may break it on purpose. */
const anEvent = (overrides: Record<string, unknown> = {}) => ({ ...anApprovalInput(), ...overrides });

describe('Function: request-approval handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteApprovalStore;
  let mailer: OutboxMailer;
  let logs: string[];
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteApprovalStore(home.db);
    mailer = new OutboxMailer({ home: home.dir, smtpUrl: '' });
    logs = captureOutput();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    home.dispose();
  });

  const newHandler = (bytes = (n: number) => randomBytes(n)) =>
    createHandler({ store: () => store, mailer: () => mailer, baseUrl: () => `${BASE}/`, now: () => T0, randomBytes: bytes, logger: aLoudLogger() });

  it('stores the request under the hash of a random id and mails a link carrying the id', async () => {
    // Prepare
    const bytes = Buffer.alloc(ID_BYTES, 7);
    const id = bytes.toString('base64url');

    // Act
    const result = await newHandler(() => bytes)(anEvent(), {} as never);

    // Assess
    expect(result).toEqual({ idHash: hashApprovalId(id), expiresAt: '2025-05-01T13:00:00.000Z' });
    expect(await store.get(hashApprovalId(id))).toEqual({
      ...anEvent(),
      timeoutSeconds: undefined,
      idHash: hashApprovalId(id),
      createdAt: T0.toISOString(),
      expiresAt: '2025-05-01T13:00:00.000Z',
      status: 'pending',
    } as never);
    const [message] = await mailer.list();
    const raw = decodeQp(await mailer.read(message.file));
    expect(raw).toContain(`${BASE}/approvals/${id}`);
    expect(message.subject).toBe('Approve the model for staging? mean wQuantileLoss 0.0812 (threshold 0.12)');
    expect(raw).toContain('0.143');
    expect(raw).toContain('none deployed');
    expect(raw).toContain('3.41');
  });

  it('never puts the task token in the mail, the result or a log line, nor the id in a log line', async () => {
    // Prepare
    const bytes = randomBytes(ID_BYTES);

    // Act
    const result = await newHandler(() => bytes)(anEvent(), {} as never);

    // Assess
    const [message] = await mailer.list();
    const raw = decodeQp(await mailer.read(message.file));
    expect(raw).not.toContain(A_TOKEN);
    expect(raw).not.toContain(encodeURIComponent(A_TOKEN));
    expect(JSON.stringify(result)).not.toContain(A_TOKEN);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).not.toContain(A_TOKEN);
      expect(line).not.toContain(bytes.toString('base64url'));
    }
  });

  it('draws ids of at least 128 bits, different every time', async () => {
    // Prepare
    const sizes: number[] = [];
    const handler = newHandler((n) => (sizes.push(n), randomBytes(n)));

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, () => handler(anEvent(), {} as never)));

    // Assess
    expect(Math.min(...sizes) * 8).toBeGreaterThanOrEqual(128);
    expect(new Set(results.map((r) => r.idHash)).size).toBe(20);
    const ids = await Promise.all((await mailer.list()).map(async (m) => /\/approvals\/([A-Za-z0-9_-]+)/.exec(decodeQp(await mailer.read(m.file)))![1]));
    for (const id of ids) expect(Buffer.from(id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('defaults the timeout to 7 days', async () => {
    // Act
    const { expiresAt } = await newHandler()(anEvent({ timeoutSeconds: undefined }), {} as never);

    // Assess
    expect(expiresAt).toBe('2025-05-08T12:00:00.000Z');
  });

  it('rejects an event without evidence, saying where, and sends nothing', async () => {
    // Act
    const attempt = newHandler()(anEvent({ evidence: { meanWQuantileLoss: 0.1 } }), {} as never);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/^invalid event: evidence\.threshold/) });
    expect(await mailer.list()).toEqual([]);
    expect(await store.listPending()).toEqual([]);
  });

  // Issue 11 item 7d: the approver is no longer only what the clicker types.
  it('records who the link was sent to', async () => {
    // Prepare
    const bytes = Buffer.alloc(ID_BYTES, 3);
    const handler = createHandler({ store: () => store, mailer: () => mailer, baseUrl: () => BASE, now: () => T0, randomBytes: () => bytes, sentTo: async () => ['ops@example.com'], logger: aLoudLogger() });

    // Act
    await handler(anEvent(), {} as never);

    // Assess
    expect(await store.get(hashApprovalId(bytes.toString('base64url')))).toMatchObject({ sentTo: ['ops@example.com'], status: 'pending' });
  });

  // Issue 13 item 1: a decision carried over from the execution this one resumes answers the wait.
  it('answers the wait with a decision carried to this execution: no new link, the decision delivered with this wait\'s token', async () => {
    // Prepare
    const decided = aRequest({ idHash: 'b'.repeat(64), executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:approval:run-0', status: 'rejected', decision: { status: 'rejected', by: 'officer', at: T0.toISOString(), from: 'terminal' } });
    await store.create(carriedRequest(decided, AN_EXECUTION, T0.toISOString()));
    const calls: unknown[] = [];
    const callbacks: TaskCallbacks = {
      sendTaskSuccess: async (token, output) => void calls.push({ token, output }),
      sendTaskFailure: async (token, error, cause) => void calls.push({ token, error, cause }),
    };
    const handler = createHandler({ store: () => store, mailer: () => mailer, baseUrl: () => BASE, now: () => T0, callbacks: () => callbacks, logger: aLoudLogger() });

    // Act
    const result = await handler(anEvent(), {} as never);

    // Assess
    expect(result.idHash).toBe(carriedRequestHash(AN_EXECUTION, 'staging'));
    expect(await mailer.list()).toEqual([]);
    expect(calls).toEqual([{ token: A_TOKEN, error: 'ApprovalRejected', cause: `rejected by officer at ${T0.toISOString()}` }]);
    expect(await store.get(result.idHash)).toMatchObject({ status: 'rejected', taskToken: A_TOKEN, delivery: { state: 'delivered' } });
    expect(await store.listPending()).toEqual([]);
  });
});
