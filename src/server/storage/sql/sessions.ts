/** The admin_sessions and server_settings tables: what every process of one server shares besides the data. */
import { AdminSessionRow, type Principal } from '../../../core/schema.js';
import type { Db } from '../db.js';

/** Most sessions kept at once; past it the oldest go (a login flood cannot grow the table). */
export const MAX_SESSIONS = 1000;

export interface SessionSqlStore {
  /** Stores a session (its id's hash) for `principal` until `expiresAt`; drops expired ones and the oldest past MAX_SESSIONS. */
  openSession(idHash: string, principal: Principal, createdAt: string, expiresAt: string): Promise<void>;
  /** The principal of an unexpired session, or null (an expired one is deleted). */
  sessionPrincipal(idHash: string, now: string): Promise<Principal | null>;
  /** Deletes one session (logout). */
  closeSession(idHash: string): Promise<void>;
  /** Deletes every session of the account `name` (not the admin token's) but `keepHash`. */
  closeAccountSessions(name: string, keepHash?: string): Promise<void>;
  /** Deletes the admin token's sessions (its token changed). */
  closeBootstrapSessions(): Promise<void>;
  /** A server setting, or null. */
  getSetting(name: string): Promise<string | null>;
  /** Sets a server setting (insert or replace). */
  setSetting(name: string, value: string, at: string): Promise<void>;
}

export const sessionSql = (db: Db): SessionSqlStore => ({
  async openSession(idHash, principal, createdAt, expiresAt) {
    await db.query('delete from admin_sessions where expires_at <= $1', [createdAt]);
    await db.query(
      `delete from admin_sessions where id_hash in
         (select id_hash from admin_sessions order by created_at desc, id_hash offset $1)`,
      [MAX_SESSIONS - 1],
    );
    await db.query(
      `insert into admin_sessions (id_hash, name, role, bootstrap, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [idHash, principal.name, principal.role, principal.bootstrap, createdAt, expiresAt],
    );
  },

  async sessionPrincipal(idHash, now) {
    const [raw] = await db.query('select * from admin_sessions where id_hash = $1', [idHash]);
    if (!raw) return null;
    const row = AdminSessionRow.parse(raw);
    if (row.expires_at > now) return { name: row.name, role: row.role, bootstrap: row.bootstrap };
    await db.query('delete from admin_sessions where id_hash = $1', [idHash]);
    return null;
  },

  async closeSession(idHash) {
    await db.query('delete from admin_sessions where id_hash = $1', [idHash]);
  },

  async closeAccountSessions(name, keepHash) {
    await db.query(
      'delete from admin_sessions where name = $1 and not bootstrap and id_hash is distinct from $2',
      [name, keepHash ?? null],
    );
  },

  async closeBootstrapSessions() {
    await db.query('delete from admin_sessions where bootstrap');
  },

  async getSetting(name) {
    const [row] = await db.query<{ value: string }>('select value from server_settings where name = $1', [
      name,
    ]);
    return row?.value ?? null;
  },

  async setSetting(name, value, at) {
    await db.query(
      `insert into server_settings (name, value, updated_at) values ($1, $2, $3)
       on conflict (name) do update set value = excluded.value, updated_at = excluded.updated_at`,
      [name, value, at],
    );
  },
});
