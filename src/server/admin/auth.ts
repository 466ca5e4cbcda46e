/**
 * Admin authentication: who a request is (src/server/identity/accounts.ts checks the credentials).
 * - The JSON API takes `Authorization: Bearer <token>` (an account's API token, or the admin token:
 *   the bootstrap owner); no cookie, so no CSRF surface.
 * - The HTML console exchanges name + password (or the admin token) once, at the login form, for a
 *   session kept on the server (http/sessions.ts): the cookie holds a random id only, HttpOnly,
 *   SameSite=Strict, Path=/admin, 8 hours, Secure when the console is served over https (directly,
 *   or behind a trusted proxy that says so); logging out deletes the session on the server.
 * What each role may do is access.ts's table.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Principal } from '../../core/schema.js';
import type { Guard } from '../http/guard.js';
import { publicOrigin } from '../http/guard.js';
import { SESSION_HOURS } from '../http/sessions.js';

const SESSION_COOKIE = 'edseg_admin';

/** Opens a server-side session for `principal` and sets its cookie. */
export async function startSession(c: Context, guard: Guard, principal: Principal, now: Date): Promise<void> {
  setCookie(c, SESSION_COOKIE, await guard.sessions.open(principal, now), {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/admin',
    maxAge: SESSION_HOURS * 3600,
    secure: publicOrigin(c, guard.trustProxy).startsWith('https:'),
  });
}

/** The principal of the request's live, unexpired session, or null. */
export function sessionPrincipal(c: Context, guard: Guard, now: Date): Promise<Principal | null> {
  return guard.sessions.principal(getCookie(c, SESSION_COOKIE), now);
}

/** The request's session id (its cookie), or undefined. */
export const sessionIdOf = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE);

/** Ends the request's session on the server and clears its cookie. */
export async function endSession(c: Context, guard: Guard): Promise<void> {
  await guard.sessions.close(getCookie(c, SESSION_COOKIE));
  deleteCookie(c, SESSION_COOKIE, { path: '/admin' });
}

/** Who the request acts as, for the audit log: the account's name (never a typed-in name). */
export const actorOf = (c: Context): string => c.get('principal').name;

/** "name · role" of whom the console page is shown to (its header), or null before sign-in. */
export const signedInAs = (c: Context): string | null => {
  const p = c.get('principal') as Principal | undefined;
  return p ? `${p.name} · ${p.role}` : null;
};
