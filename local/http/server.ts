/**
 * The twin's HTTP server: node:http and a tiny router. A route is `{ method, pattern, handle(req, res, match) }`;
 * `pattern` is matched against the path (no query string). A handler answers with `sendJson` or throws an
 * `HttpError` (any other error is a 500); the server turns errors into JSON `{ "message", "code" }`.
 * Bodies are capped (1 MiB by default: 413). It listens on the given host only, loopback by default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PipelineError } from '../../src/core/errors';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface Route {
  method: string;
  pattern: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): void | Promise<void>;
}

export interface HttpServerOptions {
  routes: readonly Route[];
  /** Default 127.0.0.1: the twin is reachable from this machine only unless told otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  maxBodyBytes?: number;
}

export interface RunningHttpServer {
  /** e.g. `http://127.0.0.1:43210` */
  url: string;
  host: string;
  port: number;
  server: Server;
  /** Stops accepting, ends open (keep-alive) connections, resolves once closed. */
  close(): Promise<void>;
}

/** An error with the status to answer; `code` names it for clients (`ModelError`, `ValidationError`, ...). */
export class HttpError extends PipelineError {
  override readonly name = 'HttpError' as const;
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The body limit the server set for a request (read by `readBody`). */
const bodyLimits = new WeakMap<IncomingMessage, number>();

export async function createHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer((req, res) => {
    bodyLimits.set(req, maxBodyBytes);
    dispatch(opts.routes, req, res, maxBodyBytes).catch((e: unknown) => sendError(res, e));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function dispatch(routes: readonly Route[], req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  const matching = routes.map((route) => ({ route, match: route.pattern.exec(path) })).filter((m) => m.match !== null);
  if (matching.length === 0) throw new HttpError(404, `No route for ${req.method} ${path}`, 'NotFound');
  const hit = matching.find((m) => m.route.method === req.method);
  if (!hit) {
    const allowed = [...new Set(matching.map((m) => m.route.method))].join(', ');
    throw new HttpError(405, `${req.method} is not allowed on ${path} (allowed: ${allowed})`, 'MethodNotAllowed', { Allow: allowed });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) throw tooLarge(maxBodyBytes);
  await hit.route.handle(req, res, hit.match!);
}

function tooLarge(max: number): HttpError {
  // The body is left unread: the connection must close after the answer.
  return new HttpError(413, `The request body is larger than ${max} bytes`, 'PayloadTooLarge', { Connection: 'close' });
}

/** The request body, at most the server's limit (413 beyond it). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  const max = bodyLimits.get(req) ?? DEFAULT_MAX_BODY_BYTES;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The body as JSON: 415 unless the content type is JSON, 400 naming the parse error. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, `Content-Type must be application/json, got ${type ? `"${type}"` : 'none'}`, 'UnsupportedMediaType');
  }
  const text = (await readBody(req)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `The request body is not valid JSON: ${(e as Error).message}`, 'InvalidJson');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy(e instanceof Error ? e : undefined);
    return;
  }
  if (e instanceof HttpError) {
    sendJson(res, e.status, { message: e.message, ...(e.code ? { code: e.code } : {}) }, e.headers);
    return;
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  sendJson(res, 500, { message, code: 'InternalError' });
}
