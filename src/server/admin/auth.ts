/**
 * Admin authentication. One secret, the admin token:
 * - the JSON API takes it as `Authorization: Bearer <token>` (no cookie, so no CSRF surface);
 * - the HTML console exchanges it once, at the login form, for a session cookie: HMAC-signed
 *   (a key derived from the token, so changing the token logs every session out), HttpOnly,
 *   SameSite=Strict, Path=/admin, 8 hours. The cookie holds the name the admin typed (for the
 *   audit log's "who") and its expiry, never the token.
 * Token comparison hashes both sides first, so it is constant-time whatever the lengths.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { AdminSession } from '../../core/schema.js';

const SESSION_COOKIE = 'edseg_admin';
const SESSION_HOURS = 8;

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of a presented token against the admin token. */
export function tokenMatches(presented: string | undefined, adminToken: string): boolean {
  return (
    presented !== undefined && presented !== '' && timingSafeEqual(sha256(presented), sha256(adminToken))
  );
}

/** The bearer token of a request, if any. */
export function bearerOf(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

/** A display name safe for the audit log: printable, trimmed, at most 64 characters. */
export function actorName(raw: string | undefined, fallback: string): string {
  const clean = (raw ?? '')
    .replace(/[^\p{L}\p{N} ._@-]/gu, '')
    .trim()
    .slice(0, 64);
  return clean || fallback;
}

const sessionKey = (adminToken: string): string =>
  sha256(`edseg-admin-session:${adminToken}`).toString('base64url');

/** Sets the session cookie for `actor`. */
export async function startSession(c: Context, adminToken: string, actor: string, now: Date): Promise<void> {
  const exp = now.getTime() + SESSION_HOURS * 3_600_000;
  await setSignedCookie(
    c,
    SESSION_COOKIE,
    JSON.stringify({ actor, exp } satisfies AdminSession),
    sessionKey(adminToken),
    {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/admin',
      maxAge: SESSION_HOURS * 3600,
      secure: new URL(c.req.url).protocol === 'https:',
    },
  );
}

/** The actor of a valid, unexpired session cookie, or null. */
export async function sessionActor(c: Context, adminToken: string, now: Date): Promise<string | null> {
  const value = await getSignedCookie(c, sessionKey(adminToken), SESSION_COOKIE);
  if (!value) return null;
  try {
    const session = AdminSession.safeParse(JSON.parse(value));
    return session.success && session.data.exp > now.getTime() ? session.data.actor : null;
  } catch {
    return null;
  }
}

/** Clears the session cookie. */
export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/admin' });
}
