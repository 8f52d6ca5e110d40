import { ApprovalConflictError, ApprovalNotFoundError } from '../../../src/core/errors';
import { SqliteApprovalStore } from '../../../local/adapters/sqlite-approval-store';
import { AN_EXECUTION, T0, aRequest } from '../../builders/approvals';
import { aTwinHome } from '../../builders/twin-home';

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

describe('Function: SqliteApprovalStore', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteApprovalStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteApprovalStore(home.db);
  });
  afterEach(() => home.dispose());

  it('stores and reads a request back as it was', async () => {
    // Prepare
    const request = aRequest();

    // Act
    await store.create(request);

    // Assess
    expect(await store.get(request.idHash)).toEqual(request);
    expect(await store.get('b'.repeat(64))).toBeUndefined();
  });

  it('records a decision once, with who, when and from where', async () => {
    // Prepare
    await store.create(aRequest());
    const decision = { status: 'approved' as const, by: 'alice', at: at(5), from: '127.0.0.1 (curl/8)' };

    // Act
    const decided = await store.decide('a'.repeat(64), decision);

    // Assess
    expect(decided).toMatchObject({ status: 'approved', decision });
    expect(await store.get('a'.repeat(64))).toEqual(decided);
  });

  it('refuses a second decision, saying who decided first', async () => {
    // Prepare
    await store.create(aRequest());
    await store.decide('a'.repeat(64), { status: 'approved', by: 'alice', at: at(5), from: '127.0.0.1' });

    // Act
    const second = store.decide('a'.repeat(64), { status: 'rejected', by: 'bob', at: at(6), from: '127.0.0.2' });

    // Assess
    await expect(second).rejects.toBeInstanceOf(ApprovalConflictError);
    await expect(second).rejects.toMatchObject({
      name: 'ApprovalConflictError',
      message: `this model was already approved by alice at ${at(5)} from 127.0.0.1`,
      request: { status: 'approved', decision: { by: 'alice' } },
    });
  });

  it('refuses a decision at or after the expiry, saying when the link expired', async () => {
    // Prepare
    const request = aRequest({ expiresAt: at(60) });
    await store.create(request);

    // Act
    const late = store.decide(request.idHash, { status: 'approved', by: 'alice', at: at(60), from: 'x' });

    // Assess
    await expect(late).rejects.toMatchObject({ name: 'ApprovalConflictError', message: `this link expired at ${at(60)}`, request: { status: 'pending' } });
  });

  it('throws ApprovalNotFoundError for an unknown hash', async () => {
    await expect(store.decide('f'.repeat(64), { status: 'approved', by: 'a', at: at(1), from: 'x' })).rejects.toBeInstanceOf(ApprovalNotFoundError);
    await expect(store.expire('f'.repeat(64), at(1))).rejects.toMatchObject({ name: 'ApprovalNotFoundError' });
  });

  it('expires a pending request, and an expired one cannot be decided', async () => {
    // Prepare
    await store.create(aRequest());

    // Act
    const expired = await store.expire('a'.repeat(64), at(10));

    // Assess
    expect(expired).toMatchObject({ status: 'expired', expiredAt: at(10) });
    await expect(store.decide('a'.repeat(64), { status: 'approved', by: 'a', at: at(11), from: 'x' })).rejects.toMatchObject({
      message: `this link expired at ${at(10)}: the pipeline stopped waiting`,
    });
  });

  it('does not expire a decided request', async () => {
    // Prepare
    await store.create(aRequest());
    await store.decide('a'.repeat(64), { status: 'rejected', by: 'bob', at: at(1), from: 'x' });

    // Act
    const after = await store.expire('a'.repeat(64), at(10));

    // Assess
    expect(after.status).toBe('rejected');
  });

  it("expires only the pending requests of one execution's stage", async () => {
    // Prepare
    await store.create(aRequest({ idHash: '1'.repeat(64) }));
    await store.create(aRequest({ idHash: '2'.repeat(64), stage: 'production' }));
    await store.create(aRequest({ idHash: '3'.repeat(64), executionArn: `${AN_EXECUTION}-other` }));
    await store.create(aRequest({ idHash: '4'.repeat(64) }));
    await store.decide('4'.repeat(64), { status: 'approved', by: 'a', at: at(1), from: 'x' });

    // Act
    const expired = await store.expirePendingFor(AN_EXECUTION, 'staging', at(10));

    // Assess
    expect(expired.map((r) => r.idHash)).toEqual(['1'.repeat(64)]);
    expect((await store.listPending()).map((r) => r.idHash).sort()).toEqual(['2'.repeat(64), '3'.repeat(64)]);
  });

  it('lists pending requests newest first', async () => {
    // Prepare
    await store.create(aRequest({ idHash: '1'.repeat(64), createdAt: at(1) }));
    await store.create(aRequest({ idHash: '2'.repeat(64), createdAt: at(3) }));
    await store.create(aRequest({ idHash: '3'.repeat(64), createdAt: at(2) }));

    // Act
    const pending = await store.listPending();

    // Assess
    expect(pending.map((r) => r.idHash)).toEqual(['2', '3', '1'].map((c) => c.repeat(64)));
  });

  it('lets exactly one of many concurrent decisions win', async () => {
    // Prepare
    await store.create(aRequest());

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.decide('a'.repeat(64), { status: 'approved', by: `p${i}`, at: at(1), from: 'x' })),
    );

    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(9);
  });
});
