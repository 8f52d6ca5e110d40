import { approvalIdFrom, hashApprovalId } from '../../src/core/approval';
import { approverName, decideApproval, type DecideApprovalInput } from '../../src/use-cases/decide-approval';
import { expireApproval } from '../../src/use-cases/expire-approval';
import { ID_BYTES, requestApproval, type RequestApprovalInput } from '../../src/use-cases/request-approval';
import { AN_EXECUTION, A_PACKAGE, A_TOKEN, T0, aRequest } from '../builders/approvals';
import { InMemoryApprovalStore, RecordingCallbacks, RecordingMailer } from './fakes';

const ID = approvalIdFrom(Buffer.alloc(ID_BYTES, 42));
const AN_HOUR_LATER = new Date(T0.getTime() + 3_600_000);

/** A store holding one pending request for staging, reachable by ID, expiring a week after T0. */
async function aPendingApproval(callbacks = new RecordingCallbacks()) {
  const store = new InMemoryApprovalStore();
  await store.create(aRequest({ idHash: hashApprovalId(ID) }));
  const decide = (input: Partial<DecideApprovalInput> = {}, now = AN_HOUR_LATER) =>
    decideApproval({ store, callbacks, now }, { id: ID, decision: 'approve', approver: 'alice', from: 'terminal', ...input });
  return { store, callbacks, decide };
}

describe('Use case: requestApproval', () => {
  const INPUT: RequestApprovalInput = {
    taskToken: A_TOKEN,
    executionArn: AN_EXECUTION,
    stage: 'staging',
    modelPackageArn: A_PACKAGE,
    reportUri: 's3://artifacts/training/job-1/evaluation.json',
    evidence: { meanWQuantileLoss: 0.0812, threshold: 0.12, seasonalNaiveLoss: 0.143, stageLoss: null, rmse: 3.41 },
    timeoutSeconds: 3600,
  };

  it('stores the request under the hash of a random id and mails a link carrying the id, never the token', async () => {
    // Prepare
    const store = new InMemoryApprovalStore();
    const mailer = new RecordingMailer();
    const sizes: number[] = [];

    // Act
    const result = await requestApproval(
      { store, mailer, baseUrl: 'http://127.0.0.1:8787/', now: T0, randomBytes: (n) => (sizes.push(n), Buffer.alloc(n, 42)) },
      INPUT,
    );

    // Assess
    expect(sizes).toEqual([32]);
    expect(result).toEqual({ idHash: hashApprovalId(ID), expiresAt: '2025-05-01T13:00:00.000Z', messageId: 'message-1' });
    expect(await store.get(hashApprovalId(ID))).toMatchObject({ taskToken: A_TOKEN, status: 'pending', createdAt: T0.toISOString(), expiresAt: '2025-05-01T13:00:00.000Z' });
    const [mail] = mailer.sent;
    expect(mail.subject).toBe('Approve the model for staging? mean wQuantileLoss 0.0812 (threshold 0.12)');
    expect(mail.text).toContain(`http://127.0.0.1:8787/approvals/${ID}\n`);
    expect(mail.text).toMatch(/^Model now in staging: +none deployed$/m);
    expect(JSON.stringify([mail, result])).not.toContain(A_TOKEN);
  });
});

describe('Use case: decideApproval', () => {
  it('records an approval and sends the success callback exactly once', async () => {
    // Prepare
    const { store, callbacks, decide } = await aPendingApproval();

    // Act
    const outcome = await decide({ approver: 'Alice Martin' });

    // Assess
    expect(outcome).toMatchObject({ kind: 'done', request: { status: 'approved', decision: { by: 'Alice Martin', at: AN_HOUR_LATER.toISOString(), from: 'terminal' } } });
    expect(callbacks.calls).toEqual([{ kind: 'success', token: A_TOKEN, payload: { approved: true, stage: 'staging', decidedBy: 'Alice Martin', decidedAt: AN_HOUR_LATER.toISOString() } }]);
    expect((await store.get(hashApprovalId(ID)))?.status).toBe('approved');
  });

  it('completes the wait with ApprovalRejected on a rejection', async () => {
    // Prepare
    const { callbacks, decide } = await aPendingApproval();

    // Act
    await decide({ decision: 'reject', approver: 'bob' });

    // Assess
    expect(callbacks.calls).toEqual([{ kind: 'failure', token: A_TOKEN, payload: { error: 'ApprovalRejected', cause: `rejected by bob at ${AN_HOUR_LATER.toISOString()}` } }]);
  });

  it('refuses a second decision, saying who decided first, with no second callback', async () => {
    // Prepare
    const { callbacks, decide } = await aPendingApproval();
    await decide({ approver: 'alice' });

    // Act
    const second = await decide({ decision: 'reject', approver: 'bob' });

    // Assess
    expect(second).toMatchObject({ kind: 'conflict', message: `this model was already approved by alice at ${AN_HOUR_LATER.toISOString()} from terminal` });
    expect(callbacks.calls).toHaveLength(1);
  });

  it('refuses a decision at or after the expiry', async () => {
    // Prepare
    const { callbacks, decide } = await aPendingApproval();
    const expiry = new Date(T0.getTime() + 7 * 24 * 3_600_000);

    // Act
    const outcome = await decide({}, expiry);

    // Assess
    expect(outcome).toMatchObject({ kind: 'conflict', message: `this link expired at ${expiry.toISOString()}` });
    expect(callbacks.calls).toEqual([]);
  });

  it('finds nothing for an unknown id', async () => {
    // Prepare
    const { callbacks, decide } = await aPendingApproval();

    // Act
    const outcome = await decide({ id: approvalIdFrom(Buffer.alloc(32, 1)) });

    // Assess
    expect(outcome).toEqual({ kind: 'not-found' });
    expect(callbacks.calls).toEqual([]);
  });

  it('records the decision but says the pipeline had stopped waiting when its wait is over', async () => {
    // Prepare
    const { store, decide } = await aPendingApproval(new RecordingCallbacks({ waiting: false }));

    // Act
    const outcome = await decide();

    // Assess
    expect(outcome).toMatchObject({ kind: 'not-waiting', request: { status: 'approved' } });
    expect((await store.get(hashApprovalId(ID)))?.status).toBe('approved');
  });

  it('passes on any other failure of the callback', async () => {
    // Prepare
    const { decide } = await aPendingApproval(new RecordingCallbacks({ failWith: Object.assign(new Error('throttled'), { name: 'ThrottlingException' }) }));

    // Act / Assess
    await expect(decide()).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it.each([
    ['', 'anonymous'],
    ['  Alice\u0000\nMartin  ', 'Alice Martin'],
    ['x'.repeat(300), 'x'.repeat(200)],
  ])('records the approver %j as %j', (typed, recorded) => {
    expect(approverName(typed)).toBe(recorded);
  });
});

describe('Use case: expireApproval', () => {
  it("expires the pending request of the execution's stage only; its link then refuses decisions", async () => {
    // Prepare
    const { store, decide } = await aPendingApproval();
    await store.create(aRequest({ idHash: '9'.repeat(64), stage: 'production' }));
    const at = new Date('2025-05-02T12:00:00.000Z');

    // Act
    const result = await expireApproval({ store, now: at }, { executionArn: AN_EXECUTION, stage: 'staging' });

    // Assess
    expect(result).toEqual({ expired: [hashApprovalId(ID)], count: 1 });
    expect((await store.get('9'.repeat(64)))?.status).toBe('pending');
    expect(await decide({}, at)).toMatchObject({ kind: 'conflict', message: `this link expired at ${at.toISOString()}: the pipeline stopped waiting` });
  });
});
