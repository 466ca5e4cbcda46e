/**
 * Admin authentication. One secret, the admin token:
 * - the JSON API takes it as `Authorization: Bearer <token>` (no cookie, so no CSRF surface);
 * - the HTML console exchanges it once, at the login form, for a session kept on the server
 *   (security/sessions.ts): the cookie holds a random id only, HttpOnly, SameSite=Strict,
 *   Path=/admin, 8 hours, Secure when the console is served over https (directly, or behind a
 *   trusted proxy that says so); logging out deletes the session on the server.
 * Token comparison hashes both sides first, so it is constant-time whatever the lengths.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Guard } from '../security/guard.js';
import { publicOrigin } from '../security/guard.js';
import { SESSION_HOURS } from '../security/sessions.js';

// The constant-time token check and the bearer header are the collector's too (the estimates read token).
export { bearerOf, tokenMatches } from '../http.js';

const SESSION_COOKIE = 'edseg_admin';

/** A display name safe for the audit log: printable, trimmed, at most 64 characters. */
export function actorName(raw: string | undefined, fallback: string): string {
  const clean = (raw ?? '')
    .replace(/[^\p{L}\p{N} ._@-]/gu, '')
    .trim()
    .slice(0, 64);
  return clean || fallback;
}

/** Opens a server-side session for `actor` and sets its cookie. */
export function startSession(c: Context, guard: Guard, actor: string, now: Date): void {
  setCookie(c, SESSION_COOKIE, guard.sessions.open(actor, now), {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/admin',
    maxAge: SESSION_HOURS * 3600,
    secure: publicOrigin(c, guard.trustProxy).startsWith('https:'),
  });
}

/** The actor of the request's live, unexpired session, or null. */
export function sessionActor(c: Context, guard: Guard, now: Date): string | null {
  return guard.sessions.actor(getCookie(c, SESSION_COOKIE), now);
}

/** Ends the request's session on the server and clears its cookie. */
export function endSession(c: Context, guard: Guard): void {
  guard.sessions.close(getCookie(c, SESSION_COOKIE));
  deleteCookie(c, SESSION_COOKIE, { path: '/admin' });
}
