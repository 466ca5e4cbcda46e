// Drift and the console's estimates page under one heavy period (issue 19 point 4): 20,000 reports
// in the live period of the demo site, stored while the server is down, then, with the server as its
// own process, GET /admin/api/sites/<site>/drift, GET /admin/api/sites/<site>/estimates and the
// console's estimates page timed over HTTP while /healthz is polled every 50 ms (its worst latency
// is how long the event loop stalled).
// `tsx scripts/bench/server/drift-load.ts [--reports N] [--calls N]`; prints a Markdown table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dayOf, periodOf } from '../../../src/core/schema.js';
import { SEED_SITE } from '../../../src/server/demo/seed.js';
import { freePort, median, printTable, sleep } from '../lib.js';
import { TOKEN, fresh, log, openStore, reportPool, seeded, startProcess } from './setup.js';

const { values } = parseArgs({
  options: { reports: { type: 'string', default: '20000' }, calls: { type: 'string', default: '3' } },
});
const N = Number(values.reports);
const CALLS = Number(values.calls);

/** Polls /healthz every 50 ms until stopped; the worst and the median latency. */
function pollHealth(url: string): { stop(): Promise<{ worstMs: number; medianMs: number; polls: number }> } {
  let running = true;
  const times: number[] = [];
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await (await fetch(`${url}/healthz`)).text();
      times.push(performance.now() - t);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { worstMs: Math.max(...times), medianMs: median(times), polls: times.length };
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'edseg-bench-drift-'));
const rows: (string | number)[][] = [];
try {
  const port = await freePort();
  const store = await openStore('pglite', dir);
  const manifest = await seeded(store, port);
  const pool = await reportPool(manifest);
  const period = periodOf(dayOf(Date.now()), manifest.reporting.periodDays);
  const today = dayOf(Date.now());
  let stored = 0;
  while (stored < N) {
    const chunk = Array.from({ length: Math.min(1000, N - stored) }, (_, i) =>
      fresh(pool, stored + i, period),
    );
    stored += (await store.insertReports(chunk, today)).inserted;
  }
  await store.close();
  log(`${stored} reports stored in period ${period}`);
  const server = await startProcess(port, dir);
  try {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const login = await fetch(`${server.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
      body: new URLSearchParams({ token: TOKEN, name: 'bench' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const targets: [string, string, Record<string, string>][] = [
      ['GET /admin/api/sites/:site/drift', `/admin/api/sites/${SEED_SITE}/drift`, auth],
      ['GET /admin/api/sites/:site/estimates', `/admin/api/sites/${SEED_SITE}/estimates`, auth],
      ['console estimates page', `/admin/sites/${SEED_SITE}/estimates`, { Cookie: cookie }],
    ];
    for (const [what, path, headers] of targets) {
      const times: number[] = [];
      const health = pollHealth(server.url);
      for (let i = 0; i < CALLS; i++) {
        const t = performance.now();
        const res = await fetch(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(600_000) });
        await res.text();
        if (!res.ok) throw new Error(`${what} answered ${res.status}`);
        times.push(performance.now() - t);
      }
      const h = await health.stop();
      log(`${what}: median ${median(times).toFixed(0)} ms, /healthz worst ${h.worstMs.toFixed(0)} ms`);
      rows.push([what, stored, CALLS, median(times).toFixed(0), h.worstMs.toFixed(0), h.medianMs.toFixed(1)]);
    }
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
printTable(
  `Drift and estimates with ${N} reports in one period (PGlite)`,
  ['request', 'reports', 'calls', 'median ms', '/healthz worst ms', '/healthz median ms'],
  rows,
);
