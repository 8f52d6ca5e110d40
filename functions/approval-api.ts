/**
 * The approval API (API Gateway HTTP API, payload v2), with middy:
 *
 *   GET  /approvals/{id}   the evidence page; changes nothing (mail scanners prefetch links)
 *   POST /approvals/{id}   decision=approve|reject&approver=NAME: one conditional decision, then the
 *                          task callback (SendTaskSuccess, or SendTaskFailure with ApprovalRejected)
 *
 * An unknown or tampered id is a 404 page, a second click / replay / expired link a 409 page that says
 * what happened instead, a bad decision a 400. The task token and the link's id are never logged.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { APPROVAL_REJECTED, hashApprovalId, type ApprovalRequest } from '../src/core/approval';
import { ApprovalConflictError, ApprovalNotFoundError } from '../src/core/errors';
import type { EvaluationReport } from '../src/core/evaluation';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import { SfnTaskCallbacks } from '../src/adapters/aws/sfn-task-callbacks';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { ObjectStore } from '../src/ports/object-store';
import type { TaskCallbacks } from '../src/ports/task-callbacks';
import { renderApprovalPage, renderDecisionPage, renderErrorPage, renderNotFoundPage } from '../web/approval-page';
import { once, requireEnv } from './lib/middleware';

export interface ApprovalApiDeps {
  store: () => ApprovalStore;
  callbacks: () => TaskCallbacks;
  objectStore: () => ObjectStore;
  now?: () => Date;
  log?: (line: string) => void;
}

export type ApprovalApiResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

/** A link id as `approvalIdFrom` writes it: base64url of 16 or more bytes. Anything else is not looked up. */
const ID = /^[A-Za-z0-9_-]{22,128}$/;
const MAX_APPROVER = 200;
/** The callbacks' error name when nothing waits for the token any more (the SFN adapter's TaskNoLongerWaitingError). */
const NO_LONGER_WAITING = 'TaskNoLongerWaitingError';

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

const html = (statusCode: number, body: string): ApprovalApiResult => ({ statusCode, headers: { ...HEADERS }, body });

function idOf(event: APIGatewayProxyEventV2): string | undefined {
  const raw = event.pathParameters?.id ?? /\/approvals\/([^/]+)\/?$/.exec(event.rawPath ?? '')?.[1];
  if (raw === undefined) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return ID.test(id) ? id : undefined;
}

function formOf(event: APIGatewayProxyEventV2): URLSearchParams {
  const body = event.body ?? '';
  return new URLSearchParams(event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body);
}

/** The approver as typed: one line of at most 200 characters, or "anonymous". */
function approverOf(form: URLSearchParams): string {
  const name = (form.get('approver') ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_APPROVER);
  return name || 'anonymous';
}

function fromOf(event: APIGatewayProxyEventV2): string {
  const { sourceIp, userAgent } = event.requestContext?.http ?? {};
  return [sourceIp || 'unknown address', userAgent ? `(${userAgent.slice(0, 300)})` : ''].filter(Boolean).join(' ');
}

export function createHandler(deps: ApprovalApiDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((line: string) => console.log(line));

  async function readReport(request: ApprovalRequest): Promise<EvaluationReport | null> {
    try {
      return JSON.parse((await deps.objectStore().get(request.reportUri)).toString('utf8')) as EvaluationReport;
    } catch (error) {
      log(JSON.stringify({ message: 'evaluation report unreadable', idHash: request.idHash, reportUri: request.reportUri, error: (error as Error).name }));
      return null;
    }
  }

  async function show(event: APIGatewayProxyEventV2, id: string): Promise<ApprovalApiResult> {
    const request = await deps.store().get(hashApprovalId(id));
    if (!request) return html(404, renderNotFoundPage());
    const report = await readReport(request);
    return html(200, renderApprovalPage({ request, report, actionUrl: event.rawPath || `/approvals/${id}`, now: now() }));
  }

  async function decide(event: APIGatewayProxyEventV2, id: string): Promise<ApprovalApiResult> {
    const form = formOf(event);
    const choice = form.get('decision');
    if (choice !== 'approve' && choice !== 'reject') {
      return html(400, renderErrorPage({ title: 'Unknown decision', message: `The form must say decision=approve or decision=reject. Nothing was changed.` }));
    }
    const idHash = hashApprovalId(id);
    const at = now().toISOString();
    let request: ApprovalRequest;
    try {
      request = await deps.store().decide(idHash, { status: choice === 'approve' ? 'approved' : 'rejected', by: approverOf(form), at, from: fromOf(event) });
    } catch (error) {
      if (error instanceof ApprovalNotFoundError || (error as Error).name === 'ApprovalNotFoundError') return html(404, renderNotFoundPage());
      if (error instanceof ApprovalConflictError) {
        log(JSON.stringify({ message: 'decision refused', idHash, status: error.request.status, reason: error.message }));
        return html(409, renderDecisionPage({ request: error.request, now: new Date(at), kind: 'conflict', message: error.message }));
      }
      throw error;
    }
    const decision = request.decision!;
    log(JSON.stringify({ message: 'decision recorded', idHash, stage: request.stage, executionArn: request.executionArn, status: request.status, by: decision.by, at: decision.at }));
    try {
      if (request.status === 'approved') {
        await deps.callbacks().sendTaskSuccess(request.taskToken, { approved: true, stage: request.stage, decidedBy: decision.by, decidedAt: decision.at });
      } else {
        await deps.callbacks().sendTaskFailure(request.taskToken, APPROVAL_REJECTED, `rejected by ${decision.by} at ${decision.at}`);
      }
    } catch (error) {
      if ((error as Error).name !== NO_LONGER_WAITING) throw error;
      log(JSON.stringify({ message: 'pipeline no longer waiting', idHash, executionArn: request.executionArn }));
      return html(409, renderDecisionPage({ request, now: new Date(at), kind: 'not-waiting', message: 'the pipeline had already stopped waiting for it (timed out, stopped or completed), so it changes nothing' }));
    }
    return html(200, renderDecisionPage({ request, now: new Date(at), kind: 'done' }));
  }

  return middy<APIGatewayProxyEventV2, ApprovalApiResult>().handler(async (event) => {
    const method = event.requestContext?.http?.method?.toUpperCase();
    if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') {
      return { ...html(405, renderErrorPage({ title: 'Method not allowed', message: 'Open the link (GET) or use the buttons (POST).' })), headers: { ...HEADERS, allow: 'GET, POST' } };
    }
    const id = idOf(event);
    if (id === undefined) return html(404, renderNotFoundPage());
    try {
      return method === 'POST' ? await decide(event, id) : await show(event, id);
    } catch (error) {
      log(JSON.stringify({ message: 'approval API failed', idHash: hashApprovalId(id), error: (error as Error).name, detail: (error as Error).message }));
      return html(500, renderErrorPage({ title: 'Something went wrong', message: 'The request could not be completed. If you clicked a button, open the link again to see whether your decision was recorded.' }));
    }
  });
}

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE') })),
  callbacks: once(() => new SfnTaskCallbacks()),
  objectStore: once(() => new S3ObjectStore()),
});
