/**
 * Request an approval: stores the request (the task token stays in the store) and mails the approvers
 * a link carrying a random id of 128 bits or more (only its hash is stored) with the evidence. The
 * token is in neither the link nor the mail nor the result.
 */
import { approvalIdFrom, hashApprovalId, type ApprovalRequest } from '../core/approval';
import type { ApprovalStore } from '../ports/approval-store';
import type { MailMessage, Mailer } from '../ports/mailer';

/** 16 bytes = 128 bits, the least the issue allows; 32 leaves a margin. */
export const ID_BYTES = 32;
/** The wait's default timeout, 7 days. */
export const DEFAULT_TIMEOUT_SECONDS = 7 * 24 * 3600;

export interface RequestApprovalDeps {
  store: ApprovalStore;
  mailer: Mailer;
  /** Where the approval API is served (`https://…/prod` or `http://127.0.0.1:8787`). */
  baseUrl: string;
  now: Date;
  randomBytes: (size: number) => Uint8Array;
}

/** What the waiting task sends: the request as it will be stored, less what this use case derives. */
export type RequestApprovalInput = Pick<ApprovalRequest, 'taskToken' | 'executionArn' | 'stage' | 'modelPackageArn' | 'reportUri' | 'evidence'> & {
  timeoutSeconds: number;
};

const fmt = (v: number): string => String(Number(v.toPrecision(4)));

/** The mail: the link, the evidence, the expiry. Never the task token. */
export function approvalMessage(request: ApprovalRequest, link: string): MailMessage {
  const e = request.evidence;
  const verdict = e.meanWQuantileLoss <= e.threshold ? 'under' : 'over';
  return {
    subject: `Approve the model for ${request.stage}? mean wQuantileLoss ${fmt(e.meanWQuantileLoss)} (threshold ${fmt(e.threshold)})`,
    text: [
      `A new model is waiting for your approval before it is deployed to ${request.stage}.`,
      '',
      `Open this link to see the evidence and approve or reject it (it works until ${request.expiresAt}):`,
      link,
      '',
      `Candidate mean wQuantileLoss: ${fmt(e.meanWQuantileLoss)} (${verdict} the threshold ${fmt(e.threshold)})`,
      `Seasonal naive:               ${fmt(e.seasonalNaiveLoss)}`,
      `Model now in ${request.stage}:${' '.repeat(Math.max(1, 17 - request.stage.length))}${e.stageLoss === null ? 'none deployed' : fmt(e.stageLoss)}`,
      `Candidate RMSE:               ${fmt(e.rmse)}`,
      '',
      `Model package: ${request.modelPackageArn}`,
      `Execution:     ${request.executionArn}`,
      '',
      'Opening the link changes nothing; only the Approve or Reject button does, once.',
    ].join('\n'),
  };
}

/** What identifies the request (its id's hash), when it expires, and the mail's id. */
export async function requestApproval(deps: RequestApprovalDeps, input: RequestApprovalInput): Promise<{ idHash: string; expiresAt: string; messageId: string }> {
  const id = approvalIdFrom(deps.randomBytes(ID_BYTES));
  const request: ApprovalRequest = {
    idHash: hashApprovalId(id),
    taskToken: input.taskToken,
    executionArn: input.executionArn,
    stage: input.stage,
    modelPackageArn: input.modelPackageArn,
    reportUri: input.reportUri,
    evidence: input.evidence,
    createdAt: deps.now.toISOString(),
    expiresAt: new Date(deps.now.getTime() + input.timeoutSeconds * 1000).toISOString(),
    status: 'pending',
  };
  await deps.store.create(request);
  const link = `${deps.baseUrl.replace(/\/+$/, '')}/approvals/${id}`;
  const { messageId } = await deps.mailer.send(approvalMessage(request, link));
  return { idHash: request.idHash, expiresAt: request.expiresAt, messageId };
}
