/**
 * The approval pages in the twin: node:http requests become API Gateway HTTP API (payload v2) events
 * and go to the very handler the Lambda runs (`functions/approval-api.ts`, built with local adapters).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PipelineError } from '../../src/core/errors';

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void>;
}

export type ApprovalApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** A form is a few hundred bytes; anything far larger is refused before it is read. */
const MAX_BODY = 64 * 1024;
const PATTERN = /^\/approvals\/([^/?#]+)\/?$/;
const LOCAL_CONTEXT = { functionName: 'approval-api', awsRequestId: 'local', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

class BodyTooLargeError extends PipelineError {
  override readonly name = 'BodyTooLargeError' as const;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLargeError(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The API Gateway v2 event for a node:http request, as API Gateway would build it. */
export function toApiGatewayEvent(req: IncomingMessage, body: string, id: string, now: Date = new Date()): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const queryStringParameters = url.search ? Object.fromEntries(url.searchParams) : undefined;
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: `${method} /approvals/{id}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    pathParameters: { id },
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? 'unknown',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${now.getTime()}`,
      routeKey: `${method} /approvals/{id}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: method === 'GET' ? undefined : body,
    isBase64Encoded: false,
  };
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2, head: boolean): void {
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.setHeader('content-length', body.length);
  res.end(head ? undefined : body);
}

export function approvalRoutes(handler: ApprovalApiHandler): Route[] {
  const handle = async (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> => {
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('request body too large\n');
      return;
    }
    const result = await handler(toApiGatewayEvent(req, body, match[1]), LOCAL_CONTEXT);
    writeResult(res, result, req.method === 'HEAD');
  };
  return [
    { method: 'GET', pattern: PATTERN, handle },
    { method: 'POST', pattern: PATTERN, handle },
  ];
}
