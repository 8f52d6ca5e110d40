/**
 * The approval API (API Gateway HTTP API, payload v2): the HTTP controller of the decide-approval use case.
 *
 *   GET  /approvals/{id}   the evidence page; changes nothing (mail scanners prefetch links)
 *   POST /approvals/{id}   decision=approve|reject&approver=NAME: src/use-cases/decide-approval
 *
 * An unknown or tampered id is a 404 page, a second click / replay / expired link a 409 page that says
 * what happened instead, a bad decision a 400. A decision recorded but not yet delivered to Step
 * Functions (its send failed) is a 202 page: "your decision is being delivered"; clicking again sends
 * the recorded decision again (200 once it arrives), and so does the scheduled sweep. The task token
 * and the link's id are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { hashApprovalId, notWaitingMessage, type ApprovalRequest } from '../src/core/approval';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import { readAllowedApprovers } from '../src/use-cases/allowed-approvers';
import type { EvaluationReport } from '../src/core/evaluation';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { SsmTaskTokenVault, taskTokenPath } from '../src/adapters/aws/ssm-task-token-vault';
import { S3ObjectStore } from '../src/adapters/aws/s3-object-store';
import { SfnTaskCallbacks } from '../src/adapters/aws/sfn-task-callbacks';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { ObjectStore } from '../src/ports/object-store';
import type { TaskCallbacks } from '../src/ports/task-callbacks';
import { decideApproval } from '../src/use-cases/decide-approval';
import type { DeliveryResult } from '../src/use-cases/deliver-decision';
import { renderApprovalPage, renderDecisionPage, renderErrorPage, renderNotFoundPage } from '../web/approval-page';
import { formOf, fromOf, html, pathIdOf, type HtmlResult } from './lib/html-api';
import { lambdaContext, once, requireEnv } from './lib/middleware';

export interface ApprovalApiDeps {
  store: () => ApprovalStore;
  callbacks: () => TaskCallbacks;
  objectStore: () => ObjectStore;
  /** Who may decide (run-time parameter approval/allowed-approvers); empty: anyone with the link. */
  allowedApprovers?: () => Promise<string[]>;
  now?: () => Date;
  logger: Logger;
}

export type ApprovalApiResult = HtmlResult;
type Controller = Required<ApprovalApiDeps>;

/** A link id as `approvalIdFrom` writes it: base64url of 16 or more bytes. */
const LINK_ID = /^[A-Za-z0-9_-]{22,128}$/;

/** Any failure becomes a 500 page that tells the person what to check; the log says which error, never the id. */
function failurePage(logger: Logger): MiddlewareObj<APIGatewayProxyEventV2, ApprovalApiResult> {
  return {
    onError: (request) => {
      const id = pathIdOf(request.event, LINK_ID);
      logger.error('approval API failed', { ...(id ? { idHash: hashApprovalId(id) } : {}), error: request.error?.name, detail: request.error?.message });
      request.response = html(500, renderErrorPage({ title: 'Something went wrong', message: 'The request could not be completed. If you clicked a button, open the link again to see whether your decision was recorded.' }));
    },
  };
}

async function readReport(c: Controller, request: ApprovalRequest): Promise<EvaluationReport | null> {
  try {
    return JSON.parse((await c.objectStore().get(request.reportUri)).toString('utf8')) as EvaluationReport;
  } catch (error) {
    c.logger.warn('evaluation report unreadable', { idHash: request.idHash, reportUri: request.reportUri, error: (error as Error).name });
    return null;
  }
}

async function show(c: Controller, event: APIGatewayProxyEventV2, id: string): Promise<ApprovalApiResult> {
  const request = await c.store().get(hashApprovalId(id));
  if (!request) return html(404, renderNotFoundPage());
  const report = await readReport(c, request);
  return html(200, renderApprovalPage({ request, report, actionUrl: event.rawPath || `/approvals/${id}`, now: c.now() }));
}

async function decide(c: Controller, event: APIGatewayProxyEventV2, id: string): Promise<ApprovalApiResult> {
  const form = formOf(event);
  const decision = form.get('decision');
  if (decision !== 'approve' && decision !== 'reject') {
    return html(400, renderErrorPage({ title: 'Unknown decision', message: `The form must say decision=approve or decision=reject. Nothing was changed.` }));
  }
  const now = c.now();
  const allowedApprovers = await c.allowedApprovers();
  const outcome = await decideApproval(
    { store: c.store(), callbacks: c.callbacks(), now },
    { id, decision, approver: form.get('approver') ?? '', from: fromOf(event), allowedApprovers },
  );
  const idHash = hashApprovalId(id);
  const actionUrl = event.rawPath || `/approvals/${id}`;
  if (outcome.kind === 'not-found') return html(404, renderNotFoundPage());
  if (outcome.kind === 'not-allowed') {
    c.logger.warn('approver not on the allow-list', { idHash });
    const message = `“${outcome.approver}” is not one of the approvers allowed to decide. Type the e-mail address this link was sent to. Nothing was changed.`;
    return html(403, renderErrorPage({ title: 'Not an approver', message }));
  }
  const { request } = outcome;
  const fields = { idHash, stage: request.stage, executionArn: request.executionArn, status: request.status, delivery: request.delivery?.state };
  if (outcome.kind === 'conflict') {
    c.logger.warn('decision refused', { ...fields, reason: outcome.message, redelivery: outcome.redelivery });
    return html(statusOfRedelivery(outcome.redelivery), renderDecisionPage({ request, now, kind: 'conflict', message: outcome.message, redelivery: outcome.redelivery, actionUrl }));
  }
  c.logger.info('decision recorded', { ...fields, by: request.decision?.by, at: request.decision?.at });
  if (outcome.kind === 'done') return html(200, renderDecisionPage({ request, now, kind: 'done' }));
  if (outcome.kind === 'pending-delivery') {
    c.logger.warn('decision not delivered yet', { ...fields, error: outcome.error });
    return html(202, renderDecisionPage({ request, now, kind: 'pending-delivery', message: outcome.error, actionUrl }));
  }
  c.logger.warn('pipeline no longer waiting', { ...fields, reason: outcome.reason });
  return html(409, renderDecisionPage({ request, now, kind: 'not-waiting', message: notWaitingMessage(outcome.reason) }));
}

/**
 * A second click records nothing (409), unless it is what delivered the earlier decision (200) or
 * that decision is still on its way after a failed send (202).
 */
function statusOfRedelivery(redelivery: DeliveryResult['kind'] | undefined): number {
  if (redelivery === 'delivered') return 200;
  if (redelivery === 'failed') return 202;
  return 409;
}

export function createHandler(deps: ApprovalApiDeps) {
  const c: Controller = { ...deps, now: deps.now ?? (() => new Date()), allowedApprovers: deps.allowedApprovers ?? (async () => []) };
  return middy<APIGatewayProxyEventV2, ApprovalApiResult>()
    .use(lambdaContext(deps.logger))
    .use(failurePage(deps.logger))
    .handler(async (event) => {
      const method = event.requestContext?.http?.method?.toUpperCase();
      if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') {
        return html(405, renderErrorPage({ title: 'Method not allowed', message: 'Open the link (GET) or use the buttons (POST).' }), { allow: 'GET, POST' });
      }
      const id = pathIdOf(event, LINK_ID);
      if (id === undefined) return html(404, renderNotFoundPage());
      return method === 'POST' ? decide(c, event, id) : show(c, event, id);
    });
}

/** Task tokens live encrypted in SSM, the table keeps a reference (src/adapters/aws/ssm-task-token-vault). */
const tokenVault = once(() => new SsmTaskTokenVault({ path: taskTokenPath(requireEnv('APPROVAL_TABLE')) }));

export const handler = createHandler({
  allowedApprovers: () => readAllowedApprovers(new SsmParameterStore(), requireEnv('PARAMETER_PATH')),
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE'), tokenVault: tokenVault() })),
  callbacks: once(() => new SfnTaskCallbacks({ tokenVault: tokenVault() })),
  objectStore: once(() => new S3ObjectStore()),
  logger: new Logger(),
});
