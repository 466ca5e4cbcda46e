/**
 * Admin console sessions, kept on the server: the cookie holds only a random id (32 bytes), the
 * server maps its SHA-256 to the principal (account name and role) and the expiry. Logging out deletes the entry, so a copied
 * or replayed cookie stops working at once. Kept in the database (admin_sessions, storage/sql/sessions.ts):
 * every process on one PostgreSQL honours a login made on another, and a logout, a disable or a
 * password change on one ends the session on all. A restart keeps them; a changed admin token
 * ends the admin token's sessions (runtime/start.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../core/schema.js';
import type { SessionSqlStore } from '../storage/sql/sessions.js';

/** How long a console session lasts. */
export const SESSION_HOURS = 8;

const idHash = (id: string): string => createHash('sha256').update(id).digest('base64url');

/** The server's console sessions, over the store's admin_sessions table. */
export class SessionStore {
  constructor(private readonly table: SessionSqlStore) {}

  /** Opens a session for `principal` and returns its id, for the cookie. */
  async open(principal: Principal, now: Date): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const exp = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
    await this.table.openSession(idHash(id), principal, now.toISOString(), exp.toISOString());
    return id;
  }

  /** The principal of a live, unexpired session, or null. */
  async principal(id: string | undefined, now: Date): Promise<Principal | null> {
    if (!id) return null;
    return this.table.sessionPrincipal(idHash(id), now.toISOString());
  }

  /** Ends every session of the account `name` but the one whose id is `keep` (disable, password change). */
  async closeAccount(name: string, keep?: string): Promise<void> {
    await this.table.closeAccountSessions(name, keep === undefined ? undefined : idHash(keep));
  }

  /** Ends a session (logout): its id no longer opens anything. */
  async close(id: string | undefined): Promise<void> {
    if (id) await this.table.closeSession(idHash(id));
  }
}
