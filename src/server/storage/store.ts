/**
 * The collector's storage: one interface, one SQL implementation, two drivers (PGlite embedded,
 * PostgreSQL via `pg`). The drivers only adapt `query`, `exec` and `transaction` (db.ts); every
 * statement lives in sql/, one module per aggregate, so both back ends run exactly the same SQL.
 */
import type { Pool } from 'pg';
import type { Db } from './db.js';
import { accountSql, type AccountStore } from './sql/accounts.js';
import { auditSql, type AuditStore } from './sql/audit.js';
import { signingKeySql, type SigningKeyStore } from './sql/keys.js';
import { installationSql, type InstallationStore } from './sql/installation.js';
import { reportSql, type ReportStore } from './sql/reports.js';
import { sessionSql, type SessionSqlStore } from './sql/sessions.js';
import { siteSql, type SiteStore } from './sql/sites.js';
import { versionSql, type VersionStore } from './sql/versions.js';

// The storage shapes (records and table rows) are schema.ts's; AuditRecord is re-exported for the tests.
export type { AuditRecord } from '../../core/schema.js';
export type { Db } from './db.js';
export { LOCKS } from './db.js';
export { migrate } from './migrate.js';
export type { NewSite, SitePatch } from './sql/sites.js';
export type { CurrentJws } from './sql/versions.js';

export interface Store
  extends
    SiteStore,
    VersionStore,
    SigningKeyStore,
    AccountStore,
    ReportStore,
    AuditStore,
    SessionSqlStore,
    InstallationStore {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; the store it receives writes inside it. Nested calls join it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Resolves when the database answers a trivial query (GET /readyz). */
  ping(): Promise<void>;
  /** Runs `fn` under the cluster-wide lock `key` (db.ts LOCKS): waiting for it, or (wait false) null when another process holds it. */
  exclusive<T>(key: number, fn: () => Promise<T>, wait: boolean): Promise<T | null>;
  /** PostgreSQL: its connection pool (rate limits counted in the database); PGlite: null. */
  sharedPool(): Pool | null;
}

/** The Store over any Db; `db` is public for tests and maintenance scripts that must see the raw rows. */
export type SqlStore = Store & { readonly db: Db };

/**
 * The Store over `db`: every statement both back ends run. `inTx`: `db` is a transaction (nested
 * transactions join it); `partitions`: the report partitions known to exist, shared with the
 * store's transactions (sql/reports.ts).
 */
export function sqlStore(
  kind: 'pglite' | 'postgres',
  db: Db,
  inTx = false,
  partitions = new Set<number>(),
): SqlStore {
  const store: SqlStore = {
    kind,
    db,
    transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      if (inTx) return fn(store);
      return db.transaction((tx) => fn(sqlStore(kind, tx, true, partitions)));
    },
    close: () => db.close(),
    async ping() {
      await db.query('select 1');
    },
    exclusive: (key, fn, wait) => db.exclusive(key, fn, wait),
    sharedPool: () => db.pool ?? null,
    ...siteSql(db),
    ...versionSql(db),
    ...signingKeySql(db),
    ...accountSql(db),
    ...reportSql(db, inTx, partitions),
    ...auditSql(db),
    ...sessionSql(db),
    ...installationSql(db),
  };
  return store;
}
