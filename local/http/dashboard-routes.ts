/**
 * The dashboard (GET /) and the outbox's messages (GET /outbox/{file}): read-only views of the twin. Both show
 * approval links, so they answer this machine's clients only, even when the twin listens beyond it.
 */
import { PARAMETER_NAMES, parameterName, type ParameterKey } from '../../src/core/run-config';
import { renderDashboard, type DashboardData } from '../../web/dashboard';
import { escapeHtml } from '../../web/plot';
import type { Pipeline } from '../pipeline';
import type { Twin } from '../twin';
import { invocationsUrl } from './endpoint-routes';
import type { Route } from './server';

export async function dashboardData(twin: Twin, pipeline: Pipeline, baseUrl: string, now: Date): Promise<DashboardData> {
  const fs = twin.featureStore.summary();
  const executions = pipeline.stepFunctions.executionRecords({ limit: 25 }).map((e) => {
    const output = (e.output ?? {}) as { status?: string; reason?: string };
    return {
      name: e.name,
      machine: e.stateMachineArn.split(':').pop()!.replace(`${pipeline.settings.JOB_NAME_PREFIX}-`, ''),
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      outcome: e.status === 'SUCCEEDED' ? [output.status, output.reason].filter(Boolean).join(': ') : (e.error ?? ''),
    };
  });
  const packages = (await pipeline.sageMaker.listModelPackages({ ModelPackageGroupName: pipeline.settings.MODEL_PACKAGE_GROUP, MaxResults: 20, SortBy: 'CreationTime', SortOrder: 'Descending' })).ModelPackageSummaryList ?? [];
  const modelPackages = await Promise.all(
    packages.map(async (p) => {
      const described = await pipeline.sageMaker.describeModelPackage({ ModelPackageName: p.ModelPackageArn! });
      return {
        arn: p.ModelPackageArn!,
        version: p.ModelPackageVersion ?? 0,
        status: p.ModelApprovalStatus ?? '',
        created: new Date(p.CreationTime!).toISOString(),
        loss: described.CustomerMetadataProperties?.meanWQuantileLoss,
      };
    }),
  );
  const endpoints = ((await pipeline.sageMaker.listEndpoints({})).Endpoints ?? []).map((e) => ({
    name: e.EndpointName!,
    status: e.EndpointStatus ?? '',
    config: '',
    url: invocationsUrl(baseUrl, e.EndpointName!),
  }));
  for (const endpoint of endpoints) endpoint.config = (await pipeline.sageMaker.describeEndpoint({ EndpointName: endpoint.name })).EndpointConfigName ?? '';
  const parameters = await Promise.all(
    (Object.keys(PARAMETER_NAMES) as ParameterKey[]).map(async (key) => {
      const p = await twin.parameterStore.get(parameterName(pipeline.settings.PARAMETER_PATH, key));
      return { name: PARAMETER_NAMES[key], value: p.value, version: p.version };
    }),
  );
  const outbox = (await pipeline.mailer.list()).slice(0, 20).map((m) => ({ file: m.file, date: m.date, subject: m.subject }));
  return { now: now.toISOString(), featureStore: fs, executions, modelPackages, endpoints, parameters, outbox };
}

export function dashboardRoutes(twin: Twin, pipeline: Pipeline, baseUrl: () => string): Route[] {
  const html = (res: import('node:http').ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  return [
    {
      method: 'GET',
      pattern: /^\/$/,
      loopbackOnly: true,
      handle: async (_req, res) => html(res, 200, renderDashboard(await dashboardData(twin, pipeline, baseUrl(), new Date()))),
    },
    {
      method: 'GET',
      pattern: /^\/outbox\/([A-Za-z0-9._-]+\.eml)$/,
      loopbackOnly: true,
      handle: async (_req, res, match) => {
        let message: string;
        try {
          message = await pipeline.mailer.read(match[1]);
        } catch {
          return html(res, 404, '<!doctype html><title>Not found</title><p>No such message in the outbox.</p>');
        }
        html(res, 200, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow"><title>${escapeHtml(match[1])}</title></head><body><p><a href="/">Dashboard</a></p><pre style="white-space:pre-wrap">${escapeHtml(message)}</pre></body></html>`);
      },
    },
  ];
}
