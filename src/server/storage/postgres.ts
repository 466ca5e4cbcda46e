/**
 * The PostgreSQL back end (`pg` Pool, DATABASE_URL). Same SQL as PGlite; a transaction holds one
 * pooled client from BEGIN to COMMIT.
 */
import pg from 'pg';
import { migrate } from './migrate.js';
import { sqlStore, type SqlStore } from './store.js';
import type { Db } from './db.js';

type Queryable = pg.Pool | pg.PoolClient;

function wrap(
  q: Queryable,
  transaction: Db['transaction'],
  close: () => Promise<void>,
  exclusive: Db['exclusive'],
): Db {
  return {
    exclusive,
    ...(q instanceof pg.Pool ? { pool: q } : {}),
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
          () => {
            throw new Error('a lock inside a transaction');
          },
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
  // A session lock on a client of its own, held while fn runs on the pool's other clients.
  const exclusive: Db['exclusive'] = async (key, fn, wait) => {
    const client = await pool.connect();
    let held = false;
    try {
      if (wait) {
        await client.query('select pg_advisory_lock($1)', [key]);
        held = true;
      } else {
        const [row] = (await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]))
          .rows;
        held = row?.ok === true;
        if (!held) return null;
      }
      return await fn();
    } finally {
      if (held) await client.query('select pg_advisory_unlock($1)', [key]).catch(() => {});
      client.release();
    }
  };
  return wrap(pool, transaction, () => pool.end(), exclusive);
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
