/**
 * `npm run bench:server`: the collector's load test and the estimates at scale, printed as Markdown
 * tables (progress on stderr). Loopback only; every part is bounded in count and in time.
 *
 * 1. Ingest, on PGlite and on PostgreSQL: the server runs as its own process (node --import tsx
 *    src/server/cli.ts); autocannon POSTs batches of 100 reports over C connections until N
 *    requests are answered or S seconds pass. The reports are the simulator's (src/server/demo/simulate.ts:
 *    the SDK's own features, assignment, policy and report builder), each sent under a fresh id so
 *    none repeats. Afterwards the server is stopped (SIGTERM, graceful) and the database is counted:
 *    stored must equal the sum of `accepted` of the 202 answers (nothing lost, nothing twice), plus
 *    those of the requests the time limit cut off before their answer that the server stored (by id).
 * 2. Estimates at 10k, 100k and 1M stored reports (PGlite by default): the reports are bulk-inserted
 *    straight into the store (Store.insertReports, 1,000 a statement) while the server is down,
 *    spread over the last 10 periods of the current version; then the server starts on that data
 *    and GET /v1/sites/lingua-kids/estimates is called K times over HTTP (cache off). Printed: the
 *    median latency and the growth of the server process's RSS (/proc/PID/status, sampled every
 *    20 ms) over its RSS before the first call.
 *
 * Flags: --db pglite,postgres   --requests 1000   --seconds 60   --connections 8   --batch 100
 *        --sizes 10000,100000,1000000   --calls 5   --estimates-db pglite   --skip ingest|estimates
 * PostgreSQL: DATABASE_URL (a database is created per run and dropped after), else a throwaway
 * cluster from scripts/pg.mjs (Debian's postgresql package, installed with apt-get when absent and root).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { cryptoRng, randomHex } from '../src/core/privacy/random.js';
import { MAX_BATCH_REPORTS, dayOf, periodOf } from '../src/core/schema.js';
import type { Manifest, Report } from '../src/core/schema.js';
import { createSigner } from '../src/server/identity/keys.js';
import { SEED_SITE, seedDemoSite } from '../src/server/demo/seed.js';
import { makeLearners, simulatePeriods, simulationRngs } from '../src/server/demo/simulate.js';
import { openPgliteStore } from '../src/server/storage/pglite.js';
import { openPostgresStore } from '../src/server/storage/postgres.js';
import type { SqlStore, Store } from '../src/server/storage/store.js';

const ROOT = new URL('..', import.meta.url).pathname;
const TOKEN = 'bench-admin-token-0123456789';
const log = (m: string) => process.stderr.write(`bench:server: ${m}\n`);

const { values: flags } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite,postgres' },
    requests: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    batch: { type: 'string', default: String(MAX_BATCH_REPORTS) },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    calls: { type: 'string', default: '5' },
    'estimates-db': { type: 'string', default: 'pglite' },
    skip: { type: 'string', multiple: true, default: [] },
  },
});
const int = (name: keyof typeof flags, max: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be an integer in [1, ${max}]`);
  return n;
};
const REQUESTS = int('requests', 100_000);
const SECONDS = int('seconds', 600);
const CONNECTIONS = int('connections', 64);
const BATCH = int('batch', MAX_BATCH_REPORTS);
const CALLS = int('calls', 50);
const SIZES = flags.sizes.split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 5_000_000) throw new Error(`--sizes: bad size "${s}"`);
  return n;
});
type DbKind = 'pglite' | 'postgres';
const kinds = (text: string): DbKind[] =>
  text.split(',').map((k) => {
    if (k !== 'pglite' && k !== 'postgres') throw new Error(`--db takes pglite and/or postgres, got "${k}"`);
    return k;
  });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The server as its own process, on loopback, rate limits out of the way, estimates uncached. */
type Proc = { child: ChildProcess; url: string; stop(): Promise<number | null> };
async function startProcess(port: number, dataDir: string, databaseUrl?: string): Promise<Proc> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/server/cli.ts',
      '--port',
      String(port),
      '--data',
      dataDir,
      '--rate-limit',
      'reports=100000000,estimates=100000000',
      '--estimates-cache',
      '0',
      '--log-level',
      'warn',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        EDSEG_ADMIN_TOKEN: TOKEN,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error('the server was not ready within 180 s');
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(250);
  }
  return {
    child,
    url,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resident set size of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** A PostgreSQL to run on: DATABASE_URL, or the throwaway cluster of scripts/pg.mjs. */
type PgScript = {
  startCluster(opts?: { log?: (m: string) => void }): Promise<{ url: string; stop(): void }>;
};
let cluster: { url: string; stop(): void } | null = null;
async function postgresBase(): Promise<string> {
  if (process.env['DATABASE_URL']) return process.env['DATABASE_URL'];
  if (!cluster) {
    const script = (await import(new URL('./pg.mjs', import.meta.url).href)) as PgScript;
    cluster = await script.startCluster({ log });
  }
  return cluster.url;
}
/** A fresh database on that PostgreSQL, and the function that drops it. */
async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = await postgresBase();
  const admin = new pg.Client(base);
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.href,
    async drop() {
      const c = new pg.Client(base);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The store a data folder or database holds (the server must not be running on it). */
async function openStore(kind: DbKind, dataDir: string, databaseUrl?: string): Promise<Store> {
  return kind === 'postgres' ? openPostgresStore(databaseUrl!) : openPgliteStore(join(dataDir, 'pglite'));
}

/** Seeds the demo site for `port` (so the server started on it does not republish) and returns its manifest. */
async function seeded(store: Store, port: number): Promise<Manifest> {
  const signer = await createSigner(store, () => new Date());
  await seedDemoSite(store, signer, { port, now: new Date() });
  return (await store.currentVersion(SEED_SITE))!.manifest;
}

/** A pool of simulated reports (2,000 learners, the SDK's own code), for reuse under fresh ids. */
async function reportPool(manifest: Manifest, learners = 2000): Promise<Report[]> {
  const { rng, reportRng } = simulationRngs(20251202);
  const pool: Report[] = [];
  for await (const p of simulatePeriods({
    manifest,
    learners: makeLearners(learners, manifest.features, rng),
    periods: 1,
    today: dayOf(Date.now()),
    rng,
    reportRng,
  }))
    pool.push(...p.reports);
  return pool;
}

/** The i-th report of the pool under a new id (and, when given, a period). */
const fresh = (pool: Report[], i: number, period?: number): Report => ({
  ...pool[i % pool.length]!,
  id: randomHex(16, cryptoRng),
  ...(period !== undefined ? { period } : {}),
});

type IngestRow = {
  db: DbKind;
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

async function ingest(kind: DbKind): Promise<IngestRow> {
  const dir = mkdtempSync(join(tmpdir(), `edseg-bench-ingest-${kind}-`));
  const db = kind === 'postgres' ? await freshDatabase(`edseg_bench_ingest_${process.pid}`) : null;
  try {
    const port = await freePort();
    const store = await openStore(kind, dir, db?.url);
    const manifest = await seeded(store, port);
    await store.close();
    const pool = await reportPool(manifest);
    log(`${kind}: ${pool.length} simulated reports in the pool; starting the server`);
    const server = await startProcess(port, dir, db?.url);
    let next = 0;
    const contexts = new Set<Pending>();
    let accepted = 0;
    let duplicates = 0;
    log(
      `${kind}: ${REQUESTS} requests of ${BATCH} reports, ${CONNECTIONS} connections, at most ${SECONDS} s`,
    );
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: server.url,
          connections: CONNECTIONS,
          amount: REQUESTS,
          timeout: 30,
          requests: [
            {
              method: 'POST',
              path: '/v1/reports',
              headers: { 'content-type': 'application/json' },
              // One request in flight per connection (no pipelining): its context holds the batch's ids
              // until the answer comes, so those of a request cut off by the time limit are known.
              setupRequest: (req, context) => {
                const reports = Array.from({ length: BATCH }, () => fresh(pool, next++));
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
      const timer = setTimeout(() => instance.stop(), SECONDS * 1000);
      instance.on('done', () => clearTimeout(timer));
    });
    log(`${kind}: stopping the server (SIGTERM) and counting what it stored`);
    const code = await server.stop();
    if (code !== 0) throw new Error(`the server exited with ${code}`);
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

type EstimateRow = {
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

async function estimatesAtScale(kind: DbKind): Promise<EstimateRow[]> {
  const dir = mkdtempSync(join(tmpdir(), `edseg-bench-estimates-${kind}-`));
  const db = kind === 'postgres' ? await freshDatabase(`edseg_bench_estimates_${process.pid}`) : null;
  const rows: EstimateRow[] = [];
  try {
    const port = await freePort();
    let stored = 0;
    let pool: Report[] | null = null;
    for (const size of [...SIZES].sort((a, b) => a - b)) {
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
        for (let i = 0; i < CALLS; i++) {
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

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const thousands = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const skip = new Set(flags.skip);
  const out: string[] = [
    `# edseg server benchmarks (${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, loopback)`,
    '',
  ];
  try {
    if (!skip.has('ingest')) {
      const rows: IngestRow[] = [];
      for (const k of kinds(flags.db)) rows.push(await ingest(k));
      out.push(
        `## Ingest: POST /v1/reports, ${BATCH} report${BATCH === 1 ? '' : 's'} a request, ${CONNECTIONS} connections, at most ${REQUESTS} requests or ${SECONDS} s`,
        '',
        '| database | requests | seconds | requests/s | reports/s | p50 ms | p99 ms | non-2xx | errors | accepted | duplicates | cut off (stored) | stored | stored == accepted + cut off stored |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
        ...rows.map(
          (r) =>
            `| ${r.db} | ${thousands(r.requests)} | ${f1(r.seconds)} | ${f0(r.reqPerS)} | ${thousands(r.reportsPerS)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} | ${thousands(r.accepted)} | ${r.duplicates} | ${r.unanswered} (${r.storedUnanswered}) | ${thousands(r.stored)} | ${r.stored === r.accepted + r.storedUnanswered && r.duplicates === 0 ? 'yes' : '**NO**'} |`,
        ),
        '',
        'Each report is sent once, under a fresh id; "cut off" are the reports of requests still unanswered when the time limit stopped the run (the server may have stored them: counted by id).',
        '',
      );
    }
    if (!skip.has('estimates')) {
      const rows: EstimateRow[] = [];
      for (const k of kinds(flags['estimates-db'])) rows.push(...(await estimatesAtScale(k)));
      out.push(
        `## Estimates: GET /v1/sites/${SEED_SITE}/estimates over HTTP, ${CALLS} calls each, server RSS sampled every 20 ms`,
        '',
        '| database | stored reports | fill s | median ms | min ms | max ms | RSS before MB | RSS growth MB | reports aggregated |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...rows.map(
          (r) =>
            `| ${r.db} | ${thousands(r.stored)} | ${f0(r.fillSeconds)} | ${f0(r.medianMs)} | ${f0(r.minMs)} | ${f0(r.maxMs)} | ${f0(r.rssBeforeMb)} | ${f0(r.rssGrowthMb)} | ${r.aggregated === null ? '-' : thousands(r.aggregated)} |`,
        ),
        '',
      );
    }
  } finally {
    cluster?.stop();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  cluster?.stop();
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
