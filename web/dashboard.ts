/**
 * The twin's dashboard: one page that says where the pipeline stands (data, executions, models,
 * endpoints, threshold, outbox). Plain HTML, refreshed by the browser every 10 s; nothing here changes state.
 */
import { escapeHtml } from './plot';

export interface DashboardData {
  now: string;
  featureStore: { rows: number; minutes: number; first?: string; last?: string; missingMinutes: number };
  executions: Array<{ name: string; machine: string; status: string; startDate: string; stopDate?: string; outcome: string }>;
  modelPackages: Array<{ arn: string; version: number; status: string; created: string; loss?: string }>;
  endpoints: Array<{ name: string; status: string; config: string; url: string }>;
  parameters: Array<{ name: string; value: string; version: number }>;
  outbox: Array<{ file: string; date: string; subject: string }>;
  metrics?: Array<{ at: string; stage: string; loss: number; threshold: number; breach: boolean }>;
}

const e = escapeHtml;

function table(headers: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${e(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function renderDashboard(d: DashboardData): string {
  const fs = d.featureStore;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="10"><title>DeepAR fee pipeline: local twin</title>
<style>
  body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a}
  table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e3e3e3;font-size:.92rem}
  code{font-size:.85em;word-break:break-all}.empty{color:#666}.SUCCEEDED,.InService,.Approved{color:#1b5e20}.FAILED,.Failed,.Rejected,.ABORTED{color:#b71c1c}
</style></head><body>
<h1>DeepAR fee pipeline: local twin</h1>
<p>Twin clock's data up to <strong>${e(fs.last ?? 'nothing yet')}</strong>; page rendered ${e(d.now)}.</p>
<h2>Feature store</h2>
<p>${e(fs.minutes)} minutes (${e(fs.rows)} rows) from ${e(fs.first ?? '–')} to ${e(fs.last ?? '–')}, ${e(fs.missingMinutes)} missing minutes.</p>
<h2>Executions</h2>
${table(['started', 'state machine', 'name', 'status', 'outcome'], d.executions.map((x) => [e(x.startDate), e(x.machine), `<code>${e(x.name)}</code>`, `<span class="${e(x.status)}">${e(x.status)}</span>`, e(x.outcome)]), 'No executions yet.')}
<h2>Model registry</h2>
${table(['version', 'status', 'mean wQuantileLoss', 'created', 'ARN'], d.modelPackages.map((m) => [e(m.version), `<span class="${e(m.status)}">${e(m.status)}</span>`, e(m.loss ?? '–'), e(m.created), `<code>${e(m.arn)}</code>`]), 'No model registered yet.')}
<h2>Endpoints</h2>
${table(['name', 'status', 'config', 'invocations URL'], d.endpoints.map((x) => [e(x.name), `<span class="${e(x.status)}">${e(x.status)}</span>`, `<code>${e(x.config)}</code>`, `<code>${e(x.url)}</code>`]), 'No endpoint deployed yet.')}
${d.metrics ? `<h2>Monitoring</h2>${table(['checked', 'stage', 'mean wQuantileLoss', 'threshold', 'breach'], d.metrics.map((m) => [e(m.at), e(m.stage), e(m.loss.toFixed(4)), e(m.threshold.toFixed(4)), m.breach ? '<strong class="Failed">yes</strong>' : 'no']), 'No check yet.')}` : ''}
<h2>Parameters</h2>
${table(['name', 'value', 'version'], d.parameters.map((p) => [`<code>${e(p.name)}</code>`, `<code>${e(p.value)}</code>`, e(p.version)]), 'No parameters yet.')}
<h2>Outbox</h2>
${table(['date', 'subject', 'message'], d.outbox.map((m) => [e(m.date), e(m.subject), `<a href="/outbox/${encodeURIComponent(m.file)}">${e(m.file)}</a>`]), 'No mail sent yet.')}
</body></html>
`;
}
