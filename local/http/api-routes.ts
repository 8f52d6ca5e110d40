/**
 * The dashboard's JSON API: GET only, under /api/, read-only views of the twin (the read models in
 * local/read-models). Numbers are exact here; the pages round them for people. A malformed or too-wide
 * query is a 400 naming the parameter, an unknown model or execution a 404 saying what was looked for.
 */
import type { IncomingMessage } from 'node:http';
import type { Stage } from '../../src/core/monitoring-policy';
import { DEFAULT_PARAMETERS, readRunConfig, windowMinutes } from '../../src/core/run-config';
import { LocalEndpointForecaster } from '../adapters/local-endpoint-forecaster';
import { ExecutionStore } from '../executor/execution-store';
import type { Pipeline } from '../pipeline';
import { inboxView, type LinkIdsByFile } from '../read-models/approvals';
import { NotFoundError, QueryError } from '../read-models/errors';
import { executionDetail, executionsView, type ExecutionsDeps } from '../read-models/executions';
import { feeSeries, parseFeeRange } from '../read-models/fees';
import { ForecastReadModel } from '../read-models/forecast';
import { modelLineage, modelsView, type ModelsDeps } from '../read-models/models';
import { monitoringView } from '../read-models/monitoring';
import { checkedQuery, integerParameter } from '../read-models/query';
import { statusSummary } from '../read-models/status';
import type { Twin } from '../twin';
import { HttpError, isLoopbackAddress, sendJson, type Route } from './server';

export interface ApiOptions {
  /** The twin's clock (approval expiry is judged on it). */
  now: () => Date;
}

const queryOf = (req: IncomingMessage): URLSearchParams => new URL(req.url ?? '/', 'http://local').searchParams;

/** Read-model errors as HTTP answers: a bad parameter 400, an unknown name 404. */
async function answer(run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof QueryError) throw new HttpError(400, error.message, 'InvalidQuery', {}, { cause: error });
    if (error instanceof NotFoundError) throw new HttpError(404, error.message, 'NotFound', {}, { cause: error });
    throw error;
  }
}

/** The read models' dependencies over one twin and pipeline: built once, shared by the API and the pages. */
export function readModels(twin: Twin, pipeline: Pipeline) {
  const { settings } = pipeline;
  const endpoints: Record<Stage, string> = { staging: settings.STAGING_ENDPOINT_NAME, production: settings.PRODUCTION_ENDPOINT_NAME };
  const store = new ExecutionStore(twin.home.db);
  const forecasts = new ForecastReadModel({
    featureStore: twin.featureStore,
    forecaster: new LocalEndpointForecaster(pipeline.sageMaker),
    endpointName: endpoints.production,
    endpointConfigOf: async (name) => {
      try {
        return (await pipeline.sageMaker.describeEndpoint({ EndpointName: name })).EndpointConfigName;
      } catch {
        return undefined;
      }
    },
    // Read at each poll: `mlops config set training/window-days` changes the chart's forecast as it changes
    // monitoring's. A parameter the machines refuse (they fail naming it) leaves the chart on the default window.
    seriesMinutes: async () => {
      try {
        return windowMinutes((await readRunConfig(twin.parameterStore, settings.PARAMETER_PATH)).windowDays);
      } catch {
        return windowMinutes(Number(DEFAULT_PARAMETERS.windowDays));
      }
    },
  });
  const executions: ExecutionsDeps = {
    list: (limit) => pipeline.stepFunctions.executionRecords({ limit }),
    history: (arn) => pipeline.stepFunctions.history(arn),
    orphans: () => store.orphans(),
    definitionStates: (machine) => Object.entries(pipeline.stepFunctions.definition(machine).States).map(([name, s]) => ({ name, type: String(s.Type) })),
    prefix: settings.JOB_NAME_PREFIX,
  };
  const models: ModelsDeps = {
    sageMaker: pipeline.sageMaker,
    approvals: pipeline.approvals,
    objectStore: twin.objectStore,
    executions: () => pipeline.stepFunctions.executionRecords({ limit: 100_000 }),
    modelPackageGroup: settings.MODEL_PACKAGE_GROUP,
    prefix: settings.JOB_NAME_PREFIX,
    endpoints,
  };
  return { forecasts, executions, models };
}

export type ReadModels = ReturnType<typeof readModels>;

export function apiRoutes(twin: Twin, pipeline: Pipeline, options: ApiOptions, { forecasts, executions, models }: ReadModels = readModels(twin, pipeline)): Route[] {
  const { settings } = pipeline;
  const linkIds: LinkIdsByFile = new Map();
  const get = (pattern: RegExp, params: readonly string[], view: (req: IncomingMessage, match: RegExpExecArray, query: Map<string, string>) => unknown): Route => ({
    method: 'GET',
    pattern,
    loopbackOnly: true,
    handle: async (req, res, match) => {
      const body = await answer(() => view(req, match, checkedQuery(queryOf(req), params)));
      sendJson(res, 200, body, { 'cache-control': 'no-store' });
    },
  });

  return [
    {
      method: 'GET',
      pattern: /^\/api\/fees$/,
      loopbackOnly: true,
      handle: async (req, res) => sendJson(res, 200, await answer(async () => feeSeries(twin.featureStore, parseFeeRange(queryOf(req), twin.featureStore.latestMinute())))),
    },
    // The same summary `mlops status --json` prints.
    get(/^\/api\/status$/, [], () => statusSummary(twin, pipeline, options.now())),
    get(/^\/api\/forecast$/, [], () => forecasts.production()),
    get(/^\/api\/monitoring$/, [], () => monitoringView({ monitoringStore: pipeline.monitoringStore, parameterStore: twin.parameterStore, parameterPath: settings.PARAMETER_PATH })),
    get(/^\/api\/models$/, [], () => modelsView(models)),
    get(/^\/api\/models\/([^/]+)$/, [], (_req, match) => modelLineage(models, versionOf(match[1]))),
    get(/^\/api\/executions$/, ['limit'], (_req, _match, query) => ({ executions: executionsView(executions, query.has('limit') ? integerParameter('limit', query.get('limit')!, 1, 1000) : 50) })),
    get(/^\/api\/executions\/([^/]+)$/, [], (_req, match) => executionDetail(executions, executionNameOf(match[1]))),
    get(/^\/api\/approvals$/, [], (req) =>
      inboxView({ approvals: pipeline.approvals, mailer: pipeline.mailer, now: options.now(), linkIds }, { withLinks: isLoopbackAddress(req.socket.remoteAddress) }),
    ),
  ];
}

function versionOf(text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new QueryError('version', `a model version is a whole number from 1, like /api/models/3; got ${JSON.stringify(decodeSafely(text).slice(0, 40))}`);
  return Number(text);
}

function executionNameOf(text: string): string {
  const name = decodeSafely(text);
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new QueryError('name', `an execution name is 1 to 80 letters, digits, - or _ (as Step Functions names them); got ${JSON.stringify(name.slice(0, 40))}`);
  return name;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

