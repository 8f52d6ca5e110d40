/** The dashboard and the outbox show approval links: they answer this machine's clients only. */
import { dashboardRoutes } from '../../../local/http/dashboard-routes';
import type { Pipeline } from '../../../local/pipeline';
import type { Twin } from '../../../local/twin';
import { renderDashboard } from '../../../web/dashboard';

describe('Function: dashboardRoutes', () => {
  it('marks the dashboard and the outbox as served to this machine only', () => {
    // Act
    const routes = dashboardRoutes({} as Twin, {} as Pipeline, () => 'http://127.0.0.1:8080');
    // Assess
    expect(routes.map((r) => [r.pattern.source, r.loopbackOnly])).toEqual([
      ['^\\/$', true],
      ['^\\/outbox\\/([A-Za-z0-9._-]+\\.eml)$', true],
    ]);
  });

  it('renders a dashboard that sends no referrer and asks not to be indexed, as the approval pages do', () => {
    const html = renderDashboard({ now: '2025-05-01T00:00:00Z', featureStore: { rows: 0, minutes: 0, missingMinutes: 0 }, executions: [], modelPackages: [], endpoints: [], parameters: [], outbox: [] });
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
  });
});
