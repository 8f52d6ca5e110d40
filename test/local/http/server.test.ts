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
