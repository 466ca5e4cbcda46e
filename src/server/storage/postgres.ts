/**
 * The PostgreSQL back end (`pg` Pool, DATABASE_URL). Same SQL as PGlite; a transaction holds one
 * pooled client from BEGIN to COMMIT.
 */
import pg from 'pg';
import { migrate } from './migrate.js';
import { sqlStore, type SqlStore } from './store.js';
import type { Db } from './db.js';

type Queryable = pg.Pool | pg.PoolClient;

function wrap(q: Queryable, transaction: Db['transaction'], close: () => Promise<void>): Db {
  return {
    async query<T>(text: string, params?: unknown[]) {
      return (await q.query(text, params)).rows as T[];
    },
    async exec(text: string) {
      await q.query(text);
    },
    transaction,
    close,
  };
}

export type PostgresOptions = {
  /** a schema to work in (created if missing); tests use a throwaway one */
  schema?: string;
  max?: number;
};

/** Connects to DATABASE_URL, optionally inside `schema` (created if missing), not migrated. */
export async function openPostgresDb(url: string, opts: PostgresOptions = {}): Promise<Db> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema))
    throw new Error(`invalid schema name "${opts.schema}"`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  if (opts.schema) await pool.query(`create schema if not exists ${opts.schema}`);

  const transaction: Db['transaction'] = async (fn) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const result = await fn(
        wrap(
          client,
          () => {
            throw new Error('nested transaction');
          },
          async () => {},
        ),
      );
      await client.query('commit');
      return result;
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  };
  return wrap(pool, transaction, () => pool.end());
}

/** Connects to DATABASE_URL, optionally inside `schema`, and migrates. */
export async function openPostgresStore(url: string, opts: PostgresOptions = {}): Promise<SqlStore> {
  const db = await openPostgresDb(url, opts);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return sqlStore('postgres', db);
}
