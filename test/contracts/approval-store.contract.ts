/**
 * The ApprovalStore port's contract: one conditional decision per request, expiry, and the pending
 * list the dashboard and `mlops approve` read.
 */
import { DELIVERY_LEASE_MS, UNCLAIMED, carriedRequest, type ApprovalDecision, type ApprovalRequest } from '../../src/core/approval';
import { ApprovalConflictError, ApprovalNotFoundError } from '../../src/core/errors';
import type { ApprovalStore } from '../../src/ports/approval-store';
import { AN_EXECUTION, T0, aRequest } from '../builders/approvals';
import { useSubject, type MakeSubject } from './subject';

const OTHER_EXECUTION = AN_EXECUTION.replace('run-1', 'run-2');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000).toISOString();
const UNKNOWN_HASH = 'f'.repeat(64);

/** The n-th request: its own hash, created n minutes after T0, pending for a day. */
function requestNo(n: number, overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return aRequest({ idHash: n.toString(16).padStart(64, '0'), createdAt: minutes(n), expiresAt: minutes(n + 24 * 60), ...overrides });
}

const approvedBy = (by: string, at: string): ApprovalDecision => ({ status: 'approved', by, at, from: '203.0.113.7' });

export function describeApprovalStoreContract(name: string, makeSubject: MakeSubject<{ store: ApprovalStore }>): void {
  describe(`Contract: ApprovalStore — ${name}`, () => {
    const subject = useSubject(makeSubject);

    describe('create then get', () => {
      it('reads back the request created, and nothing for an unknown hash', async () => {
        const { store } = subject();
        const request = requestNo(1);
        await store.create(request);

        expect(await store.get(request.idHash)).toEqual(request);
        expect(await store.get(UNKNOWN_HASH)).toBeUndefined();
      });

      it('refuses a second request with the same hash and keeps the first', async () => {
        const { store } = subject();
        await store.create(requestNo(1));

        // Each store refuses in its own words (a SQLite constraint, a failed DynamoDB condition): only the refusal is the contract.
        const second = await store.create(requestNo(1, { stage: 'production' })).then(
          () => 'created',
          () => 'refused',
        );

        expect(second).toBe('refused');
        expect(await store.get(requestNo(1).idHash)).toMatchObject({ stage: 'staging' });
      });
    });

    describe('decide: one conditional decision', () => {
      it('records the decision on a pending request and returns the request as decided', async () => {
        const { store } = subject();
        await store.create(requestNo(1));

        const decided = await store.decide(requestNo(1).idHash, approvedBy('alice', minutes(5)));

        expect(decided).toMatchObject({ status: 'approved', decision: approvedBy('alice', minutes(5)) });
        expect(await store.get(requestNo(1).idHash)).toEqual(decided);
      });

      it('keeps a rejection with its comment', async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        const rejection: ApprovalDecision = { status: 'rejected', by: 'bob', at: minutes(5), from: '198.51.100.2', comment: 'loss drifts up at night' };

        await store.decide(requestNo(1).idHash, rejection);

        expect(await store.get(requestNo(1).idHash)).toMatchObject({ status: 'rejected', decision: rejection });
      });

      it('refuses a second decision with ApprovalConflictError carrying the request as it stands', async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        await store.decide(requestNo(1).idHash, approvedBy('alice', minutes(5)));

        const second = store.decide(requestNo(1).idHash, { status: 'rejected', by: 'bob', at: minutes(6), from: '198.51.100.2' });

        await expect(second).rejects.toBeInstanceOf(ApprovalConflictError);
        await expect(second).rejects.toMatchObject({
          name: 'ApprovalConflictError',
          message: `this model was already approved by alice at ${minutes(5)} from 203.0.113.7`,
          request: { status: 'approved', decision: { by: 'alice' } },
        });
      });

      it('refuses a decision at or after the expiry, leaving the request pending', async () => {
        const { store } = subject();
        await store.create(requestNo(1, { expiresAt: minutes(60) }));

        const late = store.decide(requestNo(1).idHash, approvedBy('alice', minutes(60)));

        await expect(late).rejects.toMatchObject({ name: 'ApprovalConflictError', message: `this link expired at ${minutes(60)}`, request: { status: 'pending' } });
        expect(await store.get(requestNo(1).idHash)).toMatchObject({ status: 'pending' });
      });

      it('throws ApprovalNotFoundError for an unknown hash', async () => {
        const { store } = subject();
        await expect(store.decide(UNKNOWN_HASH, approvedBy('alice', minutes(1)))).rejects.toBeInstanceOf(ApprovalNotFoundError);
        await expect(store.expire(UNKNOWN_HASH, minutes(1))).rejects.toMatchObject({ name: 'ApprovalNotFoundError' });
      });
    });

    describe('expiry', () => {
      it('marks a pending request expired, and leaves a decided one as it is', async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        await store.create(requestNo(2));
        await store.decide(requestNo(2).idHash, approvedBy('alice', minutes(5)));

        expect(await store.expire(requestNo(1).idHash, minutes(90))).toMatchObject({ status: 'expired', expiredAt: minutes(90) });
        expect(await store.expire(requestNo(2).idHash, minutes(90))).toMatchObject({ status: 'approved' });
        await expect(store.decide(requestNo(1).idHash, approvedBy('bob', minutes(91)))).rejects.toBeInstanceOf(ApprovalConflictError);
      });

      it("expires only the execution's pending requests for that stage, newest first", async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        await store.create(requestNo(2));
        await store.create(requestNo(3, { stage: 'production' }));
        await store.create(requestNo(4, { executionArn: OTHER_EXECUTION }));
        await store.create(requestNo(5));
        await store.decide(requestNo(5).idHash, approvedBy('alice', minutes(6)));

        const expired = await store.expirePendingFor(AN_EXECUTION, 'staging', minutes(90));

        expect(expired.map((r) => [r.idHash, r.status])).toEqual([
          [requestNo(2).idHash, 'expired'],
          [requestNo(1).idHash, 'expired'],
        ]);
        expect((await store.listPending()).map((r) => r.idHash)).toEqual([requestNo(4).idHash, requestNo(3).idHash]);
        expect(await store.expirePendingFor(AN_EXECUTION, 'staging', minutes(91))).toEqual([]);
      });
    });

    describe('delivery: a decision is recorded pending, sent under a claim, then marked', () => {
      const inLease = (n: number) => new Date(Date.parse(minutes(5)) + n).toISOString();

      it('records a decision with its delivery pending and claimed by the decider for the lease', async () => {
        const { store } = subject();
        await store.create(requestNo(1));

        const decided = await store.decide(requestNo(1).idHash, approvedBy('alice', minutes(5)));

        expect(decided.delivery).toEqual({ state: 'pending', attempts: 1, claimedUntil: inLease(DELIVERY_LEASE_MS), lastAttemptAt: minutes(5) });
        expect((await store.listUndelivered()).map((r) => r.idHash)).toEqual([requestNo(1).idHash]);
      });

      it('lets one sender claim a free delivery at a time, and none once it is delivered', async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        const decided = await store.decide(requestNo(1).idHash, approvedBy('alice', minutes(5)));

        const whileHeld = await store.claimDelivery(requestNo(1).idHash, inLease(1000), inLease(2000));
        await store.recordDelivery(requestNo(1).idHash, { ...decided.delivery!, claimedUntil: UNCLAIMED, lastError: 'ThrottlingException' });
        const claims = await Promise.all([1, 2, 3].map(() => store.claimDelivery(requestNo(1).idHash, minutes(6), minutes(7))));
        await store.recordDelivery(requestNo(1).idHash, { ...decided.delivery!, state: 'delivered', claimedUntil: UNCLAIMED, deliveredAt: minutes(6) });

        expect(whileHeld).toBeUndefined();
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(claims.find(Boolean)!.delivery).toMatchObject({ state: 'pending', attempts: 2, claimedUntil: minutes(7), lastAttemptAt: minutes(6), lastError: 'ThrottlingException' });
        expect(await store.claimDelivery(requestNo(1).idHash, minutes(8), minutes(9))).toBeUndefined();
        expect(await store.listUndelivered()).toEqual([]);
        expect(await store.get(requestNo(1).idHash)).toMatchObject({ status: 'approved', delivery: { state: 'delivered', deliveredAt: minutes(6) } });
      });

      it('treats a claim that ends beyond any lease (taken on another clock, or by a process that died) as free', async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        await store.decide(requestNo(1).idHash, approvedBy('twin clock', minutes(5)));

        // One lease plus a minute before the decision: the claim cannot be a live sender's.
        const earlier = new Date(Date.parse(minutes(5)) - 60_000).toISOString();
        const claimed = await store.claimDelivery(requestNo(1).idHash, earlier, minutes(6));

        expect(claimed?.delivery).toMatchObject({ state: 'pending', claimedUntil: minutes(6), attempts: 2 });
      });

      it('lists the undelivered decisions oldest first, and never a pending request', async () => {
        const { store } = subject();
        for (const n of [1, 2, 3, 4]) await store.create(requestNo(n));
        await store.decide(requestNo(3).idHash, approvedBy('alice', minutes(5)));
        await store.decide(requestNo(1).idHash, { status: 'rejected', by: 'bob', at: minutes(6), from: 'x' });

        expect((await store.listUndelivered()).map((r) => r.idHash)).toEqual([requestNo(1).idHash, requestNo(3).idHash]);
      });

      it('gives a carried decision the token of the wait that resumes it, once', async () => {
        const { store } = subject();
        await store.create(requestNo(1));
        const decided = await store.decide(requestNo(1).idHash, { status: 'rejected', by: 'officer', at: minutes(5), from: 'terminal' });
        const carried = carriedRequest(decided, OTHER_EXECUTION, minutes(10));
        await store.create(carried);

        const attached = await store.attachTaskToken(carried.idHash, 'token-of-the-resumed-wait');
        const again = await store.attachTaskToken(carried.idHash, 'another');

        expect(attached).toMatchObject({ taskToken: 'token-of-the-resumed-wait', status: 'rejected', executionArn: OTHER_EXECUTION, delivery: { state: 'pending', claimedUntil: UNCLAIMED } });
        expect(again).toBeUndefined();
        expect((await store.listForExecution(OTHER_EXECUTION)).map((r) => r.idHash)).toEqual([carried.idHash]);
        expect((await store.listForExecution(AN_EXECUTION)).map((r) => r.status)).toEqual(['rejected']);
      });
    });

    describe('listPending', () => {
      it('lists the pending requests newest first, across pages, those past expiry included', async () => {
        const { store } = subject();
        for (const n of [3, 1, 5, 2, 4, 6]) await store.create(requestNo(n, n === 1 ? { expiresAt: minutes(2) } : {}));
        await store.decide(requestNo(6).idHash, approvedBy('alice', minutes(7)));

        expect((await store.listPending()).map((r) => r.createdAt)).toEqual([5, 4, 3, 2, 1].map(minutes));
      });
    });
  });
}
