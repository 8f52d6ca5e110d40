/**
 * The CloudFormation custom resource behind `DefaultParameters` (serverless.yml): on Create and Update it
 * seeds the run-time parameters with their defaults, keeping every value that exists (a user's tuned
 * threshold survives a redeploy); on Delete it does nothing, so `sls remove` leaves the user's values.
 * It always answers CloudFormation's presigned response URL, or the stack would wait an hour for it.
 */
import { request } from 'node:https';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
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

export function createHandler(deps: SeedParametersDeps) {
  const { logger } = deps;
  return middy<CloudFormationCustomResourceEvent, void, Error, Context>().use(lambdaContext(logger)).handler(async (event) => {
    // The path is stable for a stack (its stage); it names the resource, so an update never replaces it.
    const physicalId = event.RequestType === 'Create' ? deps.parameterPath() : event.PhysicalResourceId;
    const answer = (status: CfnResponse['Status'], reason: string, data?: Record<string, string>) =>
      deps.respond(event.ResponseURL, {
        Status: status,
        Reason: reason.slice(0, 1000),
        PhysicalResourceId: physicalId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
        ...(data ? { Data: data } : {}),
      });
    try {
      if (event.RequestType === 'Delete') {
        logger.info('delete: parameters kept', { physicalId });
        await answer('SUCCESS', 'parameters are kept on delete');
        return;
      }
      const path = deps.parameterPath();
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
