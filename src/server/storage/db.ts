import type { Pool } from 'pg';
/** What a driver provides (pglite.ts, postgres.ts), and what every statement module runs on. */

/** The few things a driver provides. `exec` runs several statements without parameters. */
export interface Db {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  exec(text: string): Promise<void>;
  transaction<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` holding the cluster-wide lock `key` (a PostgreSQL session advisory lock on a
   * connection of its own, so `fn` may use the Db freely): with `wait`, after any other holder
   * lets go; without, only when no other process holds it (null then, and `fn` does not run).
   */
  exclusive<T>(key: number, fn: () => Promise<T>, wait: boolean): Promise<T | null>;
  /** PostgreSQL only: the driver's pool, for a library that speaks to PostgreSQL itself (the rate limiter). */
  readonly pool?: Pool;
  close(): Promise<void>;
}

/** The advisory-lock keys of the whole server (one number per job that must run once at a time). */
export const LOCKS = {
  /** migrations (migrate.ts) */
  migrate: 727274,
  /** report partitions (sql/reports.ts) */
  partitions: 727275,
  /** first start: the first signing key, the admin token's hash, the demo seed, the start-time re-sign */
  startup: 727276,
  /** the hourly re-sign and retention job */
  jobs: 727277,
  /** the installation counters' flushes (sql/installation.ts): one at a time, so the origin bound is exact */
  installCounts: 727278,
} as const;

/** A document as the JSON text a jsonb parameter takes (with an explicit ::jsonb cast). */
export const json = (v: unknown): string => JSON.stringify(v);
