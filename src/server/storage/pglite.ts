/**
 * The embedded back end: PGlite (PostgreSQL compiled to WASM) in a data folder, or in memory.
 * One connection, so statements run one at a time; fine for a reference collector, and the
 * reason production deployments set DATABASE_URL.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { migrate } from './migrate.js';
import { sqlStore, type SqlStore } from './store.js';
import type { Db } from './db.js';

function wrap(q: PGlite | Transaction, transaction: Db['transaction']): Db {
  return {
    async query<T>(text: string, params?: unknown[]) {
      return (await q.query<T>(text, params)).rows;
    },
    async exec(text: string) {
      await q.exec(text);
    },
    transaction,
    async close() {
      if (q instanceof PGlite) await q.close();
    },
  };
}

/** Opens (creating on first use) the PGlite database in `dataDir` (memory when undefined), not migrated. */
export async function openPgliteDb(dataDir?: string): Promise<Db> {
  const pg = await PGlite.create(dataDir);
  const transaction: Db['transaction'] = (fn) =>
    pg.transaction((tx) =>
      fn(
        wrap(tx, () => {
          throw new Error('nested transaction');
        }),
      ),
    );
  return wrap(pg, transaction);
}

/** Opens (creating on first use) the PGlite database in `dataDir` (memory when undefined) and migrates it. */
export async function openPgliteStore(dataDir?: string): Promise<SqlStore> {
  const db = await openPgliteDb(dataDir);
  await migrate(db);
  return sqlStore('pglite', db);
}
