// The collector's load test (npm run bench:server, part 1): autocannon POSTs batches of fresh
// simulated reports to the server process, which is then stopped and its database counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SEED_SITE } from '../../../src/server/demo/seed.js';
import type { SqlStore } from '../../../src/server/storage/store.js';
import { freePort } from '../lib.js';
import { freshDatabase, fresh, log, openStore, reportPool, seeded, startProcess } from './setup.js';
import type { DbKind } from './setup.js';

export type IngestOptions = {
  requests: number;
  seconds: number;
  connections: number;
  batch: number;
  /** server processes on the one database (PostgreSQL; PGlite is one process), autocannon spreading the connections over them */
  processes?: number;
};

export type IngestRow = {
  db: DbKind;
  processes: number;
  requests: number;
  seconds: number;
  reqPerS: number;
  reportsPerS: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  accepted: number;
  duplicates: number;
  /** reports of requests still unanswered when the time limit stopped the run */
  unanswered: number;
  /** how many of those the server stored all the same */
  storedUnanswered: number;
  stored: number;
};

type Pending = { ids: string[] };

export async function ingest(kind: DbKind, opts: IngestOptions): Promise<IngestRow> {
  const { requests, seconds: maxSeconds, connections, batch } = opts;
  const processes = kind === 'postgres' ? (opts.processes ?? 1) : 1;
  const dir = mkdtempSync(join(tmpdir(), `edseg-bench-ingest-${kind}-`));
  const db = kind === 'postgres' ? await freshDatabase(`edseg_bench_ingest_${process.pid}`) : null;
  try {
    const ports: number[] = [];
    for (let i = 0; i < processes; i++) ports.push(await freePort());
    const store = await openStore(kind, dir, db?.url);
    const manifest = await seeded(store, ports[0]!);
    await store.close();
    const pool = await reportPool(manifest);
    log(`${kind}: ${pool.length} simulated reports in the pool; starting ${processes} server process(es)`);
    // Each process has its own data folder (the folder lock allows one server a folder).
    const servers = await Promise.all(
      ports.map((port, i) => startProcess(port, i === 0 ? dir : join(dir, `p${i}`), db?.url)),
    );
    let next = 0;
    const contexts = new Set<Pending>();
    let accepted = 0;
    let duplicates = 0;
    log(
      `${kind} x${processes}: ${requests} requests of ${batch} reports, ${connections} connections, at most ${maxSeconds} s`,
    );
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          // autocannon spreads its connections over several URLs (lib/url.js); @types/autocannon says string only.
          url: servers.map((s) => s.url) as unknown as string,
          connections,
          amount: requests,
          timeout: 30,
          requests: [
            {
              method: 'POST',
              path: '/v1/reports',
              headers: { 'content-type': 'application/json' },
              // One request in flight per connection (no pipelining): its context holds the batch's ids
              // until the answer comes, so those of a request cut off by the time limit are known.
              setupRequest: (req, context) => {
                const reports = Array.from({ length: batch }, () => fresh(pool, next++));
                (context as Pending).ids = reports.map((r) => r.id);
                contexts.add(context as Pending);
                return { ...req, body: JSON.stringify({ reports }) };
              },
              onResponse: (status, body, context) => {
                (context as Pending).ids = [];
                if (status !== 202) return;
                const b = JSON.parse(body) as { accepted: number; duplicates: number };
                accepted += b.accepted;
                duplicates += b.duplicates;
              },
            },
          ],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
      const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
      instance.on('done', () => clearTimeout(timer));
    });
    log(`${kind}: stopping the server process(es) (SIGTERM) and counting what was stored`);
    const codes = await Promise.all(servers.map((s) => s.stop()));
    if (codes.some((c) => c !== 0)) throw new Error(`a server exited with ${codes.join(', ')}`);
    // Batches whose answer never came (cut off by the time limit): the server may have stored them.
    const unanswered = [...contexts].flatMap((c) => c.ids);
    const after = await openStore(kind, dir, db?.url);
    const stored = await after.countReports(SEED_SITE);
    const [counted] = await (after as SqlStore).db.query<{ n: number }>(
      'select count(*)::integer as n from reports where id = any($1)',
      [unanswered],
    );
    const storedUnanswered = counted?.n ?? 0;
    await after.close();
    const seconds = result.duration;
    return {
      db: kind,
      processes,
      requests: result.requests.total,
      seconds,
      reqPerS: result.requests.total / seconds,
      reportsPerS: accepted / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      accepted,
      duplicates,
      unanswered: unanswered.length,
      storedUnanswered,
      stored,
    };
  } finally {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
