import { createServer, request, type Server } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AddressInfo } from 'node:net';
import { approvalIdFrom, hashApprovalId } from '../../../src/core/approval';
import type { TaskCallbacks } from '../../../src/ports/task-callbacks';
import { createHandler } from '../../../functions/approval-api';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { SqliteApprovalStore } from '../../../local/adapters/sqlite-approval-store';
import { approvalRoutes, type Route } from '../../../local/http/approval-routes';
import { createHttpServer } from '../../../local/http/server';
import { T0, aReport, aRequest } from '../../builders/approvals';
import { aTwinHome } from '../../builders/twin-home';

const ID = approvalIdFrom(Buffer.alloc(16, 5));

/** A bare server dispatching to the routes, as local/http/server.ts does. */
function serve(routes: Route[]): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    for (const route of routes) {
      const match = route.method === req.method ? route.pattern.exec(path) : null;
      if (match) return void route.handle(req, res, match).catch(() => res.writeHead(500).end());
    }
    res.writeHead(404).end();
  });
}

describe('Function: approvalRoutes', () => {
  let home: ReturnType<typeof aTwinHome>;
  let server: Server;
  let base: string;
  let store: SqliteApprovalStore;
  const sent: string[] = [];

  beforeEach(async () => {
    home = aTwinHome();
    store = new SqliteApprovalStore(home.db);
    const objectStore = new FsObjectStore(home.objectsDir);
    await objectStore.put('s3://artifacts/r.json', JSON.stringify(aReport()));
    await store.create(aRequest({ idHash: hashApprovalId(ID), reportUri: 's3://artifacts/r.json' }));
    const callbacks: TaskCallbacks = {
      sendTaskSuccess: async (_token, output) => void sent.push(JSON.stringify(output)),
      sendTaskFailure: async (_token, error) => void sent.push(error),
    };
    sent.length = 0;
    const handler = createHandler({ store: () => store, callbacks: () => callbacks, objectStore: () => objectStore, now: () => T0, logger: new Logger({ logLevel: 'SILENT' }) });
    server = serve(approvalRoutes(handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    home.dispose();
  });

  it('serves the approval page on GET through the Lambda handler', async () => {
    // Act
    const response = await fetch(`${base}/approvals/${ID}`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain(`action="/approvals/${ID}"`);
    expect(sent).toEqual([]);
  });

  it('decides on a form POST, recording the client address and user agent, then refuses a replay', async () => {
    // Prepare
    const post = () =>
      fetch(`${base}/approvals/${ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'route-test/1' },
        body: 'decision=approve&approver=carol',
      });

    // Act
    const first = await post();
    const replay = await post();

    // Assess
    expect(first.status).toBe(200);
    expect(replay.status).toBe(409);
    expect(sent).toHaveLength(1);
    expect((await store.get(hashApprovalId(ID)))?.decision).toMatchObject({ by: 'carol', from: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1 \(route-test\/1\)$/) });
  });

  it('answers 404 for an unknown id', async () => {
    expect((await fetch(`${base}/approvals/${approvalIdFrom(Buffer.alloc(16, 6))}`)).status).toBe(404);
  });

  it('behind the twin\'s server, refuses a rebound host\'s or a foreign origin\'s POST and records nothing', async () => {
    // Prepare: the repro, a page of attacker.example rebound to 127.0.0.1 posting the decision
    const handler = createHandler({
      store: () => store, objectStore: () => new FsObjectStore(home.objectsDir), now: () => T0, logger: new Logger({ logLevel: 'SILENT' }),
      callbacks: () => ({ sendTaskSuccess: async () => void sent.push('success'), sendTaskFailure: async () => void sent.push('failure') }),
    });
    const twin = await createHttpServer({ routes: approvalRoutes(handler) });
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${twin.url}/approvals/${ID}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end('decision=approve&approver=mallory');
      });
    try {
      // Act
      const rebound = await post({ host: `attacker.example:${twin.port}`, origin: `http://attacker.example:${twin.port}` });
      const crossSite = await post({ origin: 'http://attacker.example' });
      // Assess
      expect([rebound, crossSite]).toEqual([421, 403]);
      expect(sent).toEqual([]);
      expect((await store.get(hashApprovalId(ID)))?.status).toBe('pending');
      // ...while the twin's own page still decides
      expect(await post({ origin: twin.url })).toBe(200);
      expect(sent).toEqual(['success']);
    } finally {
      await twin.close();
    }
  });

  it('refuses an oversized body with 413', async () => {
    const response = await fetch(`${base}/approvals/${ID}`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
    expect((await store.get(hashApprovalId(ID)))?.status).toBe('pending');
  });
});
