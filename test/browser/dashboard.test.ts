/**
 * The dashboard in a real headless browser (Debian's chromium driven by playwright-core), on a twin with a
 * model trained, approved from the dashboard's own links and deployed to both stages, then checked once by
 * monitoring: every view loads without a CSP violation or a script error, each chart draws the number of
 * points the API holds (read from uPlot's data in the page), and the approval done from the dashboard's link
 * completes the deployment. A screenshot of each view goes to test-output/screenshots/. Skipped, saying so,
 * where no chromium is installed (.ci/run installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { approvalRoutes, type ApprovalApiHandler } from '../../local/http/approval-routes';
import { dashboardRoutes } from '../../local/http/dashboard-routes';
import { createHttpServer, type Route, type RunningHttpServer } from '../../local/http/server';
import { aPipeline, type PipelineFixture } from '../builders/pipeline';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`);
const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');

jest.setTimeout(180_000);

const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** The page's own globals (this file is type-checked without the DOM library). */
type PageGlobals = { dashboard: { polls: number; charts: Record<string, { data: Array<Array<number | null>> }>; data: Record<string, unknown> }; document: { documentElement: { scrollWidth: number } } };

/** What a uPlot chart of the page holds: the non-null points of each series (series 0 is x). */
const pointsOf = (page: Page, chart: string): Promise<number[]> =>
  page.evaluate((name) => {
    const u = (globalThis as unknown as PageGlobals).dashboard.charts[name];
    return u.data.map((series) => series.filter((v) => v !== null && v !== undefined).length);
  }, chart);

const nonNull = (values: Array<number | null>): number => values.filter((v) => v !== null).length;

describeWithBrowser('Page: the dashboard in a browser', () => {
  let f: PipelineFixture;
  let server: RunningHttpServer;
  let browser: Browser;
  const problems: string[] = [];
  // The API's answers, loosely typed: the assertions say what they hold.
  const api = async (path: string): Promise<any> => (await fetch(`${server.url}${path}`)).json();

  /** Opens a view, waits for its first poll, and keeps what the browser complained of. */
  async function open(path: string, width = 1200): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && problems.push(`${path}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
    const response = await page.goto(`${server.url}${path}`);
    expect(response!.status()).toBe(200);
    await page.waitForFunction(() => ((globalThis as unknown as Partial<PageGlobals>).dashboard?.polls ?? 0) > 0, undefined, { timeout: 30_000 });
    return page;
  }

  async function approveFromDashboard(stage: string): Promise<void> {
    const page = await open('/outbox');
    const decide = page.getByRole('row', { name: new RegExp(`^${stage}`) }).getByRole('link', { name: 'Open to decide' });
    await decide.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SCREENSHOTS, `approvals-${stage}.png`), fullPage: true });
    await decide.click();
    await page.waitForLoadState();
    await page.getByLabel(/name/i).fill('Ada');
    await page.getByRole('button', { name: /approve/i }).click();
    await page.waitForLoadState();
    expect(await page.locator('main').innerText()).toMatch(/Approved by Ada/);
    await page.close();
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const routes: Route[] = [];
    server = await createHttpServer({ routes });
    f = await aPipeline({ baseUrl: () => server.url });
    routes.push(...approvalRoutes(f.pipeline.approvalApi as unknown as ApprovalApiHandler), ...dashboardRoutes(f.twin, f.pipeline, () => server.url, { now: f.clock.now }));
    await f.setParameter('quality/threshold', '10');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // A model trained and registered, then approved for both stages from the dashboard's links.
    const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
    expect(training.output).toMatchObject({ status: 'registered' });
    await approveFromDashboard('staging');
    await until('the production approval request', async () => (await f.pipeline.approvals.listPending()).some((r) => r.stage === 'production'));
    await approveFromDashboard('production');
    const deployment = () => f.pipeline.stepFunctions.executionRecords().find((e) => e.stateMachineArn.endsWith('-deployment'));
    await until('the deployment to end', () => deployment()?.status !== 'RUNNING' && deployment() !== undefined);
    expect(deployment()!.status).toBe('SUCCEEDED');
    await f.pipeline.startMonitoring(f.asOf).done;
  });

  afterAll(async () => {
    await browser?.close();
    await f?.dispose();
    await server?.close();
  });

  afterEach(() => {
    expect(problems).toEqual([]);
    problems.length = 0;
  });

  it('Live: draws the fees, the production forecast band and median for 30 minutes, and the past forecast against what happened', async () => {
    const page = await open('/');
    await page.waitForFunction(() => !!(globalThis as unknown as PageGlobals).dashboard.charts.past);
    const fees = await api('/api/fees');
    const forecast = await api('/api/forecast');
    expect(forecast.status).toBe('ok');
    // series: x, fee, 10%, 90%, 30%, 70%, median
    const live = await pointsOf(page, 'live');
    expect(live[0]).toBe(fees.minutes.length + 30);
    expect(live.slice(1)).toEqual([nonNull(fees.avgFee), 30, 30, 30, 30, 30]);
    const past = await pointsOf(page, 'past');
    expect(past).toEqual([30, nonNull(forecast.past.actual), 30, 30, 30, 30, 30]);
    expect(await page.locator('main').innerText()).toContain(forecast.endpointConfig);
    await page.screenshot({ path: join(SCREENSHOTS, 'live.png'), fullPage: true });
    const phone = await open('/', 390);
    await phone.waitForFunction(() => !!(globalThis as unknown as PageGlobals).dashboard.charts.past);
    // Readable at phone width: nothing wider than the screen but the tables' own scrollers.
    expect(await phone.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SCREENSHOTS, 'live-phone.png'), fullPage: true });
  });

  it('Monitoring: one point per measured check of each stage against its threshold, the threshold history, rounded for people', async () => {
    const page = await open('/monitoring');
    const monitoring = await api('/api/monitoring');
    for (const stage of ['staging', 'production']) {
      const measured = monitoring.stages[stage].filter((c: { outcome: string }) => c.outcome === 'measured');
      expect(measured.length).toBeGreaterThan(0);
      const points = await pointsOf(page, `loss-${stage}`);
      expect(points.slice(0, 3)).toEqual([measured.length, measured.length, measured.length]);
    }
    expect((await pointsOf(page, 'threshold'))[1]).toBe(monitoring.threshold.history.filter((h: { value: number | null }) => h.value !== null).length);
    const text = await page.locator('main').innerText();
    // A loss shows 4 significant digits, never 17.
    const loss = monitoring.stages.production.find((c: { loss?: number }) => c.loss !== undefined).loss as number;
    expect(text).toContain(String(Number(loss.toPrecision(4))));
    expect(text).not.toContain(String(loss));
    await page.screenshot({ path: join(SCREENSHOTS, 'monitoring.png'), fullPage: true });
  });

  it('Models: the version serving both stages, and its page with evaluation, data window, training job, hyperparameters and who approved', async () => {
    const list = await open('/models');
    await list.getByRole('link', { name: 'version 1' }).waitFor();
    expect(await list.locator('#serving').innerText()).toMatch(/staging\s+version 1[\s\S]*production\s+version 1/);
    await list.screenshot({ path: join(SCREENSHOTS, 'models.png'), fullPage: true });
    await list.getByRole('link', { name: 'version 1' }).click();
    await list.waitForFunction(() => (globalThis as unknown as PageGlobals).dashboard.data.model !== undefined);
    const text = await list.locator('main').innerText();
    const model = await api('/api/models/1');
    expect(text).toContain(model.training.job);
    expect(text).toMatch(/context_length\s+60/);
    expect(text).toMatch(/staging\s+approved\s+Ada/);
    expect(text).toMatch(/production\s+approved\s+Ada/);
    expect(text).toContain(String(Number(model.evaluation.candidate.toPrecision(4))));
    expect(text).toContain(String(Number(model.evaluation.baseline.toPrecision(4))));
    await list.screenshot({ path: join(SCREENSHOTS, 'model.png'), fullPage: true });
  });

  it('Executions: every run listed, and one run as its states in order with status and duration', async () => {
    const page = await open('/executions');
    const { executions } = await api('/api/executions');
    expect(await page.locator('#executions-list tbody tr').count()).toBe(executions.length);
    await page.screenshot({ path: join(SCREENSHOTS, 'executions.png'), fullPage: true });
    const training = executions.find((e: { machine: string }) => e.machine === 'training');
    await page.getByRole('link', { name: training.name, exact: true }).click();
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).dashboard.data.execution !== undefined);
    const detail = await api(`/api/executions/${training.name}`);
    const rows = page.locator('#states tbody tr');
    expect(await rows.count()).toBe(detail.states.length);
    expect(await rows.first().innerText()).toContain(detail.states[0].name);
    expect(await page.locator('#definition li.visited').count()).toBe(new Set(detail.states.map((s: { name: string }) => s.name)).size);
    await page.screenshot({ path: join(SCREENSHOTS, 'execution.png'), fullPage: true });
  });

  it('updates without a reload: a monitoring check made while the page is open appears within a poll', async () => {
    // Prepare
    const page = await open('/monitoring');
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const before = (await pointsOf(page, 'loss-production'))[1];
    // Act: an hour later on the twin's clock, monitoring checks again
    const next = new Date(f.asOf.getTime() + 3_600_000);
    await f.ingestUntil(next);
    f.clock.set(next);
    await f.pipeline.startMonitoring(next).done;
    // Assess
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).dashboard.charts['loss-production'].data[1].filter((v) => v !== null).length > n,
      before,
      { timeout: 20_000 },
    );
    expect(navigations).toBe(0);
  });
});
