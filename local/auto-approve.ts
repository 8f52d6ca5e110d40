/**
 * `--auto-approve`: answers an approval mail the way a person would, with the link it carries, through
 * the decide-approval use case the approval API calls. The link's id is only in the mail (the store
 * keeps its hash), so this is the one place that can act on it.
 */
import { notWaitingMessage } from '../src/core/approval';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { TaskCallbacks } from '../src/ports/task-callbacks';
import { decideApproval, type ApprovalOutcome } from '../src/use-cases/decide-approval';

const LINK = /\/approvals\/([A-Za-z0-9_-]{22,128})/;

export function linkIdFrom(text: string): string | undefined {
  return LINK.exec(text)?.[1];
}

/**
 * A POST of the approval form as API Gateway (payload v2) delivers it: what the scenario tests send to
 * the approval API, as a person's click does.
 */
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

/** What deciding needs in the twin: its approval store, its task callbacks, its clock. */
export interface DecisionDeps {
  approvals: ApprovalStore;
  callbacks: TaskCallbacks;
  now: () => Date;
}

/** Why an outcome did not complete the wait now, in a line for the terminal. */
export function whyUnchanged(outcome: Exclude<ApprovalOutcome, { kind: 'done' }>): string {
  if (outcome.kind === 'not-found') return 'no approval request has this link';
  if (outcome.kind === 'conflict') {
    if (outcome.redelivery === 'delivered') return `${outcome.message}; that decision had not reached the pipeline and now has`;
    if (outcome.redelivery === 'failed' || outcome.redelivery === 'busy') return `${outcome.message}; that decision is still being delivered to the pipeline`;
    return outcome.message;
  }
  if (outcome.kind === 'pending-delivery') return `the decision is recorded but has not reached the pipeline yet (${outcome.error}); it is sent again by the next attempt`;
  if (outcome.kind === 'not-allowed') return `${outcome.approver} is not on the approvers' allow-list (run-time parameter approval/allowed-approvers)`;
  return notWaitingMessage(outcome.reason);
}

export async function approveFromMail(text: string, deps: DecisionDeps, print?: (line: string) => void): Promise<void> {
  const id = linkIdFrom(text);
  if (!id) {
    print?.('auto-approve: the mail has no approval link');
    return;
  }
  const outcome = await decideApproval(
    { store: deps.approvals, callbacks: deps.callbacks, now: deps.now() },
    { id, decision: 'approve', approver: 'auto-approve', from: 'mlops --auto-approve' },
  );
  if (outcome.kind === 'done') print?.(`auto-approve: approved for ${outcome.request.stage}`);
  else if (outcome.kind === 'pending-delivery') print?.(`auto-approve: approved for ${outcome.request.stage}, not delivered yet: ${whyUnchanged(outcome)}`);
  else print?.(`auto-approve: nothing changed: ${whyUnchanged(outcome)}`);
}
