import { approvalIdFrom, hashApprovalId, notWaitingMessage } from '../../src/core/approval';
import { TaskNoLongerWaitingError } from '../../src/ports/errors';
import type { TaskCallbacks } from '../../src/ports/task-callbacks';
import { redeliverDecisions } from '../../src/use-cases/redeliver-decisions';
import { readAllowedApprovers } from '../../src/use-cases/allowed-approvers';
import SEND_TASK_ERRORS from '../fixtures/aws/sfn-send-task-errors.json';
import { approverName, decideApproval, type DecideApprovalInput } from '../../src/use-cases/decide-approval';
import { expireApproval } from '../../src/use-cases/expire-approval';
import { ID_BYTES, requestApproval, type RequestApprovalInput } from '../../src/use-cases/request-approval';
import { AN_EXECUTION, A_PACKAGE, A_TOKEN, T0, aRequest, anApprovalInput } from '../builders/approvals';
import { InMemoryApprovalStore, InMemoryParameterStore, RecordingCallbacks, RecordingMailer } from './fakes';

const ID = approvalIdFrom(Buffer.alloc(ID_BYTES, 42));

/** Callbacks whose first `failures` sends fail with throttling, as Step Functions can answer. */
class FlakyCallbacks implements TaskCallbacks {
  readonly calls: Array<{ kind: 'success' | 'failure'; token: string }> = [];
  constructor(private failures: number) {}
  async sendTaskSuccess(token: string): Promise<void> {
    this.record('success', token);
  }
  async sendTaskFailure(token: string): Promise<void> {
    this.record('failure', token);
  }
  private record(kind: 'success' | 'failure', token: string): void {
    this.calls.push({ kind, token });
    if (this.failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  }
}
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
  const INPUT = anApprovalInput();

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

  // Issue 11 item 2: the callback failing used to throw after the decision was stored, and a second
  // click got 409: the decision never reached Step Functions. Now it stays pending delivery.
  it('keeps a decision whose callback failed pending delivery, and a second click delivers that same decision', async () => {
    // Prepare
    const flaky = new FlakyCallbacks(1);
    const { store, decide } = await aPendingApproval(flaky as unknown as RecordingCallbacks);

    // Act
    const first = await decide({ decision: 'approve', approver: 'alice' });
    const second = await decide({ decision: 'reject', approver: 'mallory' }, new Date(AN_HOUR_LATER.getTime() + 1000));
    const third = await decide({ decision: 'reject', approver: 'mallory' }, new Date(AN_HOUR_LATER.getTime() + 2000));

    // Assess
    expect(first).toMatchObject({ kind: 'pending-delivery', error: 'ThrottlingException', request: { status: 'approved', delivery: { state: 'pending', lastError: 'ThrottlingException' } } });
    expect(second).toMatchObject({ kind: 'conflict', redelivery: 'delivered', message: expect.stringContaining('already approved by alice') });
    expect(third).toMatchObject({ kind: 'conflict', message: expect.stringContaining('already approved by alice') });
    expect((third as { redelivery?: string }).redelivery).toBeUndefined();
    // Two sends of the one decision (the failed one and the one that arrived), never the rejection.
    expect(flaky.calls.map((c) => c.kind)).toEqual(['success', 'success']);
    expect(await store.get(hashApprovalId(ID))).toMatchObject({ status: 'approved', decision: { by: 'alice' }, delivery: { state: 'delivered', attempts: 2 } });
  });

  it('a click while another delivers the decision sends nothing (its claim is held)', async () => {
    // Prepare
    const { store, callbacks, decide } = await aPendingApproval();
    const request = (await store.get(hashApprovalId(ID)))!;
    await store.decide(request.idHash, { status: 'approved', by: 'alice', at: AN_HOUR_LATER.toISOString(), from: 'terminal' });

    // Act: a second request within the first one's lease
    const outcome = await decide({}, new Date(AN_HOUR_LATER.getTime() + 5_000));

    // Assess
    expect(outcome).toMatchObject({ kind: 'conflict', redelivery: 'busy' });
    expect(callbacks.calls).toEqual([]);
  });

  it.each(SEND_TASK_ERRORS.errors.filter((e) => e.noLongerWaiting).map((e) => e.name))(
    'settles the decision as not-waiting when Step Functions answers %s, saying so',
    async (reason) => {
      // Prepare
      const { store, decide } = await aPendingApproval(new RecordingCallbacks({ failWith: new TaskNoLongerWaitingError(reason) }));

      // Act
      const outcome = await decide();

      // Assess
      expect(outcome).toMatchObject({ kind: 'not-waiting', reason });
      expect(notWaitingMessage(reason)).toContain(`${reason}`);
      expect(await store.get(hashApprovalId(ID))).toMatchObject({ status: 'approved', delivery: { state: 'not-waiting', lastError: reason } });
    },
  );

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

describe('Use case: redeliverDecisions (the scheduled sweep)', () => {
  it('sends every undelivered decision again, once, as it was recorded', async () => {
    // Prepare: two decisions whose first send failed, one delivered
    const flaky = new FlakyCallbacks(2);
    const store = new InMemoryApprovalStore();
    const ids = [1, 2, 3].map((n) => approvalIdFrom(Buffer.alloc(ID_BYTES, n)));
    for (const [n, id] of ids.entries()) await store.create(aRequest({ idHash: hashApprovalId(id), taskToken: `token-${n}` }));
    for (const [n, id] of ids.entries()) {
      await decideApproval({ store, callbacks: flaky, now: AN_HOUR_LATER }, { id, decision: n === 1 ? 'reject' : 'approve', approver: 'alice', from: 'terminal' });
    }

    // Act
    const swept = await redeliverDecisions({ store, callbacks: flaky, now: new Date(AN_HOUR_LATER.getTime() + 300_000) });
    const again = await redeliverDecisions({ store, callbacks: flaky, now: new Date(AN_HOUR_LATER.getTime() + 600_000) });

    // Assess
    expect(swept).toEqual({ delivered: [hashApprovalId(ids[0]), hashApprovalId(ids[1])], notWaiting: [], failed: [], busy: [] });
    expect(again).toEqual({ delivered: [], notWaiting: [], failed: [], busy: [] });
    expect(flaky.calls).toEqual([
      { kind: 'success', token: 'token-0' },
      { kind: 'failure', token: 'token-1' },
      { kind: 'success', token: 'token-2' },
      { kind: 'success', token: 'token-0' },
      { kind: 'failure', token: 'token-1' },
    ]);
  });
});

describe('Use case: readAllowedApprovers', () => {
  it('reads the allow-list from the run-time parameter; none when it is absent or empty', async () => {
    const parameters = new InMemoryParameterStore();
    expect(await readAllowedApprovers(parameters, '/p/')).toEqual([]);
    await parameters.put('/p/approval/allowed-approvers', ' Ops@Example.com,risk@example.com\nlead@example.com ');
    expect(await readAllowedApprovers(parameters, '/p/')).toEqual(['ops@example.com', 'risk@example.com', 'lead@example.com']);
    await parameters.put('/p/approval/allowed-approvers', ' ', { overwrite: true });
    expect(await readAllowedApprovers(parameters, '/p')).toEqual([]);
  });

  it('lets decideApproval refuse an approver not on the list before anything is recorded', async () => {
    const { store, callbacks, decide } = await aPendingApproval();
    const outcome = await decide({ approver: 'Mallory', allowedApprovers: ['ops@example.com'] });
    expect(outcome).toEqual({ kind: 'not-allowed', approver: 'Mallory' });
    expect((await store.get(hashApprovalId(ID)))?.status).toBe('pending');
    expect(callbacks.calls).toEqual([]);
  });
});
