/**
 * The twin's Lambdas: each function of serverless.yml, by its handler module, built with the module's
 * own `createHandler` and local adapters. The twin finds a function's module through serverless.yml,
 * so a function added there without a local wiring is an error at start, not a silent gap.
 */
import type { Context } from 'aws-lambda';
import { createHandler as evaluateForecast } from '../functions/evaluate-forecast';
import { createHandler as extractSeries } from '../functions/extract-series';
import { createHandler as ingestRecords } from '../functions/ingest-records';
import { createHandler as loadRunConfig } from '../functions/load-run-config';
import type { DeploymentSettings } from '../functions/lib/settings';
import type { EndpointForecaster } from '../src/ports/endpoint-forecaster';
import type { Json } from './executor/definitions';
import { readServerlessConfig } from './executor/definitions';
import type { LocalLambda } from './executor/task-resolver';
import type { Twin } from './twin';

export interface LambdaDeps {
  twin: Twin;
  settings: DeploymentSettings;
  forecaster: EndpointForecaster;
}

type Handler = (event: never, context: Context) => Promise<unknown>;

/** By handler module path, as serverless.yml names it (without the exported name). */
const WIRINGS: Record<string, (deps: LambdaDeps) => Handler> = {
  'functions/ingest-records': ({ twin }) => ingestRecords({ featureStore: () => twin.featureStore }),
  'functions/load-run-config': ({ twin, settings }) => loadRunConfig({ parameterStore: () => twin.parameterStore, settings: () => settings }),
  'functions/extract-series': ({ twin }) => extractSeries({ featureStore: () => twin.featureStore, objectStore: () => twin.objectStore }),
  'functions/evaluate-forecast': ({ twin, forecaster }) => evaluateForecast({ objectStore: () => twin.objectStore, forecaster: () => forecaster }),
};

const LOCAL_CONTEXT = { functionName: 'local', awsRequestId: 'local', getRemainingTimeInMillis: () => 900_000 } as unknown as Context;

export function localLambdas(deps: LambdaDeps): Record<string, LocalLambda> {
  const lambdas: Record<string, LocalLambda> = {};
  for (const [name, fn] of Object.entries(readServerlessConfig().functions)) {
    const module = fn.handler.replace(/\.[A-Za-z_]+$/, '');
    const wire = WIRINGS[module];
    if (!wire) throw new Error(`serverless.yml function ${name} (${fn.handler}) has no local wiring in local/lambdas.ts`);
    const handler = wire(deps);
    lambdas[name] = async (event: Json) => (await handler(event as never, LOCAL_CONTEXT)) as Json;
  }
  return lambdas;
}
