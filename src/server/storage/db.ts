/** What a driver provides (pglite.ts, postgres.ts), and what every statement module runs on. */

/** The few things a driver provides. `exec` runs several statements without parameters. */
export interface Db {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  exec(text: string): Promise<void>;
  transaction<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A document as the JSON text a jsonb parameter takes (with an explicit ::jsonb cast). */
export const json = (v: unknown): string => JSON.stringify(v);
