/**
 * An API Gateway HTTP API (payload v2) seen from a handler that serves HTML pages: the path's id, the
 * posted form, where a request came from, and an answer with the headers every page carries (not
 * cached, not framed, no referrer, no script).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HtmlResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export const html = (statusCode: number, body: string, headers: Record<string, string> = {}): HtmlResult => ({ statusCode, headers: { ...HTML_HEADERS, ...headers }, body });

/** The `{id}` of `/approvals/{id}`, decoded, when it matches `pattern`; anything else is not looked up. */
export function pathIdOf(event: APIGatewayProxyEventV2, pattern: RegExp): string | undefined {
  const raw = event.pathParameters?.id ?? /\/approvals\/([^/]+)\/?$/.exec(event.rawPath ?? '')?.[1];
  if (raw === undefined) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return pattern.test(id) ? id : undefined;
}

/** The posted form, base64-encoded or not, as API Gateway delivers it. */
export function formOf(event: APIGatewayProxyEventV2): URLSearchParams {
  const body = event.body ?? '';
  return new URLSearchParams(event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body);
}

/** Where the request came from: the source address and the user agent. */
export function fromOf(event: APIGatewayProxyEventV2): string {
  const { sourceIp, userAgent } = event.requestContext?.http ?? {};
  return [sourceIp || 'unknown address', userAgent ? `(${userAgent.slice(0, 300)})` : ''].filter(Boolean).join(' ');
}
