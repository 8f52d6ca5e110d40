/**
 * RequestApproval: the `.waitForTaskToken` task. Stores the request (the task token stays in the store),
 * mails the approvers a link carrying a random id of 128 bits (only its hash is stored) and the evidence.
 * The token is in neither the link, the mail nor any log line. Returns what identifies the request.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { z } from 'zod';
import { approvalIdFrom, hashApprovalId, type ApprovalRequest } from '../src/core/approval';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { SnsMailer } from '../src/adapters/aws/sns-mailer';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { MailMessage, Mailer } from '../src/ports/mailer';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';

/** 16 bytes = 128 bits, the least the issue allows; 32 leaves a margin. */
export const ID_BYTES = 32;
/** The wait's default timeout, 7 days. */
export const DEFAULT_TIMEOUT_SECONDS = 7 * 24 * 3600;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const RequestApprovalEvent = z.object({
  taskToken: z.string().min(1),
  executionArn: z.string().min(1),
  stage: z.enum(['staging', 'production']),
  modelPackageArn: z.string().min(1),
  reportUri: z.string().startsWith('s3://'),
  evidence: z.object({
    meanWQuantileLoss: finite,
    threshold: finite,
    seasonalNaiveLoss: finite,
    stageLoss: finite.nullable(),
    rmse: finite,
  }),
  timeoutSeconds: z.number().int().positive().default(DEFAULT_TIMEOUT_SECONDS),
});

export interface RequestApprovalDeps {
  store: () => ApprovalStore;
  mailer: () => Mailer;
  /** Where the approval API is served, without a trailing slash (`https://…/prod` or `http://127.0.0.1:8787`). */
  baseUrl: () => string;
  now?: () => Date;
  randomBytes?: (size: number) => Uint8Array;
  log?: (line: string) => void;
}

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

export function createHandler(deps: RequestApprovalDeps) {
  const now = deps.now ?? (() => new Date());
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes;
  const log = deps.log ?? ((line: string) => console.log(line));
  return taskHandler(async (event: unknown) => {
    const input = parseEvent(RequestApprovalEvent, event);
    const id = approvalIdFrom(randomBytes(ID_BYTES));
    const createdAt = now();
    const request: ApprovalRequest = {
      idHash: hashApprovalId(id),
      taskToken: input.taskToken,
      executionArn: input.executionArn,
      stage: input.stage,
      modelPackageArn: input.modelPackageArn,
      reportUri: input.reportUri,
      evidence: input.evidence,
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(createdAt.getTime() + input.timeoutSeconds * 1000).toISOString(),
      status: 'pending',
    };
    await deps.store().create(request);
    const link = `${deps.baseUrl().replace(/\/+$/, '')}/approvals/${id}`;
    const { messageId } = await deps.mailer().send(approvalMessage(request, link));
    // Neither the token nor the link's id: the hash is enough to find the request.
    log(JSON.stringify({ message: 'approval requested', idHash: request.idHash, stage: request.stage, executionArn: request.executionArn, expiresAt: request.expiresAt, messageId }));
    return { idHash: request.idHash, expiresAt: request.expiresAt };
  });
}

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE') })),
  mailer: once(() => new SnsMailer({ topicArn: requireEnv('NOTIFICATIONS_TOPIC_ARN') })),
  baseUrl: once(() => requireEnv('APPROVAL_BASE_URL')),
});
