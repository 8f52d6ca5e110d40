import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { approvalIdFrom, hashApprovalId } from '../../src/core/approval';
import { TaskNoLongerWaitingError } from '../../src/ports/errors';
import { ALLOWED_APPROVERS_PARAMETER } from '../../src/core/approval';
import { readAllowedApprovers } from '../../src/use-cases/allowed-approvers';
import { InMemoryParameterStore } from '../use-cases/fakes';
import type { TaskCallbacks } from '../../src/ports/task-callbacks';
import { createHandler } from '../../functions/approval-api';
import { createHandler as createExpireHandler } from '../../functions/expire-approval';
import { createHandler as createRedeliverHandler } from '../../functions/redeliver-decisions';
import { FsObjectStore } from '../../local/adapters/fs-object-store';
import { SqliteApprovalStore } from '../../local/adapters/sqlite-approval-store';
import { AN_EXECUTION, A_TOKEN, T0, aReport, aRequest } from '../builders/approvals';
import { aTwinHome } from '../builders/twin-home';
import { aLoudLogger, aSilentLogger, captureOutput } from './logs';

const ID = approvalIdFrom(Buffer.alloc(32, 42));
const REPORT_URI = 's3://artifacts/training/job-1/evaluation.json';

/** A recording TaskCallbacks: what the decision sent to the pipeline. */
function recordingCallbacks(fail?: Error) {
  const calls: Array<{ kind: 'success' | 'failure'; token: string; payload: unknown }> = [];
  const callbacks: TaskCallbacks = {
    async sendTaskSuccess(token, output) {
      calls.push({ kind: 'success', token, payload: output });
      if (fail) throw fail;
    },
    async sendTaskFailure(token, error, cause) {
      calls.push({ kind: 'failure', token, payload: { error, cause } });
      if (fail) throw fail;
    },
  };
  return { callbacks, calls };
}

function anEvent(method: 'GET' | 'POST', options: { id?: string; body?: string; base64?: boolean } = {}): APIGatewayProxyEventV2 {
  const id = options.id ?? ID;
  const body = options.body;
  return {
    version: '2.0',
    routeKey: `${method} /approvals/{id}`,
    rawPath: `/approvals/${id}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 test' },
    pathParameters: { id },
    requestContext: { http: { method, path: `/approvals/${id}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'Mozilla/5.0 test' } },
    body: body === undefined ? undefined : options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: !!options.base64,
  } as unknown as APIGatewayProxyEventV2;
}

describe('Function: approval-api handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteApprovalStore;
  let objectStore: FsObjectStore;
  let recorded: ReturnType<typeof recordingCallbacks>;
  let clock: Date;
  let logs: string[];

  const newHandler = (callbacks = recorded.callbacks) =>
    createHandler({ store: () => store, callbacks: () => callbacks, objectStore: () => objectStore, now: () => clock, logger: aLoudLogger() });
  const rowOf = (hash: string) => JSON.stringify(home.db.prepare('SELECT * FROM approval_requests WHERE id_hash = ?').get(hash));

  beforeEach(async () => {
    home = aTwinHome();
    store = new SqliteApprovalStore(home.db);
    objectStore = new FsObjectStore(home.objectsDir);
    await objectStore.put(REPORT_URI, JSON.stringify(aReport()));
    await store.create(aRequest({ idHash: hashApprovalId(ID), reportUri: REPORT_URI, expiresAt: '2025-05-02T12:00:00.000Z' }));
    recorded = recordingCallbacks();
    clock = new Date(T0.getTime() + 60_000);
    logs = captureOutput();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    home.dispose();
  });

  it('GET shows the approval page and changes nothing', async () => {
    // Prepare
    const before = rowOf(hashApprovalId(ID));

    // Act
    const first = await newHandler()(anEvent('GET'), {} as never);
    const second = await newHandler()(anEvent('GET'), {} as never);

    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toContain(`<form method="post" action="/approvals/${ID}">`);
    expect(first.body).toContain('band-30-70');
    expect(second.body).toBe(first.body);
    expect(rowOf(hashApprovalId(ID))).toBe(before);
    expect(recorded.calls).toEqual([]);
  });

  it('approve records the decision and sends the success callback exactly once', async () => {
    // Act
    const response = await newHandler()(anEvent('POST', { body: 'decision=approve&approver=Alice+Martin' }), {} as never);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('The model is approved for staging');
    expect(recorded.calls).toEqual([
      { kind: 'success', token: A_TOKEN, payload: { approved: true, stage: 'staging', decidedBy: 'Alice Martin', decidedAt: clock.toISOString() } },
    ]);
    expect(await store.get(hashApprovalId(ID))).toMatchObject({
      status: 'approved',
      decision: { by: 'Alice Martin', at: clock.toISOString(), from: '203.0.113.9 (Mozilla/5.0 test)' },
    });
  });

  it('reads a base64-encoded form body as API Gateway sends it, and records "anonymous" without a name', async () => {
    // Act
    const response = await newHandler()(anEvent('POST', { body: 'decision=approve&approver=', base64: true }), {} as never);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(recorded.calls).toHaveLength(1);
    expect((await store.get(hashApprovalId(ID)))?.decision?.by).toBe('anonymous');
  });

  it('reject sends the failure callback with ApprovalRejected', async () => {
    // Act
    const response = await newHandler()(anEvent('POST', { body: 'decision=reject&approver=bob' }), {} as never);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('The model is rejected');
    expect(recorded.calls).toEqual([
      { kind: 'failure', token: A_TOKEN, payload: { error: 'ApprovalRejected', cause: `rejected by bob at ${clock.toISOString()}` } },
    ]);
  });

  it('a double click gets 409 saying what happened, and no second callback', async () => {
    // Prepare
    const handler = newHandler();
    await handler(anEvent('POST', { body: 'decision=approve&approver=alice' }), {} as never);

    // Act
    const second = await handler(anEvent('POST', { body: 'decision=reject&approver=bob' }), {} as never);

    // Assess
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain(`this model was already approved by alice at ${clock.toISOString()}`);
    expect(second.body).not.toContain('<form');
    expect(recorded.calls).toHaveLength(1);
  });

  it('concurrent clicks decide once and call back once', async () => {
    // Prepare
    const handler = newHandler();

    // Act
    const responses = await Promise.all(Array.from({ length: 5 }, () => handler(anEvent('POST', { body: 'decision=approve' }), {} as never)));

    // Assess
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(recorded.calls).toHaveLength(1);
  });

  it('an expired link gets 409 "expired" and no callback', async () => {
    // Prepare
    clock = new Date('2025-05-02T12:00:00.000Z');

    // Act
    const response = await newHandler()(anEvent('POST', { body: 'decision=approve' }), {} as never);
    const page = await newHandler()(anEvent('GET'), {} as never);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('this link expired at 2025-05-02T12:00:00.000Z');
    expect(page.body).toContain('This link expired at 2025-05-02T12:00:00.000Z');
    expect(page.body).not.toContain('<form');
    expect(recorded.calls).toEqual([]);
  });

  it.each([
    ['an unknown id', approvalIdFrom(Buffer.alloc(32, 1))],
    ['a tampered id', `${ID.slice(0, -1)}${ID.endsWith('A') ? 'B' : 'A'}`],
    ['a malformed id', '..%2F..%2Fetc'],
  ])('%s gets 404 on GET and POST, changing nothing', async (_, id) => {
    // Prepare
    const before = rowOf(hashApprovalId(ID));

    // Act
    const get = await newHandler()(anEvent('GET', { id }), {} as never);
    const post = await newHandler()(anEvent('POST', { id, body: 'decision=approve' }), {} as never);

    // Assess
    expect(get.statusCode).toBe(404);
    expect(post.statusCode).toBe(404);
    expect(get.body).toContain('Approval request not found');
    expect(rowOf(hashApprovalId(ID))).toBe(before);
    expect(recorded.calls).toEqual([]);
  });

  it('a bad decision value gets 400 and changes nothing', async () => {
    // Act
    const response = await newHandler()(anEvent('POST', { body: 'decision=maybe' }), {} as never);

    // Assess
    expect(response.statusCode).toBe(400);
    expect((await store.get(hashApprovalId(ID)))?.status).toBe('pending');
    expect(recorded.calls).toEqual([]);
  });

  it('explains a decision made after the pipeline stopped waiting', async () => {
    // Prepare
    const late = recordingCallbacks(Object.assign(new Error('timed out'), { name: 'TaskNoLongerWaitingError' }));

    // Act
    const response = await newHandler(late.callbacks)(anEvent('POST', { body: 'decision=approve' }), {} as never);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('the pipeline had already stopped waiting');
  });

  // Issue 11 item 2: a failed SendTaskSuccess used to leave "approved" stored and a second click got
  // 409: the execution waited out its 7 days. Now the decision stays pending delivery and is sent again.
  it('a failed callback answers 202 "being delivered"; a second click sends the same decision again and never flips it', async () => {
    // Prepare
    const failing = recordingCallbacks(Object.assign(new Error('User is not authorized to perform: states:SendTaskSuccess'), { name: 'AccessDeniedException' }));

    // Act
    const first = await newHandler(failing.callbacks)(anEvent('POST', { body: 'decision=approve&approver=alice' }), {} as never);
    const page = await newHandler()(anEvent('GET'), {} as never);
    clock = new Date(clock.getTime() + 1000);
    const second = await newHandler()(anEvent('POST', { body: 'decision=reject&approver=mallory' }), {} as never);
    const third = await newHandler()(anEvent('POST', { body: 'decision=reject&approver=mallory' }), {} as never);

    // Assess
    expect(first.statusCode).toBe(202);
    expect(first.body).toContain('Your decision is being delivered');
    expect(first.body).toContain('AccessDeniedException');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The decision is being delivered to the pipeline');
    expect(page.body).toContain('<button type="submit" name="decision" value="approve">Send the decision (approved) again</button>');
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('Decision delivered');
    expect(second.body).toContain('already approved by alice');
    expect(third.statusCode).toBe(409);
    expect(recorded.calls).toEqual([
      { kind: 'success', token: A_TOKEN, payload: expect.objectContaining({ approved: true, decidedBy: 'alice' }) },
    ]);
    expect(await store.get(hashApprovalId(ID))).toMatchObject({ status: 'approved', decision: { by: 'alice' }, delivery: { state: 'delivered', attempts: 2 } });
  });

  it.each([
    ['TaskTimedOut', 'its wait had timed out or was already closed'],
    ['TaskDoesNotExist', 'does not exist any more'],
    ['InvalidToken', 'did not accept'],
  ])('answers Step Functions %s clearly on the page, and a second click says the same', async (reason, words) => {
    // Prepare
    const late = recordingCallbacks(new TaskNoLongerWaitingError(reason));

    // Act
    const response = await newHandler(late.callbacks)(anEvent('POST', { body: 'decision=approve' }), {} as never);
    const again = await newHandler()(anEvent('POST', { body: 'decision=approve' }), {} as never);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain(words);
    expect(response.body).toContain(reason);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain(words);
    expect(recorded.calls).toEqual([]);
  });

  it('shows who the link was sent to beside the typed name', async () => {
    // Prepare
    await store.create(aRequest({ idHash: hashApprovalId(`${ID}s`), sentTo: ['ops@example.com', 'risk@example.com'] }));

    // Act
    const response = await newHandler()(anEvent('GET', { id: `${ID}s` }), {} as never);

    // Assess
    expect(response.body).toContain('This link was sent to ops@example.com, risk@example.com.');
  });

  // Issue 11 item 7d (optional part): an allow-list of approvers as a run-time parameter.
  it('with an allow-list, refuses an approver not on it (403, nothing recorded) and accepts one on it, case aside', async () => {
    // Prepare
    const parameters = new InMemoryParameterStore();
    await parameters.put(`/btc-fee/${ALLOWED_APPROVERS_PARAMETER}`, 'ops@example.com, Risk@Example.com');
    const handler = createHandler({
      store: () => store,
      callbacks: () => recorded.callbacks,
      objectStore: () => objectStore,
      allowedApprovers: () => readAllowedApprovers(parameters, '/btc-fee'),
      now: () => clock,
      logger: aLoudLogger(),
    });

    // Act
    const stranger = await handler(anEvent('POST', { body: 'decision=approve&approver=mallory%40example.com' }), {} as never);
    const approver = await handler(anEvent('POST', { body: 'decision=approve&approver=risk%40example.com' }), {} as never);

    // Assess
    expect(stranger.statusCode).toBe(403);
    expect(stranger.body).toContain('is not one of the approvers allowed to decide');
    expect(approver.statusCode).toBe(200);
    expect(recorded.calls).toHaveLength(1);
    expect((await store.get(hashApprovalId(ID)))?.decision?.by).toBe('risk@example.com');
  });

  it('never shows the task token or logs it, nor the link id', async () => {
    // Prepare
    const handler = newHandler();

    // Act
    const pages = [
      await handler(anEvent('GET'), {} as never),
      await handler(anEvent('POST', { body: 'decision=approve&approver=a' }), {} as never),
      await handler(anEvent('POST', { body: 'decision=approve&approver=a' }), {} as never),
      await newHandler(recordingCallbacks(new Error('boom')).callbacks)(anEvent('GET', { id: approvalIdFrom(Buffer.alloc(16, 9)) }), {} as never),
    ];

    // Assess
    expect(logs.length).toBeGreaterThan(0);
    for (const page of pages) expect(page.body).not.toContain(A_TOKEN);
    for (const line of logs) {
      expect(line).not.toContain(A_TOKEN);
      expect(line).not.toContain(ID);
    }
  });

  it('still shows the page without a plot when the report is gone', async () => {
    // Prepare
    await store.create(aRequest({ idHash: hashApprovalId(`${ID}x`), reportUri: 's3://artifacts/missing.json' }));

    // Act
    const response = await newHandler()(anEvent('GET', { id: `${ID}x` }), {} as never);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('could not be read');
  });
});

describe('Function: expire-approval handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteApprovalStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteApprovalStore(home.db);
  });
  afterEach(() => home.dispose());

  it("expires the pending request of the execution's stage; its link then says expired", async () => {
    // Prepare
    await store.create(aRequest({ idHash: hashApprovalId(ID) }));
    await store.create(aRequest({ idHash: '9'.repeat(64), stage: 'production' }));
    const at = new Date('2025-05-08T12:00:00.000Z');
    const handler = createExpireHandler({ store: () => store, now: () => at, logger: aSilentLogger() });

    // Act
    const result = await handler({ executionArn: AN_EXECUTION, stage: 'staging' }, {} as never);

    // Assess
    expect(result).toEqual({ expired: [hashApprovalId(ID)], count: 1 });
    expect(await store.get(hashApprovalId(ID))).toMatchObject({ status: 'expired', expiredAt: at.toISOString() });
    expect((await store.get('9'.repeat(64)))?.status).toBe('pending');
    await expect(store.decide(hashApprovalId(ID), { status: 'approved', by: 'a', at: at.toISOString(), from: 'x' })).rejects.toMatchObject({
      name: 'ApprovalConflictError',
    });
  });

  it('rejects an event without a stage', async () => {
    await expect(createExpireHandler({ store: () => store, logger: aSilentLogger() })({ executionArn: AN_EXECUTION }, {} as never)).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('Function: redeliver-decisions handler (the scheduled sweep)', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteApprovalStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteApprovalStore(home.db);
  });
  afterEach(() => home.dispose());

  it('sends an undelivered decision again from a scheduled event, and says what it did', async () => {
    // Prepare: an approval whose first callback failed
    await store.create(aRequest({ idHash: hashApprovalId(ID) }));
    const at = new Date(T0.getTime() + 60_000);
    const failing = recordingCallbacks(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await createHandler({ store: () => store, callbacks: () => failing.callbacks, objectStore: () => new FsObjectStore(home.objectsDir), now: () => at, logger: aSilentLogger() })(
      anEvent('POST', { body: 'decision=approve&approver=alice' }),
      {} as never,
    );
    const working = recordingCallbacks();
    const sweep = createRedeliverHandler({ store: () => store, callbacks: () => working.callbacks, now: () => new Date(at.getTime() + 300_000), logger: aSilentLogger() });

    // Act
    const result = await sweep({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, {} as never);

    // Assess
    expect(result).toEqual({ delivered: [hashApprovalId(ID)], notWaiting: [], failed: [], busy: [] });
    expect(working.calls).toEqual([{ kind: 'success', token: A_TOKEN, payload: expect.objectContaining({ approved: true, decidedBy: 'alice' }) }]);
    expect(await store.get(hashApprovalId(ID))).toMatchObject({ status: 'approved', delivery: { state: 'delivered' } });
  });
});
