/**
 * A PostgreSQL for the storage tests: DATABASE_URL if set (it must work), else the cluster
 * `node scripts/pg.mjs start` left in .cache/pg-url (if it answers), else a throwaway cluster
 * started here (scripts/pg.mjs) and stopped by release(). No skipping: when PostgreSQL cannot be
 * had, this throws and the tests fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';

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
