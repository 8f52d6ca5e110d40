/**
 * The twin's HTTP server: node:http and a tiny router. A route is `{ method, pattern, handle(req, res, match) }`;
 * `pattern` is matched against the path (no query string). A handler answers with `sendJson` or throws an
 * `HttpError` (any other error is a 500); the server turns errors into JSON `{ "message", "code" }`.
 * Bodies are capped (1 MiB by default: 413). It listens on the given host only, loopback by default.
 *
 * Against DNS rebinding, before any route runs: a request whose Host is not one of the server's own names
 * (127.0.0.1, localhost, [::1], the --host and the public host, with the port) is refused with 421, and a POST
 * whose Origin is not the server's own with 403; nothing runs for either. Every answer carries the approval
 * pages' security headers. Routes marked `loopbackOnly` (the dashboard, the outbox) answer this machine only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { HTML_HEADERS } from '../../functions/lib/html-api';
import { PipelineError } from '../../src/core/errors';
import { escapeHtml } from '../../web/plot';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface Route {
  method: string;
  pattern: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): void | Promise<void>;
  /** Served to clients on this machine only: pages that show approval links (the dashboard, the outbox). */
  loopbackOnly?: boolean;
}

export interface HttpServerOptions {
  routes: readonly Route[];
  /** Default 127.0.0.1: the twin is reachable from this machine only unless told otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  maxBodyBytes?: number;
  /**
   * The name other machines reach the server by, used in its URL (the links it mails): default
   * `MLOPS_PUBLIC_HOST`, else the --host, else (bound to every interface) this machine's first LAN address.
   */
  publicHost?: string;
  /** Told loudly when the server is reachable beyond this machine; default stderr. */
  warn?: (line: string) => void;
}

export interface RunningHttpServer {
  /** e.g. `http://127.0.0.1:43210`: the public host's, never a wildcard address. */
  url: string;
  /** Whether it listens beyond loopback. */
  exposed: boolean;
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
  /** The Host header values that name this server (filled in once it listens and its port is known). */
  const names: string[] = [];
  const server = createServer((req, res) => {
    bodyLimits.set(req, maxBodyBytes);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const refusal = refusalOf(req, names);
    if (refusal) return sendRefusal(req, res, refusal);
    dispatch(opts.routes, req, res, maxBodyBytes).catch((e: unknown) => sendError(req, res, e));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const publicHost = opts.publicHost ?? (process.env.MLOPS_PUBLIC_HOST || undefined) ?? (isWildcard(host) ? firstLanAddress() : host);
  names.push(...ownHostNames([host, publicHost], port));
  const url = `http://${bracketed(publicHost)}:${port}`;
  const exposed = !isLoopbackName(host);
  if (exposed) {
    (opts.warn ?? ((line) => console.error(line)))(
      `mlops: WARNING: the twin listens on ${bracketed(host)}:${port}, beyond this machine: anyone who can reach it can call its endpoints and ` +
        `open an approval link they hold. The dashboard and the outbox answer this machine only; mailed links read ${url} ` +
        '(MLOPS_PUBLIC_HOST sets the name). Use --host 127.0.0.1 unless other machines must reach it.',
    );
  }
  return {
    url,
    exposed,
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
  if (hit.route.loopbackOnly && !isLoopbackAddress(req.socket.remoteAddress)) {
    const local = `http://127.0.0.1:${req.socket.localPort}${path}`;
    throw new HttpError(403, `${path} is served to this machine only (it shows approval links): open ${local} on the machine the twin runs on`, 'Forbidden');
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

/** The approval pages' headers, on every answer: no sniffing, no referrer, no framing, no script, not cached. */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': HTML_HEADERS['x-content-type-options'],
  'referrer-policy': HTML_HEADERS['referrer-policy'],
  'content-security-policy': HTML_HEADERS['content-security-policy'],
  'x-frame-options': 'DENY',
  'cache-control': HTML_HEADERS['cache-control'],
};

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '';
const isLoopbackName = (host: string): boolean => LOOPBACK_NAMES.includes(host.toLowerCase()) || /^127\./.test(host);
const bracketed = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.replace(/^::ffff:/i, '');
  return address === '::1' || /^127\./.test(v4);
}

function firstLanAddress(): string {
  const lan = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  return lan?.address ?? '127.0.0.1';
}

/** Every `Host` value that names this server: the loopback names, the --host and the public host, with the port. */
function ownHostNames(hosts: string[], port: number): string[] {
  const names = new Set<string>();
  for (const host of [...LOOPBACK_NAMES, ...hosts.filter((h) => !isWildcard(h))]) {
    const name = bracketed(host.toLowerCase());
    names.add(`${name}:${port}`);
    if (port === 80) names.add(name);
  }
  return [...names];
}

interface Refusal {
  status: 421 | 403;
  code: string;
  message: string;
}

/** Why a request is refused before any route runs (a foreign Host, a cross-site POST), or undefined. */
function refusalOf(req: IncomingMessage, names: readonly string[]): Refusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!names.includes(host)) {
    return {
      status: 421, code: 'MisdirectedRequest',
      message: `This server does not answer for the host ${JSON.stringify(req.headers.host ?? '')}: use one of ${names.filter((n) => n.includes(':')).join(', ')}. Nothing was changed.`,
    };
  }
  const safe = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
  const origin = req.headers.origin;
  // A page sent with Referrer-Policy no-referrer (the approval pages) posts with `Origin: null`: the browser's
  // Sec-Fetch-Site then says whether the form was the server's own.
  const ownOrigin = (o: string): boolean => names.some((n) => o.toLowerCase() === `http://${n}`) || (o === 'null' && req.headers['sec-fetch-site'] === 'same-origin');
  const crossSite = req.headers['sec-fetch-site'] === 'cross-site' || req.headers['sec-fetch-site'] === 'same-site';
  if (!safe && ((origin !== undefined && !ownOrigin(origin)) || crossSite)) {
    return { status: 403, code: 'Forbidden', message: `A ${req.method} from the origin ${JSON.stringify(origin)} is refused: only this server's own pages may post to it. Nothing was changed.` };
  }
  return undefined;
}

const wantsHtml = (req: IncomingMessage): boolean => (req.headers.accept ?? '').includes('text/html');

function sendRefusal(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  // The body was not read: the connection must close after the answer.
  const headers = { Connection: 'close' };
  if (!wantsHtml(req)) return sendJson(res, refusal.status, { message: refusal.message, code: refusal.code }, headers);
  const title = refusal.status === 421 ? 'Wrong address' : 'Refused';
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(refusal.message)}</p></body></html>`;
  res.writeHead(refusal.status, { ...HTML_HEADERS, 'Content-Length': Buffer.byteLength(page), ...headers });
  res.end(page);
}

function sendError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy(e instanceof Error ? e : undefined);
    return;
  }
  if (e instanceof HttpError && e.status === 403 && wantsHtml(req)) return sendRefusal(req, res, { status: 403, code: e.code ?? 'Forbidden', message: e.message });
  if (e instanceof HttpError) {
    sendJson(res, e.status, { message: e.message, ...(e.code ? { code: e.code } : {}) }, e.headers);
    return;
  }
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  sendJson(res, 500, { message, code: 'InternalError' });
}
