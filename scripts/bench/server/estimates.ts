// The estimates at scale (npm run bench:server, part 2): the store filled to each size while the
// server is down, then GET /v1/sites/<site>/estimates timed over HTTP and the server's RSS sampled.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dayOf, periodOf } from '../../../src/core/schema.js';
import type { Report } from '../../../src/core/schema.js';
import { SEED_SITE } from '../../../src/server/demo/seed.js';
import { freePort, median, sleep } from '../lib.js';
import { freshDatabase, fresh, log, openStore, reportPool, seeded, startProcess } from './setup.js';
import type { DbKind } from './setup.js';

export type EstimatesOptions = { sizes: number[]; calls: number };

export type EstimateRow = {
  db: DbKind;
  stored: number;
  fillSeconds: number;
  calls: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  rssBeforeMb: number;
  rssGrowthMb: number;
  aggregated: number | null;
};

/** Resident set size of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export async function estimatesAtScale(kind: DbKind, opts: EstimatesOptions): Promise<EstimateRow[]> {
  const dir = mkdtempSync(join(tmpdir(), `edseg-bench-estimates-${kind}-`));
  const db = kind === 'postgres' ? await freshDatabase(`edseg_bench_estimates_${process.pid}`) : null;
  const rows: EstimateRow[] = [];
  try {
    const port = await freePort();
    let stored = 0;
    let pool: Report[] | null = null;
    for (const size of [...opts.sizes].sort((a, b) => a - b)) {
      const t0 = performance.now();
      const store = await openStore(kind, dir, db?.url);
      const manifest = await seeded(store, port);
      pool ??= await reportPool(manifest);
      const { periodDays } = manifest.reporting;
      const current = periodOf(dayOf(Date.now()), periodDays);
      const today = dayOf(Date.now());
      log(`${kind}: filling the store from ${stored} to ${size} reports`);
      while (stored < size) {
        const n = Math.min(1000, size - stored);
        const chunk = Array.from({ length: n }, (_, i) =>
          fresh(pool!, stored + i, current - ((stored + i) % 10) * periodDays),
        );
        stored += (await store.insertReports(chunk, today)).inserted;
        if (stored % 100_000 === 0) log(`${kind}: ${stored} stored`);
      }
      await store.close();
      const fillSeconds = (performance.now() - t0) / 1000;
      const server = await startProcess(port, dir, db?.url);
      const pid = server.child.pid!;
      await sleep(1000);
      const before = rssOf(pid);
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssOf(pid));
      }, 20);
      const times: number[] = [];
      let aggregated: number | null = null;
      try {
        for (let i = 0; i < opts.calls; i++) {
          const t = performance.now();
          const res = await fetch(`${server.url}/v1/sites/${SEED_SITE}/estimates`, {
            signal: AbortSignal.timeout(300_000),
          });
          const body = (await res.json()) as { reports?: number };
          times.push(performance.now() - t);
          if (!res.ok) throw new Error(`estimates answered ${res.status}`);
          aggregated = typeof body.reports === 'number' ? body.reports : null;
        }
      } finally {
        clearInterval(sampler);
        peak = Math.max(peak, rssOf(pid));
        await server.stop();
      }
      rows.push({
        db: kind,
        stored,
        fillSeconds,
        calls: times.length,
        medianMs: median(times),
        minMs: Math.min(...times),
        maxMs: Math.max(...times),
        rssBeforeMb: before / 2 ** 20,
        rssGrowthMb: (peak - before) / 2 ** 20,
        aggregated,
      });
      log(
        `${kind}: ${stored} reports: median ${median(times).toFixed(0)} ms, RSS +${((peak - before) / 2 ** 20).toFixed(0)} MB`,
      );
    }
    return rows;
  } finally {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
