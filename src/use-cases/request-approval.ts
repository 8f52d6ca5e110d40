/**
 * Request an approval: stores the request (the task token stays in the store) and mails the approvers
 * a link carrying a random id of 128 bits or more (only its hash is stored) with the evidence. The
 * token is in neither the link nor the mail nor the result.
 *
 * A decision already made for this execution and stage (one the twin carried over from the execution it
 * resumes: it was made while the twin was down) answers the wait instead: no new link is mailed, the
 * decision gets this wait's token and is delivered (at once when `callbacks` is given, else by the sweep).
 */
import { approvalIdFrom, carriedRequestHash, hashApprovalId, type ApprovalRequest } from '../core/approval';
import type { ApprovalStore } from '../ports/approval-store';
import type { MailMessage, Mailer } from '../ports/mailer';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { redeliverDecision } from './deliver-decision';

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
  /** Who the mail goes to (the configured approvers' addresses): recorded and shown beside the typed name. */
  sentTo?: string[];
  /** Delivers a carried decision at once; without it the redelivery sweep does. */
  callbacks?: TaskCallbacks;
}

export interface RequestApprovalResult {
  idHash: string;
  expiresAt: string;
  /** The mail's id; absent when a carried decision answered the wait. */
  messageId?: string;
  /** The decision carried over from the execution this one resumes, when there was one. */
  carried?: { status: ApprovalRequest['status']; delivered: boolean };
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

/** What identifies the request (its id's hash), when it expires, and the mail's id (or the carried decision). */
export async function requestApproval(deps: RequestApprovalDeps, input: RequestApprovalInput): Promise<RequestApprovalResult> {
  const carried = await answerWithCarriedDecision(deps, input);
  if (carried) return carried;
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
    ...(deps.sentTo?.length ? { sentTo: deps.sentTo } : {}),
  };
  await deps.store.create(request);
  const link = `${deps.baseUrl.replace(/\/+$/, '')}/approvals/${id}`;
  const { messageId } = await deps.mailer.send(approvalMessage(request, link));
  return { idHash: request.idHash, expiresAt: request.expiresAt, messageId };
}

/** A decision carried to this execution's wait for this stage takes this wait's token and is delivered. */
async function answerWithCarriedDecision(deps: RequestApprovalDeps, input: RequestApprovalInput): Promise<RequestApprovalResult | undefined> {
  const carried = await deps.store.get(carriedRequestHash(input.executionArn, input.stage));
  if (carried?.delivery?.state !== 'awaiting-task') return undefined;
  const attached = await deps.store.attachTaskToken(carried.idHash, input.taskToken);
  if (!attached) return undefined;
  const delivery = deps.callbacks ? await redeliverDecision({ store: deps.store, callbacks: deps.callbacks, now: deps.now }, attached) : undefined;
  return { idHash: attached.idHash, expiresAt: attached.expiresAt, carried: { status: attached.status, delivered: delivery?.kind === 'delivered' } };
}
