import { renderApprovalPage, renderDecisionPage, renderNotFoundPage } from '../../web/approval-page';
import { renderForecastPlot } from '../../web/plot';
import { A_TOKEN, T0, aReport, aRequest } from '../builders/approvals';

const ACTION = '/approvals/abcdefghijklmnopqrstuvwxyz012345';
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe('Function: renderForecastPlot', () => {
  it('draws both quantile bands, the median, seasonal naive dashed and one dot per observed point', () => {
    // Prepare
    const report = aReport();

    // Act
    const svg = renderForecastPlot({
      actual: report.holdout.actual,
      quantiles: report.candidate.forecast.quantiles,
      seasonalNaive: report.seasonalNaive.forecast.mean,
    });

    // Assess
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(count(svg, /<path class="band band-10-90" d="M[^"]+Z"/g)).toBe(1);
    expect(count(svg, /<path class="band band-30-70" d="M[^"]+Z"/g)).toBe(1);
    expect(count(svg, /<path class="median" d="M/g)).toBe(1);
    expect(svg).toMatch(/\.seasonal-naive\{[^}]*stroke-dasharray/);
    expect(count(svg, /<path class="seasonal-naive"/g)).toBe(1);
    const observed = report.holdout.actual.filter((v) => v !== null).length;
    expect(observed).toBe(28);
    expect(count(svg, /<circle class="actual"/g)).toBe(observed);
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it('puts the 10–90% band around the 30–70% band (upper edge drawn from the 0.9 quantile)', () => {
    // Prepare
    const quantiles = { '0.1': [0, 0], '0.3': [1, 1], '0.5': [2, 2], '0.7': [3, 3], '0.9': [4, 4] };

    // Act
    const svg = renderForecastPlot({ actual: [2, 2], quantiles, width: 200, height: 140 });

    // Assess
    const outerTop = Number(/band-10-90" d="M[\d.]+,([\d.]+)/.exec(svg)![1]);
    const innerTop = Number(/band-30-70" d="M[\d.]+,([\d.]+)/.exec(svg)![1]);
    expect(outerTop).toBeLessThan(innerTop);
  });
});

describe('Function: renderApprovalPage', () => {
  it('shows the evidence, the plot and a form that POSTs approve or reject while pending', () => {
    // Prepare
    const request = aRequest();

    // Act
    const html = renderApprovalPage({ request, report: aReport(), actionUrl: ACTION, now: T0 });

    // Assess
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>Deploy the model to staging?</title>');
    expect(html).toMatch(/<h1>/);
    expect(html).toContain('0.0812');
    expect(html).toContain('0.12');
    expect(html).toContain('0.143');
    expect(html).toContain('none deployed');
    expect(html).toContain('3.41');
    expect(html).toContain(request.modelPackageArn);
    expect(html).toContain(request.expiresAt);
    expect(html).toContain(`<form method="post" action="${ACTION}">`);
    expect(html).toMatch(/<label for="approver">/);
    expect(html).toMatch(/<input type="text" id="approver" name="approver"/);
    expect(html).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(html).toContain('<button type="submit" name="decision" value="reject">Reject</button>');
    expect(html).toContain('band-10-90');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).not.toContain(A_TOKEN);
  });

  it("shows the stage's current model loss when one is deployed", () => {
    // Prepare
    const request = aRequest({ stage: 'production', evidence: { ...aRequest().evidence, stageLoss: 0.0977 } });

    // Act
    const html = renderApprovalPage({ request, report: aReport(), actionUrl: ACTION, now: T0 });

    // Assess
    expect(html).toContain('Model now in production');
    expect(html).toContain('0.0977');
    expect(html).not.toContain('none deployed');
  });

  it('says who approved, when and from where, and has no form once decided', () => {
    // Prepare
    const request = aRequest({
      status: 'approved',
      decision: { status: 'approved', by: 'alice', at: '2025-05-01T13:00:00.000Z', from: '10.0.0.1 (Firefox)' },
    });

    // Act
    const html = renderApprovalPage({ request, report: aReport(), actionUrl: ACTION, now: T0 });

    // Assess
    expect(html).not.toMatch(/<form|<button/);
    expect(html).toContain('Approved by alice at 2025-05-01T13:00:00.000Z from 10.0.0.1 (Firefox).');
  });

  it('says the link expired, with no form, once past its expiry', () => {
    // Prepare
    const request = aRequest();
    const later = new Date(Date.parse(request.expiresAt) + 1);

    // Act
    const html = renderApprovalPage({ request, report: aReport(), actionUrl: ACTION, now: later });

    // Assess
    expect(html).not.toMatch(/<form|<button/);
    expect(html).toContain(`This link expired at ${request.expiresAt}`);
  });

  it('escapes everything that comes from data', () => {
    // Prepare
    const evil = '<script>alert("x")</script>';
    const request = aRequest({
      modelPackageArn: evil,
      status: 'rejected',
      decision: { status: 'rejected', by: `"><img src=x onerror=alert(1)>`, at: T0.toISOString(), from: evil },
    });
    const report = aReport({ holdout: { start: evil, actual: [1, 2, 3] } });

    // Act
    const html = renderApprovalPage({ request, report, actionUrl: `/x"><script>`, now: T0 });

    // Assess
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('still renders the evidence, without a plot, when the report is missing', () => {
    // Act
    const html = renderApprovalPage({ request: aRequest(), report: null, actionUrl: ACTION, now: T0 });

    // Assess
    expect(html).toContain('could not be read');
    expect(html).not.toContain('<svg');
    expect(html).toContain('<form');
  });
});

describe('Function: renderDecisionPage', () => {
  it('says what a refused click found instead', () => {
    // Prepare
    const request = aRequest({ status: 'approved', decision: { status: 'approved', by: 'bob', at: T0.toISOString(), from: 'terminal' } });

    // Act
    const html = renderDecisionPage({ request, now: T0, kind: 'conflict', message: 'this model was already approved by bob' });

    // Assess
    expect(html).toContain('<title>Already decided: staging</title>');
    expect(html).toContain('Nothing was changed: this model was already approved by bob.');
    expect(html).not.toMatch(/<form|<button/);
  });
});

describe('Function: renderNotFoundPage', () => {
  it('is a complete page that changes nothing', () => {
    // Act
    const html = renderNotFoundPage();

    // Assess
    expect(html).toContain('<title>Approval request not found</title>');
    expect(html).toContain('Nothing was changed');
    expect(html).not.toContain('<form');
  });
});
