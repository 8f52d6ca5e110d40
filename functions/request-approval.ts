/**
 * RequestApproval: the `.waitForTaskToken` task; stores the request and mails the approvers a link
 * (src/use-cases/request-approval). Neither the token nor the link's id is logged: the hash finds the request.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DynamoDbApprovalStore } from '../src/adapters/aws/dynamodb-approval-store';
import { SnsMailer } from '../src/adapters/aws/sns-mailer';
import type { ApprovalStore } from '../src/ports/approval-store';
import type { Mailer } from '../src/ports/mailer';
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
  logger: Logger;
}

export function createHandler(deps: RequestApprovalDeps) {
  const now = deps.now ?? (() => new Date());
  const randomBytes = deps.randomBytes ?? cryptoRandomBytes;
  return taskHandler({ schema: RequestApprovalEvent, logger: deps.logger }, async (input) => {
    const { idHash, expiresAt, messageId } = await requestApproval({ store: deps.store(), mailer: deps.mailer(), baseUrl: deps.baseUrl(), now: now(), randomBytes }, input);
    deps.logger.info('approval requested', { idHash, stage: input.stage, executionArn: input.executionArn, expiresAt, messageId });
    return { idHash, expiresAt };
  });
}

export const handler = createHandler({
  store: once(() => new DynamoDbApprovalStore({ tableName: requireEnv('APPROVAL_TABLE') })),
  mailer: once(() => new SnsMailer({ topicArn: requireEnv('APPROVAL_TOPIC_ARN') })),
  baseUrl: once(() => requireEnv('APPROVAL_BASE_URL')),
  logger: new Logger(),
});
