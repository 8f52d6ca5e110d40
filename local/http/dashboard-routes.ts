/**
 * The dashboard's pages (Live `/`, `/monitoring`, `/models`, `/models/{version}`, `/executions`,
 * `/executions/{name}`, `/outbox`), their script and styles (`/assets/...`: the page's own and uPlot's, from
 * the project's node_modules, so the page works offline), the outbox's messages (`/outbox/{file}`) and the
 * JSON API the pages poll (api-routes.ts). All read-only; all answer this machine's clients only, as the
 * pages show approval links.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { DASHBOARD_CSP, renderDashboard, type DashboardPage } from '../../web/dashboard';
import { escapeHtml } from '../../web/plot';
import { readTwinNow } from '../clock';
import type { Pipeline } from '../pipeline';
import type { Twin } from '../twin';
import { modelsView } from '../read-models/models';
import { apiRoutes, readModels } from './api-routes';
import type { Route } from './server';

export interface DashboardOptions {
  /** The twin's clock; default: the one `mlops up` records for the home. */
  now?: () => Date;
}

const WEB_DIR = join(__dirname, '..', '..', 'web');

/** The static files the pages load, by their path under /assets/: where each is, and its type. */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: () => join(WEB_DIR, 'dashboard-client.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: () => join(WEB_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
};

function sendHtml(res: ServerResponse, status: number, body: string, csp?: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...(csp ? { 'content-security-policy': csp } : {}) });
  res.end(body);
}

/** A view's page; `initial` adds what it shows before its script's first poll (and without script). */
const page = (pattern: RegExp, view: DashboardPage['view'], initial?: () => Promise<Partial<DashboardPage>>): Route => ({
  method: 'GET',
  pattern,
  loopbackOnly: true,
  handle: async (_req, res, match) => sendHtml(res, 200, renderDashboard({ view, ...(match[1] ? { param: match[1] } : {}), ...(initial ? await initial() : {}) }), DASHBOARD_CSP),
});

export function dashboardRoutes(twin: Twin, pipeline: Pipeline, _baseUrl: () => string, options: DashboardOptions = {}): Route[] {
  const now = options.now ?? (() => readTwinNow(twin.home.dir, () => twin.featureStore.latestMinute()?.getTime()));
  const assets = new Map<string, Buffer>();
  const models = readModels(twin, pipeline);
  return [
    page(/^\/$/, 'live', async () => ({ stages: (await modelsView(models.models)).stages })),
    {
      method: 'GET',
      pattern: /^\/outbox\/([A-Za-z0-9._-]+\.eml)$/,
      loopbackOnly: true,
      handle: async (_req, res, match) => {
        let message: string;
        try {
          message = await pipeline.mailer.read(match[1]);
        } catch {
          return sendHtml(res, 404, '<!doctype html><title>Not found</title><p>No such message in the outbox.</p>');
        }
        sendHtml(res, 200, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow"><title>${escapeHtml(match[1])}</title></head><body><p><a href="/outbox">Approvals and outbox</a></p><pre style="white-space:pre-wrap">${escapeHtml(message)}</pre></body></html>`);
      },
    },
    page(/^\/monitoring$/, 'monitoring'),
    page(/^\/models$/, 'models'),
    page(/^\/models\/([1-9]\d{0,8})$/, 'model'),
    page(/^\/executions$/, 'executions'),
    page(/^\/executions\/([A-Za-z0-9_-]{1,80})$/, 'execution'),
    page(/^\/outbox$/, 'outbox'),
    {
      method: 'GET',
      pattern: /^\/assets\/([A-Za-z0-9.-]+)$/,
      loopbackOnly: true,
      handle: (_req, res, match) => {
        const asset = Object.hasOwn(ASSETS, match[1]) ? ASSETS[match[1]] : undefined;
        if (!asset) return sendHtml(res, 404, '<!doctype html><title>Not found</title><p>No such asset.</p>');
        let body = assets.get(match[1]);
        if (!body) assets.set(match[1], (body = readFileSync(asset.file())));
        res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, 'cache-control': 'no-cache' });
        res.end(body);
      },
    },
    ...apiRoutes(twin, pipeline, { now }, models),
  ];
}
