/**
 * The approval page in a real headless browser (Debian's chromium driven by playwright-core): a person
 * opens the emailed link, sees the evidence and the plot, and approves with a click. Skipped, saying so,
 * where no chromium is installed (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hashApprovalId } from '../../src/core/approval';
import { linkIdFrom } from '../../local/auto-approve';
import { approvalRoutes, type ApprovalApiHandler } from '../../local/http/approval-routes';
import { dashboardRoutes } from '../../local/http/dashboard-routes';
import { createHttpServer, type Route, type RunningHttpServer } from '../../local/http/server';
import { aPipeline, type PipelineFixture } from '../builders/pipeline';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`);

jest.setTimeout(120_000);

describeWithBrowser('Page: approval link in a browser', () => {
  let f: PipelineFixture;
  let server: RunningHttpServer;
  let browser: Browser;

  beforeAll(async () => {
    const routes: Route[] = [];
    server = await createHttpServer({ routes });
    f = await aPipeline({ baseUrl: () => server.url });
    routes.push(...approvalRoutes(f.pipeline.approvalApi as unknown as ApprovalApiHandler), ...dashboardRoutes(f.twin, f.pipeline, () => server.url));
    await f.setParameter('quality/threshold', '10');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await f?.dispose();
    await server?.close();
  });

  it('shows the evidence without changing anything, then approves with one click, once', async () => {
    const training = await f.pipeline.startTraining({ asOf: f.asOf }).done;
    expect(training.output).toMatchObject({ status: 'registered' });
    let link: string | undefined;
    for (let i = 0; i < 200 && !link; i++) {
      const [message] = await f.pipeline.mailer.list();
      const text = message ? (await f.pipeline.mailer.read(message.file)).replace(/=\r?\n/g, '') : '';
      const id = linkIdFrom(text);
      if (id) link = `${server.url}/approvals/${id}`;
      else await new Promise((r) => setTimeout(r, 50));
    }
    const id = linkIdFrom(link!)!;
    const before = JSON.stringify(await f.pipeline.approvals.get(hashApprovalId(id)));

    const page = await browser.newPage();
    const response = await page.goto(link!);
    expect(response!.status()).toBe(200);
    await expect(page.title()).resolves.toMatch(/staging/i);
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/mean wQuantileLoss/i);
    expect(text).toMatch(/seasonal naive/i);
    expect(await page.locator('svg path').count()).toBeGreaterThan(1);
    // Opening the link (as a mail scanner would) changed nothing.
    await page.reload();
    expect(JSON.stringify(await f.pipeline.approvals.get(hashApprovalId(id)))).toBe(before);

    await page.getByLabel(/name/i).fill('Ada');
    await page.getByRole('button', { name: /approve/i }).click();
    await page.waitForLoadState();
    expect(await page.locator('main').innerText()).toMatch(/Approved by Ada/);
    await page.screenshot({ path: `${f.twin.home.dir}/approval.png` });

    // The second click of a replayed form is refused and shows what happened.
    const replay = await page.request.post(link!, { form: { decision: 'reject', approver: 'Eve' } });
    expect(replay.status()).toBe(409);
    expect(await replay.text()).toContain('Approved by Ada');

    // The pipeline went on to staging and now waits for production.
    for (let i = 0; i < 200; i++) {
      if ((await f.pipeline.approvals.listPending()).some((r) => r.stage === 'production')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await f.pipeline.sageMaker.describeEndpoint({ EndpointName: 'btc-fee-deepar-local-staging' })).EndpointStatus).toBe('InService');
    const dashboard = await browser.newPage();
    await dashboard.goto(`${server.url}/`);
    expect(await dashboard.locator('body').innerText()).toContain('btc-fee-deepar-local-staging');
  });
});
