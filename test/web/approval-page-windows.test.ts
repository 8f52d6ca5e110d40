/** The approval page's per-window comparison: candidate, production and seasonal naive on each window, and the verdict. */
import { comparePaired } from '../../src/core/paired-comparison';
import { renderApprovalPage } from '../../web/approval-page';
import { T0, aReport, aRequest } from '../builders/approvals';

const ACTION = '/approvals/abcdefghijklmnopqrstuvwxyz012345';

describe('Function: renderApprovalPage, per-window comparison', () => {
  it('shows each window, the paired statistic and the verdict with its reason', () => {
    // Prepare
    const candidate = [0.2, 0.21, 0.19, 0.2];
    const production = [0.3, 0.32, 0.28, 0.31];
    const comparison = comparePaired(candidate, production, { minImprovement: 0.01 });
    const windows = candidate.map((c, k) => ({ start: `2025-05-01 1${k}:00:00`, candidate: c, production: production[k], seasonalNaive: 0.4, staging: null }));
    const report = aReport({ windows, comparison, beatsProduction: true, verdict: { register: true, reason: comparison.reason } });

    // Act
    const html = renderApprovalPage({ request: aRequest(), report, actionUrl: ACTION, now: T0 });

    // Assess
    expect(html).toContain('<h2>Per-window comparison</h2>');
    const table = html.slice(html.indexOf('<caption id="windows-caption"'));
    expect(table.match(/<tr><th scope="row">2025-05-01 1\d:00:00<\/th>/g)).toHaveLength(4);
    expect(table).toContain('<td class="num good">0.21</td><td class="num">0.32</td><td class="num">0.4</td>');
    expect(html).toMatch(/Mean improvement over production 0\.1025 \(33\.88%\), 21\.41 standard errors over 4 windows/);
    expect(html).toMatch(/<p class="status approved" id="gate-verdict">Registered: candidate 0\.2 vs production 0\.3025 over 4 windows/);
  });

  it('says the threshold alone decides when no production model serves, and escapes the reason', () => {
    const report = aReport({
      windows: [{ start: '<b>w</b>', candidate: 0.1, production: null, seasonalNaive: 0.2, staging: null }],
      verdict: { register: false, reason: 'over <script>' },
    });

    const html = renderApprovalPage({ request: aRequest(), report, actionUrl: ACTION, now: T0 });

    expect(html).toContain('No production model to compare with: the threshold alone decides.');
    expect(html).toContain('Not registered: over &lt;script&gt;');
    expect(html).toContain('&lt;b&gt;w&lt;/b&gt;');
    expect(html).not.toContain('<script>');
  });

  it('shows no per-window section for a report written before many-window evaluation', () => {
    const { windows: _, ...older } = aReport();
    const html = renderApprovalPage({ request: aRequest(), report: older as never, actionUrl: ACTION, now: T0 });
    expect(html).not.toContain('Per-window comparison');
  });
});
