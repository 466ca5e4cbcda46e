/**
 * Admin console sessions, kept on the server: the cookie holds only a random id (32 bytes), the
 * server maps its SHA-256 to the principal (account name and role) and the expiry. Logging out deletes the entry, so a copied
 * or replayed cookie stops working at once. Kept in memory: a restart logs every admin out (and
 * so does changing the admin token, which takes a restart).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../core/schema.js';

/** How long a console session lasts. */
export const SESSION_HOURS = 8;

/** Most sessions kept at once; past it the oldest is dropped (a login flood cannot grow memory). */
const MAX_SESSIONS = 1000;

const idHash = (id: string): string => createHash('sha256').update(id).digest('base64url');

/** The server's table of live console sessions. */
export class SessionStore {
  private readonly live = new Map<string, { principal: Principal; exp: number }>();

  /** Opens a session for `principal` and returns its id, for the cookie. */
  open(principal: Principal, now: Date): string {
    const t = now.getTime();
    for (const [k, v] of this.live) if (v.exp <= t) this.live.delete(k);
    while (this.live.size >= MAX_SESSIONS) this.live.delete(this.live.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.live.set(idHash(id), { principal, exp: t + SESSION_HOURS * 3_600_000 });
    return id;
  }

  /** The principal of a live, unexpired session, or null. */
  principal(id: string | undefined, now: Date): Principal | null {
    if (!id) return null;
    const s = this.live.get(idHash(id));
    if (!s) return null;
    if (s.exp > now.getTime()) return s.principal;
    this.live.delete(idHash(id));
    return null;
  }

  /** Ends every session of the account `name` but the one whose id is `keep` (disable, password change). */
  closeAccount(name: string, keep?: string): void {
    const kept = keep === undefined ? undefined : idHash(keep);
    for (const [k, v] of this.live)
      if (!v.principal.bootstrap && v.principal.name === name && k !== kept) this.live.delete(k);
  }

  /** Ends a session (logout): its id no longer opens anything. */
  close(id: string | undefined): void {
    if (id) this.live.delete(idHash(id));
  }
}
