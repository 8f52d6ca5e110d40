/**
 * The twin's dashboard: one small HTML shell per view (Live, Monitoring, Models, a model, Executions, an
 * execution, Approvals and outbox). The shell holds no data: the page's script (web/dashboard-client.js)
 * polls the JSON API (/api/...) every few seconds and draws with uPlot, both served by the twin itself
 * (nothing from a CDN). Its content security policy allows the twin's own script and styles only.
 */
import { escapeHtml } from './plot';

export const DASHBOARD_VIEWS = ['live', 'monitoring', 'models', 'model', 'executions', 'execution', 'outbox'] as const;
export type DashboardView = (typeof DASHBOARD_VIEWS)[number];

/** Scripts, styles and fetches from the twin itself only; no inline script or style, no framing. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface DashboardPage {
  view: DashboardView;
  /** The model version or execution name the view is about. */
  param?: string;
  /** Each stage's endpoint and the model version it serves: on the Live page before the first poll. */
  stages?: Record<string, { endpoint: string; status?: string; version: number | null }>;
}

/** The endpoints table; the script redraws the same section (`#live-endpoints`) on each poll. */
function endpointsSection(stages: NonNullable<DashboardPage['stages']>): string {
  const e = escapeHtml;
  const rows = Object.entries(stages)
    .map(([stage, s]) => `<tr><td>${e(stage)}</td><td><code>${e(s.endpoint)}</code></td><td><span class="${e(s.status ?? '')}">${e(s.status ?? 'not deployed')}</span></td><td>${s.version === null ? '–' : `<a href="/models/${e(s.version)}">version ${e(s.version)}</a>`}</td></tr>`)
    .join('');
  return `<section id="live-endpoints"><h2>Endpoints</h2><div class="content"><div class="table-wrap"><table><thead><tr><th scope="col">stage</th><th scope="col">endpoint</th><th scope="col">status</th><th scope="col">model</th></tr></thead><tbody>${rows}</tbody></table></div></div></section>`;
}

const TITLES: Record<DashboardView, string> = {
  live: 'Live',
  monitoring: 'Monitoring',
  models: 'Models',
  model: 'Model',
  executions: 'Executions',
  execution: 'Execution',
  outbox: 'Approvals and outbox',
};

const NAV: Array<[string, string, DashboardView[]]> = [
  ['/', 'Live', ['live']],
  ['/monitoring', 'Monitoring', ['monitoring']],
  ['/models', 'Models', ['models', 'model']],
  ['/executions', 'Executions', ['executions', 'execution']],
  ['/outbox', 'Approvals', ['outbox']],
];

export function renderDashboard(page: DashboardPage): string {
  const e = escapeHtml;
  const title = `${TITLES[page.view]}${page.param ? ` ${page.param}` : ''}`;
  const nav = NAV.map(([href, label, views]) => `<a href="${href}"${views.includes(page.view) ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">
<title>${e(title)}: DeepAR fee pipeline</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/uPlot.min.css"><link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/uPlot.iife.min.js" defer></script><script src="/assets/dashboard.js" defer></script>
</head><body>
<header><strong class="brand">DeepAR fee pipeline</strong><nav>${nav}</nav><span id="updated" class="updated" aria-live="polite"></span></header>
<main id="view" data-view="${e(page.view)}" data-param="${e(page.param ?? '')}">
<h1>${e(title)}</h1>
<noscript><p class="error">This dashboard draws its charts and tables with its own script; the same figures are in the JSON API under /api/.</p></noscript>
<p class="empty" id="loading">Loading…</p>
${page.stages ? endpointsSection(page.stages) : ''}
</main>
</body></html>
`;
}
