/**
 * `--auto-approve`: answers an approval mail the way a person would, by POSTing "approve" to the link
 * it carries, through the very approval API handler the HTTP route calls. The link's id is only in the
 * mail (the store keeps its hash), so this is the one place that can act on it.
 */
import type { LocalLambda } from './executor/task-resolver';

const LINK = /\/approvals\/([A-Za-z0-9_-]{22,128})/;

export function linkIdFrom(text: string): string | undefined {
  return LINK.exec(text)?.[1];
}

/** A POST of the approval form as API Gateway (payload v2) delivers it. */
export function decisionEvent(id: string, decision: 'approve' | 'reject', approver: string, from: string) {
  const body = new URLSearchParams({ decision, approver }).toString();
  return {
    version: '2.0',
    routeKey: 'POST /approvals/{id}',
    rawPath: `/approvals/${id}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': from },
    pathParameters: { id },
    requestContext: { http: { method: 'POST', path: `/approvals/${id}`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: from } },
    body,
    isBase64Encoded: false,
  };
}

export async function approveFromMail(text: string, approvalApi: LocalLambda, print?: (line: string) => void): Promise<void> {
  const id = linkIdFrom(text);
  if (!id) {
    print?.('auto-approve: the mail has no approval link');
    return;
  }
  const response = (await approvalApi(decisionEvent(id, 'approve', 'auto-approve', 'mlops --auto-approve') as never)) as { statusCode: number };
  print?.(`auto-approve: approved (HTTP ${response.statusCode})`);
}
