/**
 * RequestApproval: the `.waitForTaskToken` task; stores the request and mails the approvers a link
 * (src/use-cases/request-approval). Neither the token nor the link's id is logged: the hash finds the request.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { SsmTaskTokenVault, taskTokenPath } from '../src/adapters/aws/ssm-task-token-vault';
import { SnsMailer } from '../src/adapters/aws/sns-mailer';
import { snsEmailRecipients } from '../src/adapters/aws/sns-recipients';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { Mailer } from '../src/ports/mailer';
import type { TaskCallbacks } from '../src/ports/task-callbacks';
import { DEFAULT_TIMEOUT_SECONDS, requestApproval } from '../src/use-cases/request-approval';
import { once, requireEnv, taskHandler } from './lib/middleware';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const RequestApprovalEvent = z.object({
  taskToken: z.string().min(1),
  executionArn: z.string().min(1),
  stage: z.enum(['staging', 'production']),
  modelPackageArn: z.string().min(1),
  reportUri: z.string().startsWith('s3://'),
  evidence: z.object({ meanWQuantileLoss: finite, threshold: finite, seasonalNaiveLoss: finite, stageLoss: finite.nullable(), rmse: finite }),
  timeoutSeconds: z.number().int().positive().default(DEFAULT_TIMEOUT_SECONDS),
});

export interface RequestApprovalDeps {
  store: () => ApprovalStore;
  mailer: () => Mailer;
  /** Where the approval API is served, without a trailing slash (`https://…/prod` or `http://127.0.0.1:8787`). */
  baseUrl: () => string;
  now?: () => Date;
  randomBytes?: (size: number) => Uint8Array;
  /** Who the approval mail goes to (shown on the page beside the typed name); none known when absent. */
  sentTo?: () => Promise<string[]>;
  /** Delivers a decision carried over from a resumed execution at once (the twin); else the sweep does. */
  callbacks?: () => TaskCallbacks;
  logger: Logger;
}

export function createHandler(deps: RequestApprovalDeps) {
  const now = deps.now ?? (() => new Date());
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes;
  return taskHandler({ schema: RequestApprovalEvent, logger: deps.logger }, async (input) => {
    const sentTo = deps.sentTo ? await deps.sentTo() : undefined;
    const { idHash, expiresAt, messageId, carried } = await requestApproval(
      { store: deps.store(), mailer: deps.mailer(), baseUrl: deps.baseUrl(), now: now(), randomBytes, sentTo, callbacks: deps.callbacks?.() },
      input,
    );
    if (carried) deps.logger.info('approval answered by a carried decision', { idHash, stage: input.stage, executionArn: input.executionArn, ...carried });
    else deps.logger.info('approval requested', { idHash, stage: input.stage, executionArn: input.executionArn, expiresAt, messageId });
    return { idHash, expiresAt };
  });
}

const productionLogger = new Logger();

/** Task tokens live encrypted in SSM, the table keeps a reference (src/adapters/aws/ssm-task-token-vault). */
const tokenVault = once(() => new SsmTaskTokenVault({ path: taskTokenPath(requireEnv('APPROVAL_TABLE')) }));

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE'), tokenVault: tokenVault() })),
  mailer: once(() => new SnsMailer({ topicArn: requireEnv('APPROVAL_TOPIC_ARN') })),
  // Best effort: the page shows the topic's confirmed e-mail subscribers; the mail goes out without them.
  sentTo: () =>
    snsEmailRecipients(requireEnv('APPROVAL_TOPIC_ARN')).catch((error: Error) => {
      productionLogger.warn('approvers unknown', { error: error.name });
      return [];
    }),
  baseUrl: once(() => requireEnv('APPROVAL_BASE_URL')),
  logger: productionLogger,
});
