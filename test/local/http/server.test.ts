/** The twin's HTTP server: routing, JSON errors, the body limit, and loopback-only listening. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createHttpServer, HttpError, readJson, type Route, type RunningHttpServer, sendJson } from '../../../local/http/server';

const routes: Route[] = [
  { method: 'POST', pattern: /^\/echo$/, handle: async (req, res) => sendJson(res, 200, { got: await readJson(req) }) },
  { method: 'GET', pattern: /^\/items\/(\d+)$/, handle: (_req, res, match) => sendJson(res, 200, { id: Number(match[1]) }) },
  { method: 'GET', pattern: /^\/teapot$/, handle: () => { throw new HttpError(418, 'I am a teapot', 'Teapot'); } },
  { method: 'GET', pattern: /^\/boom$/, handle: () => { throw new Error('kaput'); } },
];

async function post(url: string, body: string, contentType = 'application/json') {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, body: await res.json() };
}

describe('Function: createHttpServer', () => {
  let server: RunningHttpServer;
  beforeAll(async () => {
    server = await createHttpServer({ routes, maxBodyBytes: 1024 });
  });
  afterAll(() => server.close());

  it('routes by method and path, passing the match', async () => {
    const res = await fetch(`${server.url}/items/42?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await expect(res.json()).resolves.toEqual({ id: 42 });
    await expect(post(`${server.url}/echo`, '{"a":1}')).resolves.toEqual({ status: 200, body: { got: { a: 1 } } });
  });

  it.each([
    ['an unknown path', 'GET', '/nowhere', 404, { message: 'No route for GET /nowhere', code: 'NotFound' }],
    ['a wrong method', 'DELETE', '/items/1', 405, { message: 'DELETE is not allowed on /items/1 (allowed: GET)', code: 'MethodNotAllowed' }],
    ['an HttpError', 'GET', '/teapot', 418, { message: 'I am a teapot', code: 'Teapot' }],
    ['any other error', 'GET', '/boom', 500, { message: 'Error: kaput', code: 'InternalError' }],
  ])('answers %s with JSON { message }', async (_, method, path, status, body) => {
    const res = await fetch(`${server.url}${path}`, { method });
    expect(res.status).toBe(status);
    await expect(res.json()).resolves.toEqual(body);
  });

  it('answers 400 for invalid JSON and 415 for another content type', async () => {
    await expect(post(`${server.url}/echo`, '{"a":')).resolves.toMatchObject({ status: 400, body: { message: expect.stringContaining('not valid JSON'), code: 'InvalidJson' } });
    await expect(post(`${server.url}/echo`, 'a=1', 'text/plain')).resolves.toMatchObject({ status: 415, body: { code: 'UnsupportedMediaType' } });
  });

  it('answers 413 beyond the body limit, declared or streamed', async () => {
    await expect(post(`${server.url}/echo`, JSON.stringify({ s: 'x'.repeat(2000) }))).resolves.toMatchObject({ status: 413, body: { code: 'PayloadTooLarge' } });
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('"' + 'y'.repeat(800));
      req.end('y'.repeat(800) + '"');
    });
    expect(chunked).toBe(413);
  });

  it('uses a 1 MiB body limit by default', async () => {
    const defaults = await createHttpServer({ routes });
    try {
      const under = JSON.stringify({ s: 'x'.repeat(1024 * 1024 - 20) });
      await expect(post(`${defaults.url}/echo`, under)).resolves.toMatchObject({ status: 200 });
      await expect(post(`${defaults.url}/echo`, JSON.stringify({ s: 'x'.repeat(1024 * 1024) }))).resolves.toMatchObject({ status: 413 });
    } finally {
      await defaults.close();
    }
  });

  it('listens on 127.0.0.1 only by default', async () => {
    // Assess
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect(server.port, external.address);
        socket.on('connect', () => { socket.destroy(); resolve('connected'); });
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome).toBe('ECONNREFUSED');
    }
  });
});

/** A request with headers fetch() will not set (Host), as a browser tricked by DNS rebinding would send them. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('Function: createHttpServer, DNS rebinding and security headers', () => {
  const calls: string[] = [];
  const guarded: Route[] = [
    { method: 'GET', pattern: /^\/$/, loopbackOnly: true, handle: (_req, res) => void (calls.push('dashboard'), sendJson(res, 200, { page: 'dashboard' })) },
    { method: 'POST', pattern: /^\/decide$/, handle: (_req, res) => void (calls.push('decide'), sendJson(res, 200, { decided: true })) },
  ];
  let server: RunningHttpServer;
  beforeAll(async () => {
    server = await createHttpServer({ routes: guarded });
  });
  beforeEach(() => {
    calls.length = 0;
  });
  afterAll(() => server.close());

  it.each([['127.0.0.1'], ['localhost'], ['[::1]']])('answers the loopback name %s with the port', async (name) => {
    const res = await raw(`${server.url}/`, { headers: { host: `${name}:${server.port}` } });
    expect(res.status).toBe(200);
    expect(calls).toEqual(['dashboard']);
  });

  it.each([
    ['a foreign name', (port: number) => `attacker.example:${port}`],
    ['a loopback name on another port', () => '127.0.0.1:1'],
    ['a loopback name without the port', () => 'localhost'],
  ])('refuses %s in Host with 421 on every route, running nothing', async (_, hostOf) => {
    // Prepare
    const host = hostOf(server.port);
    // Act
    const page = await raw(`${server.url}/`, { headers: { host, accept: 'text/html' } });
    const post = await raw(`${server.url}/decide`, { method: 'POST', headers: { host, origin: `http://${host}` }, body: '{}' });
    // Assess
    expect(page.status).toBe(421);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('does not answer for the host');
    expect(post.status).toBe(421);
    expect(JSON.parse(post.body)).toMatchObject({ code: 'MisdirectedRequest' });
    expect(calls).toEqual([]);
  });

  it('refuses a POST from a foreign Origin with 403, running nothing; its own origin and no origin pass', async () => {
    // Act
    const foreign = await raw(`${server.url}/decide`, { method: 'POST', headers: { origin: 'http://attacker.example' }, body: '{}' });
    const nullOrigin = await raw(`${server.url}/decide`, { method: 'POST', headers: { origin: 'null' }, body: '{}' });
    const nullCrossSite = await raw(`${server.url}/decide`, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'cross-site' }, body: '{}' });
    expect(calls).toEqual([]);
    const own = await raw(`${server.url}/decide`, { method: 'POST', headers: { origin: `http://localhost:${server.port}` }, body: '{}' });
    const none = await raw(`${server.url}/decide`, { method: 'POST', body: '{}' });
    // A no-referrer page's own form: Origin null, and the browser says same-origin
    const ownNoReferrer = await raw(`${server.url}/decide`, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'same-origin' }, body: '{}' });
    // Assess
    expect([foreign.status, nullOrigin.status, nullCrossSite.status]).toEqual([403, 403, 403]);
    expect(JSON.parse(foreign.body)).toEqual({ message: expect.stringContaining('"http://attacker.example" is refused'), code: 'Forbidden' });
    expect([own.status, none.status, ownNoReferrer.status]).toEqual([200, 200, 200]);
    expect(calls).toEqual(['decide', 'decide', 'decide']);
  });

  it.each([['a page', '/'], ['an error', '/nowhere'], ['a refusal', '/']])('sends the security headers with %s', async (what, path) => {
    const res = await raw(`${server.url}${path}`, what === 'a refusal' ? { headers: { host: 'evil.example' } } : {});
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
    });
  });

  it('bound beyond loopback: warns loudly, links never read 0.0.0.0, and loopback-only pages refuse other machines', async () => {
    // Prepare
    const warnings: string[] = [];
    const open = await createHttpServer({ routes: guarded, host: '0.0.0.0', warn: (line) => warnings.push(line) });
    try {
      // Assess
      expect(open.exposed).toBe(true);
      expect(warnings).toEqual([expect.stringContaining('WARNING')]);
      expect(open.url).not.toContain('0.0.0.0');
      expect((await raw(`http://127.0.0.1:${open.port}/`)).status).toBe(200);
      const lan = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
      if (!lan) return console.warn('skipped the other-machine half: this machine has no LAN address');
      expect(open.url).toBe(`http://${lan.address}:${open.port}`);
      const fromLan = await raw(`http://${lan.address}:${open.port}/`, { headers: { accept: 'text/html' } });
      expect(fromLan.status).toBe(403);
      expect(fromLan.body).toContain('served to this machine only');
      const decideFromLan = await raw(`http://${lan.address}:${open.port}/decide`, { method: 'POST', body: '{}' });
      expect(decideFromLan.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('uses the configured public host in its URL and accepts it as Host', async () => {
    const named = await createHttpServer({ routes: guarded, host: '0.0.0.0', publicHost: 'twin.lan', warn: () => undefined });
    try {
      expect(named.url).toBe(`http://twin.lan:${named.port}`);
      expect((await raw(`http://127.0.0.1:${named.port}/decide`, { method: 'POST', headers: { host: `twin.lan:${named.port}`, origin: `http://twin.lan:${named.port}` }, body: '{}' })).status).toBe(200);
    } finally {
      await named.close();
    }
  });

  it('stays quiet on loopback', async () => {
    const warnings: string[] = [];
    const quiet = await createHttpServer({ routes: guarded, warn: (line) => warnings.push(line) });
    await quiet.close();
    expect(quiet.exposed).toBe(false);
    expect(warnings).toEqual([]);
  });
});
