/**
 * Endpoint soak (not a test): a real `mlops up` (its own process, a temporary home) deploys a model with the
 * pipeline's default architecture, then its production endpoint is held under 64 concurrent clients for 60 s while
 * the dashboard (`GET /`) is fetched four times a second; it prints the endpoint's errors and latency and the
 * dashboard's p50/p99 under that load.
 *
 *   npx tsx bench/endpoint-soak.ts [--duration 60] [--connections 64] [--epochs 1]
 *
 * The twin, the load generator (autocannon, in this process) and the dashboard probe share the machine's cores.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { DEFAULT_HYPERPARAMETERS } from '../src/core/run-config';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const duration = Number(flag('duration', '60'));
const connections = Number(flag('connections', '64'));
const epochs = flag('epochs', '1');
const MLOPS = join(__dirname, '..', 'bin', 'mlops');

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'mlops-soak-'));
  const env = { ...process.env, MLOPS_HOME: home };
  const mlops = (...a: string[]) => execFileSync('node', [MLOPS, ...a], { env, stdio: 'pipe' });
  mlops('config', 'set', 'quality/threshold', '10');
  mlops('config', 'set', 'training/hyperparameters', JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, epochs }));
  const twin = spawn('node', [MLOPS, 'up', '--port', '0', '--backfill-days', '7', '--speed', '1', '--auto-approve'], { env });
  let output = '';
  twin.stdout.on('data', (d) => (output += d));
  twin.stderr.on('data', (d) => (output += d));
  try {
    const t0 = performance.now();
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const check = setInterval(() => {
        const url = output.match(/dashboard (http:\/\/[\d.:]+)\//)?.[1];
        if (url) {
          clearInterval(check);
          resolve(url);
        }
      }, 200);
      twin.once('exit', () => reject(new Error(`mlops up ended:\n${output}`)));
    });
    const endpoint = `${baseUrl}/endpoints/btc-fee-deepar-local-production/invocations`;
    const target = Array.from({ length: 240 }, (_, i) => 1500 + 300 * Math.sin(i / 30));
    const body = JSON.stringify({ instances: [{ start: '2025-03-12 00:00:00', target }], configuration: { num_samples: 100, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] } });
    // The production endpoint answers once the first model is trained, approved (automatically) and deployed.
    for (let ready = false; !ready; ) {
      const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      ready = res.status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`Endpoint soak: Node ${process.version}, ${cpus().length} cores; twin ready in ${((performance.now() - t0) / 1000).toFixed(0)} s ` +
      `(DeepAR with DEFAULT_HYPERPARAMETERS but epochs=${epochs}: serving is measured, not accuracy)`);
    console.log(`request: POST ${endpoint}, ${body.length} bytes: one instance of 240 points, num_samples 100, mean + 3 quantiles`);

    const dashboard: number[] = [];
    let dashboardErrors = 0;
    let soaking = true;
    const probe = (async () => {
      while (soaking) {
        const s = performance.now();
        try {
          const res = await fetch(`${baseUrl}/`);
          await res.arrayBuffer();
          if (res.status === 200) dashboard.push(performance.now() - s);
          else dashboardErrors++;
        } catch {
          dashboardErrors++;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const r = await autocannon({ url: endpoint, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration, timeout: 60 });
    soaking = false;
    await probe;

    const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
    console.log('');
    console.log(`endpoint, ${connections} clients for ${duration} s: ${r.requests.total} requests, ${f(r.requests.average, 1)} req/s, ` +
      `latency p50 ${f(r.latency.p50)} ms, p99 ${f(r.latency.p99)} ms, max ${f(r.latency.max)} ms; errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`);
    console.log(`dashboard GET / meanwhile: ${dashboard.length} answers, p50 ${f(percentile(dashboard, 50))} ms, p99 ${f(percentile(dashboard, 99))} ms, ` +
      `max ${f(Math.max(...dashboard))} ms; errors ${dashboardErrors}`);
    console.log(`target: 0 errors (${r.errors + r.timeouts + r.non2xx === 0 ? 'met' : 'NOT met'}); SageMaker publishes no latency figure for DeepAR endpoints.`);
    console.log(`How: npx tsx bench/endpoint-soak.ts --duration ${duration} --connections ${connections} --epochs ${epochs}`);
    if (r.errors + r.timeouts + r.non2xx > 0) process.exitCode = 1;
  } finally {
    twin.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
}

void main();
