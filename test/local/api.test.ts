/**
 * The dashboard's JSON API over a real twin (history backfilled, nothing trained): the shapes the pages
 * read, 400 naming the parameter for a malformed or too-wide query, 404 saying what was not found, GET
 * only, the pages' CSP and the assets served from the project's own node_modules.
 */
import { approvalRoutes, type ApprovalApiHandler } from '../../local/http/approval-routes';
import { dashboardRoutes } from '../../local/http/dashboard-routes';
import { createHttpServer, type Route, type RunningHttpServer } from '../../local/http/server';
import { MAX_FEE_RANGE_MINUTES } from '../../local/read-models/fees';
import parameterHistory from '../fixtures/aws/ssm-parameter-history.json';
import { aPipeline, type PipelineFixture } from '../builders/pipeline';

jest.setTimeout(60_000);

describe('Routes: the dashboard JSON API', () => {
  let f: PipelineFixture;
  let server: RunningHttpServer;
  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${server.url}${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    const routes: Route[] = [];
    server = await createHttpServer({ routes });
    f = await aPipeline({ baseUrl: () => server.url });
    routes.push(...approvalRoutes(f.pipeline.approvalApi as unknown as ApprovalApiHandler), ...dashboardRoutes(f.twin, f.pipeline, () => server.url, { now: f.clock.now }));
  });

  afterAll(async () => {
    await f?.dispose();
    await server?.close();
  });

  it('answers the fee series of the last 6 hours by default, one point per minute up to the latest, exact', async () => {
    // Act
    const { status, body } = await get('/api/fees');
    // Assess
    expect(status).toBe(200);
    expect(body.minutes).toHaveLength(360);
    expect(body.avgFee).toHaveLength(360);
    const latest = f.twin.featureStore.latestMinute()!;
    expect(body.minutes[359]).toBe(latest.toISOString().replace('.000Z', 'Z'));
    const stored = await f.twin.featureStore.getRecords({ from: latest, to: new Date(latest.getTime() + 60_000) });
    expect(body.avgFee[359]).toBe(Number(stored[0].avg_fee_1min));
  });

  it('answers a range asked for, the `to` minute excluded', async () => {
    const { status, body } = await get(`/api/fees?from=${encodeURIComponent(new Date(f.asOf.getTime() - 3_600_000).toISOString())}&to=${encodeURIComponent(f.asOf.toISOString())}`);
    expect(status).toBe(200);
    expect(body.minutes).toHaveLength(60);
  });

  it.each([
    ['a malformed time', '/api/fees?from=yesterday', 'from', /ISO 8601/],
    ['a time without its zone', '/api/fees?to=2025-03-12T10:00:00', 'to', /ISO 8601 time with its zone/],
    ['a range too wide', `/api/fees?from=2025-03-01T00:00:00Z&to=2025-03-09T00:00:01Z`, 'from', new RegExp(`at most ${MAX_FEE_RANGE_MINUTES}`)],
    ['an empty range', '/api/fees?from=2025-03-09T00:00:00Z&to=2025-03-09T00:00:00Z', 'from', /must be before "to"/],
    ['an unknown parameter', '/api/fees?start=2025-03-09T00:00:00Z', 'start', /unknown query parameter "start": it accepts from, to/],
    ['a repeated parameter', '/api/fees?to=2025-03-09T00:00:00Z&to=2025-03-10T00:00:00Z', 'to', /more than once/],
    ['a limit out of range', '/api/executions?limit=0', 'limit', /whole number from 1 to 1000/],
    ['a parameter where none is taken', '/api/models?x=1', 'x', /it accepts none/],
    ['a model version that is not a number', '/api/models/latest', 'version', /whole number/],
  ])('refuses %s with a 400 naming the parameter', async (_what, path, parameter, message) => {
    // Act
    const { status, body } = await get(path);
    // Assess
    expect(status).toBe(400);
    expect(body.code).toBe('InvalidQuery');
    expect(body.message).toContain(`"${parameter}"`.replace('"version"', 'model version'));
    expect(body.message).toMatch(message);
  });

  it('answers 404 with a clear message for a model or an execution that does not exist', async () => {
    const model = await get('/api/models/42');
    expect(model.status).toBe(404);
    expect(model.body.message).toBe('no model version 42 in the registry btc-fee-deepar-local (no model registered yet)');
    const execution = await get('/api/executions/no-such-run');
    expect(execution.status).toBe(404);
    expect(execution.body.message).toMatch(/no execution named "no-such-run"/);
  });

  it('is GET only: a POST, PUT or DELETE gets 405 naming GET, and changes nothing', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const { status, headers, body } = await get('/api/fees', { method });
      expect(status).toBe(405);
      expect(headers.get('allow')).toBe('GET');
      expect(body.message).toContain(`${method} is not allowed on /api/fees`);
    }
  });

  it('says why there is no forecast while production serves no model', async () => {
    const { status, body } = await get('/api/forecast');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'no-endpoint', endpoint: 'btc-fee-deepar-local-production' });
    expect(body.detail).toMatch(/production has no model/);
  });

  it('answers /api/status with the summary `mlops status --json` prints: the data range, the stages, nothing pending', async () => {
    // Act
    const { status, body } = await get('/api/status');
    // Assess
    expect(status).toBe(200);
    const summary = f.twin.featureStore.summary();
    expect(body.featureStore).toMatchObject({ rows: summary.rows, first: summary.first, last: summary.last });
    expect(summary.rows).toBeGreaterThan(0);
    expect(Object.keys(body.stages).sort()).toEqual(['production', 'staging']);
    expect(body.pendingApprovals).toEqual([]);
    expect(body.runningExecutions).toEqual([]);
  });

  it('answers monitoring, models, executions and approvals in the shapes the pages read', async () => {
    const monitoring = (await get('/api/monitoring')).body;
    expect(monitoring.stages).toEqual({ staging: [], production: [] });
    expect(monitoring.decisions).toEqual([]);
    expect(monitoring.threshold.source).toBe('parameter-store');
    expect(monitoring.threshold.history[0]).toMatchObject({ version: 1, value: expect.any(Number) });
    expect((await get('/api/models')).body).toEqual({
      models: [],
      stages: { staging: { endpoint: 'btc-fee-deepar-local-staging', version: null }, production: { endpoint: 'btc-fee-deepar-local-production', version: null } },
    });
    expect((await get('/api/executions')).body).toEqual({ executions: [] });
    expect((await get('/api/approvals')).body).toEqual({ pending: [], outbox: [] });
  });

  it('serves the pages with a CSP that allows only the twin’s own script and styles, and uPlot from node_modules', async () => {
    for (const path of ['/', '/monitoring', '/models', '/models/3', '/executions', '/executions/some-run', '/outbox']) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.text).toContain('<script src="/assets/uPlot.iife.min.js" defer></script>');
      expect(page.text).not.toMatch(/<script>|https?:\/\/(?!127)/);
    }
    const uplot = await get('/assets/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(uplot.text).toContain('uPlot');
    expect((await get('/assets/../package.json')).status).toBe(404);
    expect((await get('/assets/secret.js')).status).toBe(404);
  });

  it('shows each check as the monitoring store has it, the loss its model was approved at included, with the breach the policy sees', async () => {
    // Prepare: skill lost (1.2 > 1) but the loss 0.12 within the approved 0.15, then both over
    const judged = { stage: 'production' as const, outcome: 'measured' as const, criterion: 'skill' as const, threshold: 0.3, naiveLoss: 0.1, maxSkill: 1, approvedLoss: 0.15, approvedLossFactor: 1 };
    await f.pipeline.monitoringStore.appendCheck({ ...judged, at: '2025-03-06T01:00:00.000Z', loss: 0.12, skill: 1.2 });
    await f.pipeline.monitoringStore.appendCheck({ ...judged, at: '2025-03-06T02:00:00.000Z', loss: 0.18, skill: 1.8 });
    // Act
    const { production } = (await get('/api/monitoring')).body.stages;
    // Assess
    expect(production).toEqual([
      { ...judged, at: '2025-03-06T01:00:00.000Z', loss: 0.12, skill: 1.2, breach: false },
      { ...judged, at: '2025-03-06T02:00:00.000Z', loss: 0.18, skill: 1.8, breach: true },
    ]);
  });

  it('shows the threshold history as Parameter Store keeps it: each version numbered up by one with its value, the latest 100', async () => {
    // Prepare: versions 2 to 105 of the threshold
    for (let v = 2; v <= 105; v++) await f.setParameter('quality/threshold', String(v / 100));
    // Act
    const { history } = (await get('/api/monitoring')).body.threshold;
    // Assess
    expect(history).toHaveLength(parameterHistory.retainedVersions);
    expect(history[0]).toMatchObject({ version: 6, value: 0.06 });
    expect(history.at(-1)).toMatchObject({ version: 105, value: 1.05, text: '1.05' });
    expect(history.every((h: { version: number }, i: number) => i === 0 || h.version === history[i - 1].version + 1)).toBe(true);
  });
});
