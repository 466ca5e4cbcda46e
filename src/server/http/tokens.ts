/** Bearer tokens: reading one from a request, and checking it against a secret in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of a presented token against a secret (both sides hashed first, so any lengths). */
export function tokenMatches(presented: string | undefined, secret: string): boolean {
  return presented !== undefined && presented !== '' && timingSafeEqual(sha256(presented), sha256(secret));
}

/** The bearer token of a request, if any. */
export function bearerOf(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}
