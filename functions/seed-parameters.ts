/**
 * The CloudFormation custom resource behind `DefaultParameters` (serverless/resources/parameters.yml): on
 * Create and Update it seeds the run-time parameters with their defaults, keeping every value that exists
 * (a user's tuned threshold survives a redeploy); its properties change on every deploy, so a default added
 * by a release or a parameter a user deleted is seeded on the next one. On Delete it does nothing, so
 * `sls remove` leaves the user's values. It always answers CloudFormation's presigned response URL, or the
 * stack would wait an hour for it (the protocol: test/fixtures/aws/cloudformation-custom-resource.json).
 */
import { request } from 'node:https';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import { ValidationError } from '../src/core/errors';
import { seedDefaultParameters } from '../src/core/seed-parameters';
import type { ParameterStore } from '../src/ports/parameter-store';
import { lambdaContext, once, requireEnv } from './lib/middleware';

/** What CloudFormation expects at the response URL. */
export interface CfnResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
}

/** A small cfn-response: PUT the JSON body to the presigned S3 URL, with no content type (the URL is signed without one). */
export function sendCfnResponse(url: string, response: CfnResponse): Promise<void> {
  const body = JSON.stringify(response);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode && res.statusCode >= 200 && res.statusCode < 300
          ? resolve()
          : reject(new Error(`CloudFormation response URL answered ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SeedParametersDeps {
  parameterStore: () => ParameterStore;
  parameterPath: () => string;
  respond: (url: string, response: CfnResponse) => Promise<void>;
  logger: Logger;
}

/** The response body CloudFormation accepts (test/fixtures/aws/cloudformation-custom-resource.json). */
const MAX_RESPONSE_BYTES = 4096;

/** Keeps the response under CloudFormation's size limit by shortening its Reason, the only free text. */
function withinSizeLimit(response: CfnResponse): CfnResponse {
  const over = Buffer.byteLength(JSON.stringify(response)) - MAX_RESPONSE_BYTES;
  return over > 0 ? { ...response, Reason: `${response.Reason.slice(0, Math.max(0, response.Reason.length - over - 3))}...` } : response;
}

export function createHandler(deps: SeedParametersDeps) {
  const { logger } = deps;
  return middy<CloudFormationCustomResourceEvent, void, Error, Context>().use(lambdaContext(logger)).handler(async (event) => {
    // The path names the resource (stable for a stack: its stage), so an Update answers the id it was given and is
    // never taken for a replacement (which would make CloudFormation send a Delete for the old one).
    const requested = (event.ResourceProperties as { ParameterPath?: unknown } | undefined)?.ParameterPath;
    const given = (event as { PhysicalResourceId?: string }).PhysicalResourceId;
    const physicalId = given || (typeof requested === 'string' && requested) || event.LogicalResourceId;
    const answer = (status: CfnResponse['Status'], reason: string, data?: Record<string, string>) =>
      deps.respond(
        event.ResponseURL,
        withinSizeLimit({
          Status: status,
          Reason: reason.slice(0, 1000),
          PhysicalResourceId: physicalId,
          StackId: event.StackId,
          RequestId: event.RequestId,
          LogicalResourceId: event.LogicalResourceId,
          ...(data ? { Data: data } : {}),
        }),
      );
    // Everything, the configuration included, is read inside the try: an unanswered request holds the stack for an hour.
    try {
      if (event.RequestType === 'Delete') {
        // Also sent on a rollback and after a replacement: the parameters are people's, never deleted here.
        logger.info('delete: parameters kept', { physicalId });
        await answer('SUCCESS', 'parameters are kept on delete');
        return;
      }
      if (event.RequestType !== 'Create' && event.RequestType !== 'Update') {
        throw new ValidationError(`unknown RequestType ${JSON.stringify((event as { RequestType?: unknown }).RequestType)}; expected Create, Update or Delete`, { field: 'RequestType' });
      }
      const path = deps.parameterPath();
      if (requested !== undefined && requested !== path) {
        throw new ValidationError(`the resource's ParameterPath ${JSON.stringify(requested)} is not the function's PARAMETER_PATH ${path}; nothing was seeded`, {
          field: 'ResourceProperties.ParameterPath',
        });
      }
      const seeded = await seedDefaultParameters(deps.parameterStore(), path);
      logger.info('defaults seeded', { requestType: event.RequestType, path, seeded });
      await answer('SUCCESS', seeded.length ? `seeded ${seeded.join(', ')}` : 'every parameter already set', { Seeded: seeded.join(',') });
    } catch (error) {
      const { name, message } = error as Error;
      logger.error('seeding failed', { error: name, detail: message });
      await answer('FAILED', `${name}: ${message}`);
    }
  });
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  parameterPath: () => requireEnv('PARAMETER_PATH'),
  respond: sendCfnResponse,
  logger: new Logger(),
});
