/**
 * A PostgreSQL for the storage tests: DATABASE_URL if set (it must work), else the cluster
 * `node scripts/pg.mjs start` left in .cache/pg-url (if it answers), else a throwaway cluster
 * started here (scripts/pg.mjs) and stopped by release(). No skipping: when PostgreSQL cannot be
 * had, this throws and the tests fail.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomHex } from '../../src/core/privacy/random.js';
import { openPgliteDb, openPgliteStore } from '../../src/server/storage/pglite.js';
import { openPostgresDb, openPostgresStore } from '../../src/server/storage/postgres.js';
import type { Db, SqlStore } from '../../src/server/storage/store.js';

type Cluster = { url: string; stop(): void };
type PgScript = { URL_FILE: string; startCluster(opts?: { log?: (m: string) => void }): Promise<Cluster> };

const script = (): Promise<PgScript> =>
  import(new URL('../../scripts/pg.mjs', import.meta.url).href) as Promise<PgScript>;

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A usable PostgreSQL URL and the function that releases what was started for it. */
export async function acquirePostgres(): Promise<{ url: string; source: string; release(): void }> {
  const env = process.env['DATABASE_URL'];
  if (env) {
    if (!(await answers(env))) throw new Error('DATABASE_URL is set but PostgreSQL does not answer there');
    return { url: env, source: 'DATABASE_URL', release: () => {} };
  }
  const { URL_FILE, startCluster } = await script();
  if (existsSync(URL_FILE)) {
    const url = readFileSync(URL_FILE, 'utf8').trim();
    if (url && (await answers(url))) return { url, source: URL_FILE, release: () => {} };
  }
  const cluster = await startCluster();
  return { url: cluster.url, source: 'throwaway cluster', release: () => cluster.stop() };
}

/** Drops a test's throwaway schema, then lets go of the PostgreSQL handle. */
export async function releaseSchema(
  handle: Awaited<ReturnType<typeof acquirePostgres>>,
  schema: string,
): Promise<void> {
  const client = new pg.Client(handle.url);
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
  handle.release();
}

/** A back end for tests run on both: open() gives the migrated store (the same database each time), raw() the database unmigrated. */
export type Backend = {
  name: 'pglite' | 'postgres';
  open(): Promise<SqlStore>;
  raw(): Promise<Db>;
  cleanup(): Promise<void>;
};

export function pgliteBackend(): Backend {
  let dir = '';
  return {
    name: 'pglite',
    async open() {
      dir ||= mkdtempSync(join(tmpdir(), 'edseg-store-'));
      return openPgliteStore(join(dir, 'db'));
    },
    async raw() {
      dir ||= mkdtempSync(join(tmpdir(), 'edseg-store-'));
      return openPgliteDb(join(dir, 'db'));
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postgresBackend(): Backend {
  const schema = `edseg_test_${randomHex(6)}`;
  let pgHandle: Awaited<ReturnType<typeof acquirePostgres>> | null = null;
  return {
    name: 'postgres',
    async open() {
      pgHandle ??= await acquirePostgres();
      return openPostgresStore(pgHandle.url, { schema, max: 4 });
    },
    async raw() {
      pgHandle ??= await acquirePostgres();
      return openPostgresDb(pgHandle.url, { schema, max: 4 });
    },
    async cleanup() {
      if (pgHandle) await releaseSchema(pgHandle, schema);
    },
  };
}
