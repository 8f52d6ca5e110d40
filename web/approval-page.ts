/**
 * The approval pages: complete HTML documents with inline CSS and inline SVG, no script and no external
 * asset (a mail client or a locked-down browser shows them as they are). Everything from data is escaped.
 */
import { effectiveStatus, notWaitingMessage, type ApprovalRequest } from '../src/core/approval';
import type { EvaluationReport } from '../src/core/evaluation';
import { escapeHtml, renderForecastPlot } from './plot';

export { escapeHtml };

const CSS = `
  :root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1a1a1a}
  body{max-width:60rem;margin:2rem auto;padding:0 1rem}
  h1{font-size:1.5rem;margin-bottom:.25rem}
  table{border-collapse:collapse;margin:1rem 0}
  th,td{text-align:left;padding:.35rem .9rem .35rem 0;border-bottom:1px solid #e3e3e3;vertical-align:top}
  td.num{font-variant-numeric:tabular-nums;text-align:right}
  .status{padding:.75rem 1rem;border-radius:.4rem;margin:1rem 0;border:1px solid}
  .status.pending{background:#fff8e1;border-color:#f0c36d}
  .status.approved{background:#e8f5e9;border-color:#81c784}
  .status.rejected,.status.expired,.status.error{background:#fdecea;border-color:#e57373}
  .good{color:#1b5e20}.bad{color:#b71c1c}
  code{font-size:.9em;word-break:break-all}
  form{margin:1.5rem 0;padding:1rem;border:1px solid #ccc;border-radius:.4rem}
  label{display:block;margin-bottom:.25rem;font-weight:600}
  input[type=text]{font:inherit;padding:.4rem;width:min(24rem,100%);margin-bottom:1rem}
  button{font:inherit;padding:.5rem 1.4rem;margin-right:.75rem;border-radius:.3rem;border:1px solid #555;cursor:pointer}
  button[value=approve]{background:#2e7d32;color:#fff;border-color:#1b5e20}
  button[value=reject]{background:#fff;color:#b71c1c;border-color:#b71c1c}
  .legend span{margin-right:1.2rem;white-space:nowrap}
  .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
  .swatch{display:inline-block;width:1.4em;height:.8em;vertical-align:middle;margin-right:.3em}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const num = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : escapeHtml(Number(v.toPrecision(4))));

/** What has happened to a request, in one sentence (null while it is pending and not expired). */
export function describeOutcome(request: ApprovalRequest, now: Date): string | null {
  const { decision } = request;
  if (decision) {
    return `${decision.status === 'approved' ? 'Approved' : 'Rejected'} by ${decision.by} at ${decision.at}${decision.from ? ` from ${decision.from}` : ''}${decision.comment ? ` (${decision.comment})` : ''}.${deliveryNote(request)}`;
  }
  if (request.status === 'expired') return `Expired at ${request.expiredAt ?? request.expiresAt}: nobody decided in time, so the model was not deployed to ${request.stage}.`;
  if (effectiveStatus(request, now) === 'expired') return `This link expired at ${request.expiresAt}: it can no longer approve or reject.`;
  return null;
}

/** Where a recorded decision is on its way to the pipeline, as a sentence to append ('' when delivered or unknown). */
function deliveryNote(request: ApprovalRequest): string {
  const d = request.delivery;
  if (!d || d.state === 'delivered') return '';
  if (d.state === 'pending') return ` The decision is being delivered to the pipeline${d.lastError ? ` (the last attempt failed: ${d.lastError})` : ''}; it is retried automatically, or send it again below.`;
  if (d.state === 'not-waiting') return ` It did not reach the pipeline: ${notWaitingMessage(d.lastError)}.`;
  if (d.state === 'carried') return ` The twin restarted before the pipeline heard it; it went on to the deployment that resumed (${d.carriedTo}).`;
  return ' It waits for the resumed deployment to ask for it.';
}

/** A button that sends the recorded decision again (the store sends the recorded one whatever the form says). */
function resendForm(request: ApprovalRequest, actionUrl: string): string {
  if (request.delivery?.state !== 'pending' || !request.decision) return '';
  const value = request.decision.status === 'approved' ? 'approve' : 'reject';
  return `<form method="post" action="${escapeHtml(actionUrl)}">
<button type="submit" name="decision" value="${value}">Send the decision (${escapeHtml(request.decision.status)}) again</button>
</form>`;
}

function evidenceTable(request: ApprovalRequest, report: EvaluationReport | null): string {
  const e = request.evidence;
  const under = e.meanWQuantileLoss <= e.threshold;
  const vsNaive = e.meanWQuantileLoss <= e.seasonalNaiveLoss;
  const vsStage = e.stageLoss === null ? null : e.meanWQuantileLoss <= e.stageLoss;
  const rmse = (v: number | undefined) => (v === undefined ? '' : num(v));
  return `<table aria-describedby="evidence-caption">
<caption id="evidence-caption" class="visually-hidden">Losses on the held-out points (lower is better)</caption>
<thead><tr><th scope="col">Model</th><th scope="col">Mean wQuantileLoss</th><th scope="col">RMSE</th><th scope="col">Candidate is</th></tr></thead>
<tbody>
<tr><th scope="row">Candidate</th><td class="num">${num(e.meanWQuantileLoss)}</td><td class="num">${num(e.rmse)}</td><td></td></tr>
<tr><th scope="row">Threshold</th><td class="num">${num(e.threshold)}</td><td></td><td class="${under ? 'good' : 'bad'}">${under ? 'under the threshold' : 'over the threshold'}</td></tr>
<tr><th scope="row">Seasonal naive (one day back)</th><td class="num">${num(e.seasonalNaiveLoss)}</td><td class="num">${rmse(report?.seasonalNaive.rmse)}</td><td class="${vsNaive ? 'good' : 'bad'}">${vsNaive ? 'better or equal' : 'worse'}</td></tr>
<tr><th scope="row">Model now in ${escapeHtml(request.stage)}</th>${
    e.stageLoss === null
      ? `<td colspan="3">none deployed</td>`
      : `<td class="num">${num(e.stageLoss)}</td><td class="num">${rmse(report?.[request.stage]?.rmse)}</td><td class="${vsStage ? 'good' : 'bad'}">${vsStage ? 'better or equal' : 'worse'}</td>`
  }</tr>
</tbody>
</table>`;
}

function plotSection(report: EvaluationReport | null): string {
  if (!report) return `<p class="status error">The evaluation report could not be read, so there is no plot; the figures above come from the request.</p>`;
  const svg = renderForecastPlot({
    actual: report.holdout.actual,
    quantiles: report.candidate.forecast.quantiles,
    mean: report.candidate.forecast.mean,
    seasonalNaive: report.seasonalNaive.forecast.mean,
    start: report.holdout.start,
  });
  return `<figure>
${svg}
<figcaption class="legend">
<span><span class="swatch" style="background:#9ecae1"></span>10–90% band</span>
<span><span class="swatch" style="background:#3182bd"></span>30–70% band</span>
<span><span class="swatch" style="background:#08519c;height:.2em"></span>median</span>
<span><span class="swatch" style="border-top:2px dashed #e6550d;height:0"></span>seasonal naive</span>
<span>● what happened (${report.holdout.actual.length} held-out minutes from ${escapeHtml(report.holdout.start)})</span>
</figcaption>
</figure>`;
}

/** The candidate against production and seasonal naive on each evaluation window, and the gate's verdict. */
function windowsSection(report: EvaluationReport | null): string {
  if (!report || !Array.isArray(report.windows) || report.windows.length === 0) return '';
  const c = report.comparison;
  const statistic = c
    ? `Mean improvement over production ${num(c.meanImprovement)} (${num(c.relativeImprovement * 100)}%), ${num(c.tStatistic)} standard errors over ${c.windows} windows; ${escapeHtml(c.rule)}.`
    : 'No production model to compare with: the threshold alone decides.';
  const verdict = report.verdict
    ? `<p class="status ${report.verdict.register ? 'approved' : 'rejected'}" id="gate-verdict">${report.verdict.register ? 'Registered' : 'Not registered'}: ${escapeHtml(report.verdict.reason)}</p>`
    : '';
  const better = (candidate: number, other: number | null) => (other === null ? '' : candidate < other ? 'good' : candidate > other ? 'bad' : '');
  const rows = report.windows
    .map(
      (w) =>
        `<tr><th scope="row">${escapeHtml(w.start)}</th><td class="num ${better(w.candidate, w.production)}">${num(w.candidate)}</td><td class="num">${num(w.production)}</td><td class="num">${num(w.seasonalNaive)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Per-window comparison</h2>
${verdict}
<p>${statistic}</p>
<table aria-describedby="windows-caption">
<caption id="windows-caption" class="visually-hidden">Mean wQuantileLoss of each evaluation window (lower is better)</caption>
<thead><tr><th scope="col">Window from</th><th scope="col">Candidate</th><th scope="col">Production</th><th scope="col">Seasonal naive</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function details(request: ApprovalRequest): string {
  return `<table>
<tbody>
<tr><th scope="row">Stage</th><td>${escapeHtml(request.stage)}</td></tr>
<tr><th scope="row">Model package</th><td><code>${escapeHtml(request.modelPackageArn)}</code></td></tr>
<tr><th scope="row">Requested at</th><td>${escapeHtml(request.createdAt)}</td></tr>
<tr><th scope="row">Link expires at</th><td>${escapeHtml(request.expiresAt)}</td></tr>
${request.sentTo?.length ? `<tr><th scope="row">Link sent to</th><td>${escapeHtml(request.sentTo.join(', '))}</td></tr>` : ''}
</tbody>
</table>`;
}

export function renderApprovalPage(input: { request: ApprovalRequest; report: EvaluationReport | null; actionUrl: string; now: Date; notice?: string }): string {
  const { request, report, actionUrl, now } = input;
  const status = effectiveStatus(request, now);
  const outcome = describeOutcome(request, now);
  const title = `Deploy the model to ${request.stage}?`;
  const decisionBlock =
    outcome === null
      ? `<p class="status pending">Waiting for a decision until ${escapeHtml(request.expiresAt)}.</p>
<form method="post" action="${escapeHtml(actionUrl)}">
${request.sentTo?.length ? `<p>This link was sent to ${escapeHtml(request.sentTo.join(', '))}.</p>` : ''}
<label for="approver">Your name (optional, recorded with the decision)</label>
<input type="text" id="approver" name="approver" maxlength="200" autocomplete="name">
<div>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="reject">Reject</button>
</div>
</form>`
      : `<p class="status ${escapeHtml(status)}" role="status">${escapeHtml(outcome)}</p>
${resendForm(request, actionUrl)}`;
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
${input.notice ? `<p class="status error" role="alert">${escapeHtml(input.notice)}</p>` : ''}
${decisionBlock}
<h2>Evidence</h2>
${evidenceTable(request, report)}
<h2>Forecast of the held-out points</h2>
${plotSection(report)}
${windowsSection(report)}
<h2>Request</h2>
${details(request)}`,
  );
}

/**
 * The page after a POST: what was done (`done`), a decision recorded but still on its way to the
 * pipeline (`pending-delivery`), why nothing was recorded (`conflict`: a second click, a replay, an
 * expired link; `redelivery` says what sending the earlier decision again did), or a decision recorded
 * too late for the pipeline (`not-waiting`).
 */
export function renderDecisionPage(input: {
  request: ApprovalRequest;
  now: Date;
  kind: 'done' | 'conflict' | 'not-waiting' | 'pending-delivery';
  message?: string;
  redelivery?: 'delivered' | 'not-waiting' | 'failed' | 'busy';
  actionUrl?: string;
}): string {
  const { request, now, kind, redelivery } = input;
  const outcome = describeOutcome(request, now) ?? `Still waiting for a decision until ${request.expiresAt}.`;
  const decided = request.status === 'approved' ? `approved for ${request.stage}` : `rejected for ${request.stage}`;
  let heading: string;
  let what: string;
  let cls: string = 'error';
  if (kind === 'done') {
    heading = request.status === 'approved' ? 'Approved' : 'Rejected';
    what = request.status === 'approved' ? `The model is approved for ${request.stage}; the pipeline goes on with the deployment.` : `The model is rejected; nothing is deployed to ${request.stage}.`;
    cls = request.status;
  } else if (kind === 'pending-delivery') {
    heading = 'Your decision is being delivered';
    what = `Your decision is recorded: the model is ${decided}. The pipeline has not received it yet (${input.message ?? 'the first attempt failed'}); it is sent again automatically within minutes, or open this link again and send it. It will not change.`;
    cls = 'pending';
  } else if (kind === 'not-waiting') {
    heading = 'Too late';
    what = `Your decision was recorded, but ${input.message ?? 'the pipeline is no longer waiting for it'}, so it changes nothing.`;
  } else if (redelivery === 'delivered') {
    heading = 'Decision delivered';
    what = `Nothing new was recorded: ${input.message ?? 'this request was already decided'}. That decision had not reached the pipeline yet; it has now.`;
    cls = request.status;
  } else if (redelivery === 'failed') {
    heading = 'Your decision is being delivered';
    what = `Nothing new was recorded: ${input.message ?? 'this request was already decided'}. That decision has not reached the pipeline yet (this attempt failed too); it is sent again automatically within minutes.`;
    cls = 'pending';
  } else if (redelivery === 'busy') {
    heading = 'Already decided';
    what = `Nothing was changed: ${input.message ?? 'this request was already decided'}. That decision is being delivered to the pipeline right now.`;
  } else {
    heading = 'Already decided';
    what = `Nothing was changed: ${input.message ?? 'this request was already decided'}.`;
  }
  return page(
    `${heading}: ${request.stage}`,
    `<h1>${escapeHtml(heading)}</h1>
<p class="status ${escapeHtml(cls)}" role="status">${escapeHtml(what)}</p>
<p>${escapeHtml(outcome)}</p>
${input.actionUrl ? resendForm(request, input.actionUrl) : ''}
${details(request)}`,
  );
}

export function renderNotFoundPage(): string {
  return page(
    'Approval request not found',
    `<h1>Approval request not found</h1>
<p class="status error">No approval request has this link. It may be mistyped, cut by your mail program, or tampered with. Nothing was changed.</p>`,
  );
}

export function renderErrorPage(input: { title: string; message: string }): string {
  return page(input.title, `<h1>${escapeHtml(input.title)}</h1>\n<p class="status error" role="alert">${escapeHtml(input.message)}</p>`);
}
