/**
 * `POST /endpoints/{name}/invocations`: SageMaker Runtime's InvokeEndpoint over the twin's HTTP server, with
 * DeepAR's JSON (`{"instances": [...], "configuration": {...}}` in, `{"predictions": [...]}` out).
 * 400 for a bad body (the message names the field), 404 for an unknown endpoint, 503 when it is not in service,
 * 415 for a body that is not application/json, 413 beyond the server's body limit.
 */
import type { LocalSageMaker } from '../sagemaker';
import { isEndpointInvocationError } from '../sagemaker/endpoint-request';
import { HttpError, readJson, type Route, sendJson } from './server';

export const INVOCATIONS_PATTERN = /^\/endpoints\/([^/]+)\/invocations$/;

/** The URL a client posts to, e.g. `http://127.0.0.1:8080/endpoints/fees-staging/invocations`. */
export function invocationsUrl(baseUrl: string, endpointName: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/endpoints/${encodeURIComponent(endpointName)}/invocations`;
}

export function endpointRoutes(sageMaker: Pick<LocalSageMaker, 'invokeEndpoint'>): Route[] {
  return [
    {
      method: 'POST',
      pattern: INVOCATIONS_PATTERN,
      async handle(req, res, match) {
        const name = decodeURIComponent(match[1]);
        const body = await readJson(req);
        try {
          sendJson(res, 200, await sageMaker.invokeEndpoint(name, body));
        } catch (e) {
          if (isEndpointInvocationError(e)) throw new HttpError(e.statusCode, e.message, e.name, {}, { cause: e });
          throw e;
        }
      },
    },
  ];
}
