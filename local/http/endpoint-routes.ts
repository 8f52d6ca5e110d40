/**
 * `POST /endpoints/{name}/invocations`: SageMaker Runtime's InvokeEndpoint over the twin's HTTP server, with
 * DeepAR's JSON (`{"instances": [...], "configuration": {...}}` in, `{"predictions": [...]}` out).
 * 400 for a bad body (the message names the field), 404 for an unknown endpoint, 503 when it is not in service
 * or too many requests wait already (with Retry-After),
 * 415 for a body that is not application/json, 413 beyond the server's body limit, 400 for a name whose
 * %-encoding is malformed (SageMaker Runtime's ValidationError: test/fixtures/aws/sagemaker-runtime-invoke-endpoint.json).
 */
import type { LocalSageMaker } from '../sagemaker';
import { isEndpointInvocationError } from '../sagemaker/endpoint-request';
import { HttpError, readJson, type Route, sendJson } from './server';

export const INVOCATIONS_PATTERN = /^\/endpoints\/([^/]+)\/invocations$/;

/** The URL a client posts to, e.g. `http://127.0.0.1:8080/endpoints/fees-staging/invocations`. */
export function invocationsUrl(baseUrl: string, endpointName: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/endpoints/${encodeURIComponent(endpointName)}/invocations`;
}

/** The path's endpoint name, %-decoded; a malformed escape is the client's error, not the server's. */
function endpointNameOf(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `The endpoint name in the path, ${JSON.stringify(raw)}, is not valid %-encoding (EndpointName must match [a-zA-Z0-9](-*[a-zA-Z0-9])*)`, 'ValidationError');
  }
}

export function endpointRoutes(sageMaker: Pick<LocalSageMaker, 'invokeEndpoint'>): Route[] {
  return [
    {
      method: 'POST',
      pattern: INVOCATIONS_PATTERN,
      async handle(req, res, match) {
        const name = endpointNameOf(match[1]);
        const body = await readJson(req);
        try {
          sendJson(res, 200, await sageMaker.invokeEndpoint(name, body));
        } catch (e) {
          if (isEndpointInvocationError(e)) {
            const headers: Record<string, string> = e.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(e.retryAfterSeconds) };
            throw new HttpError(e.statusCode, e.message, e.name, headers, { cause: e });
          }
          throw e;
        }
      },
    },
  ];
}
