/** The dashboard, its API and the outbox show approval links: they answer this machine's clients only. */
import { dashboardRoutes } from '../../../local/http/dashboard-routes';
import type { Pipeline } from '../../../local/pipeline';
import type { Twin } from '../../../local/twin';
import { LOCAL_SETTINGS } from '../../../local/settings';
import { renderDashboard } from '../../../web/dashboard';

describe('Function: dashboardRoutes', () => {
  it('marks the dashboard and the outbox as served to this machine only', () => {
    // Act
    const routes = dashboardRoutes({ home: { db: {} } } as Twin, { settings: LOCAL_SETTINGS } as Pipeline, () => 'http://127.0.0.1:8080');
    // Assess: the first two as before; every page, asset and API route added with the dashboard too.
    expect(routes.slice(0, 2).map((r) => [r.pattern.source, r.loopbackOnly])).toEqual([
      ['^\\/$', true],
      ['^\\/outbox\\/([A-Za-z0-9._-]+\\.eml)$', true],
    ]);
    expect(routes.filter((r) => !r.loopbackOnly)).toEqual([]);
    expect(routes.every((r) => r.method === 'GET')).toBe(true);
  });

  it('renders a dashboard that sends no referrer and asks not to be indexed, as the approval pages do', () => {
    const html = renderDashboard({ view: 'live' });
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
  });
});
