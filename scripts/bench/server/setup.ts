// What both server benchmarks stand on: the server as its own process on a data folder or database,
// a PostgreSQL to run on, the store opened directly while the server is down, the demo site seeded,
// and the simulator's reports under fresh ids.
import { join } from 'node:path';
import pg from 'pg';
import { cryptoRng, randomHex } from '../../../src/core/privacy/random.js';
import { dayOf } from '../../../src/core/schema.js';
import type { Manifest, Report } from '../../../src/core/schema.js';
import { createSigner } from '../../../src/server/identity/keys.js';
import { SEED_SITE, seedDemoSite } from '../../../src/server/demo/seed.js';
import { makeLearners, simulatePeriods, simulationRngs } from '../../../src/server/demo/simulate.js';
import { openPgliteStore } from '../../../src/server/storage/pglite.js';
import { openPostgresStore } from '../../../src/server/storage/postgres.js';
import type { Store } from '../../../src/server/storage/store.js';
import { startServerProcess } from '../lib.js';
import type { ServerProcess } from '../lib.js';

export type DbKind = 'pglite' | 'postgres';

export const log = (m: string) => process.stderr.write(`bench:server: ${m}\n`);

export const TOKEN = 'bench-admin-token-0123456789';

/** The server as its own process (src/server/cli.ts), on loopback, rate limits out of the way, estimates uncached. */
export function startProcess(port: number, dataDir: string, databaseUrl?: string): Promise<ServerProcess> {
  return startServerProcess(
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
      port,
      env: {
        ...process.env,
        EDSEG_ADMIN_TOKEN: TOKEN,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

/** A PostgreSQL to run on: DATABASE_URL, or the throwaway cluster of scripts/pg.mjs. */
type PgScript = {
  startCluster(opts?: { log?: (m: string) => void }): Promise<{ url: string; stop(): void }>;
};
let cluster: { url: string; stop(): void } | null = null;
async function postgresBase(): Promise<string> {
  if (process.env['DATABASE_URL']) return process.env['DATABASE_URL'];
  if (!cluster) {
    const script = (await import(new URL('../../pg.mjs', import.meta.url).href)) as PgScript;
    cluster = await script.startCluster({ log });
  }
  return cluster.url;
}
/** Stops the throwaway cluster, if one was started. */
export function stopCluster(): void {
  cluster?.stop();
}

/** A fresh database on that PostgreSQL, and the function that drops it. */
export async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
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
export async function openStore(kind: DbKind, dataDir: string, databaseUrl?: string): Promise<Store> {
  return kind === 'postgres' ? openPostgresStore(databaseUrl!) : openPgliteStore(join(dataDir, 'pglite'));
}

/** Seeds the demo site for `port` (so the server started on it does not republish) and returns its manifest. */
export async function seeded(store: Store, port: number): Promise<Manifest> {
  const signer = await createSigner(store, () => new Date());
  await seedDemoSite(store, signer, { port, now: new Date() });
  return (await store.currentVersion(SEED_SITE))!.manifest;
}

/** A pool of simulated reports (2,000 learners, the SDK's own code), for reuse under fresh ids. */
export async function reportPool(manifest: Manifest, learners = 2000): Promise<Report[]> {
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
export const fresh = (pool: Report[], i: number, period?: number): Report => ({
  ...pool[i % pool.length]!,
  id: randomHex(16, cryptoRng),
  ...(period !== undefined ? { period } : {}),
});
