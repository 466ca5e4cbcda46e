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

function wrap(q: PGlite | Transaction, transaction: Db['transaction'], exclusive: Db['exclusive']): Db {
  return {
    exclusive,
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
  // One process owns a PGlite folder (runtime/datadir.ts), so its locks are this process's:
  // a queue per key (PGlite's one connection would make a session lock re-entrant, so no lock at all).
  const queues = new Map<number, Promise<unknown>>();
  const exclusive: Db['exclusive'] = async (key, fn, wait) => {
    const before = queues.get(key);
    if (before && !wait) return null;
    let done!: () => void;
    const mine = new Promise<void>((r) => {
      done = r;
    });
    const chained = (before ?? Promise.resolve()).then(() => mine);
    queues.set(key, chained);
    try {
      await before;
      return await fn();
    } finally {
      done();
      if (queues.get(key) === chained) queues.delete(key);
    }
  };
  const nested: Db['exclusive'] = () => {
    throw new Error('a lock inside a transaction');
  };
  const transaction: Db['transaction'] = (fn) =>
    pg.transaction((tx) =>
      fn(
        wrap(
          tx,
          () => {
            throw new Error('nested transaction');
          },
          nested,
        ),
      ),
    );
  return wrap(pg, transaction, exclusive);
}

/** Opens (creating on first use) the PGlite database in `dataDir` (memory when undefined) and migrates it. */
export async function openPgliteStore(dataDir?: string): Promise<SqlStore> {
  const db = await openPgliteDb(dataDir);
  await migrate(db);
  return sqlStore('pglite', db);
}
