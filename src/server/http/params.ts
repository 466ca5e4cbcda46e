/**
 * Every route parameter is checked before it reaches storage, so a bad one answers 400 naming it,
 * never 500: a site id in a path (`/v1/sites/:site`, `/admin/sites/:site`, `/admin/api/sites/:site`)
 * must be an identifier as the manifest schema defines it, and the `site`, `version` and `limit`
 * queries an identifier, a positive 32-bit integer and one of 1 to 2^31 - 1.
 * What still slips through to the database as a data exception (SQLSTATE class 22: a NUL byte, an
 * integer out of range, text that is not a number) is a 400 as well (http/refusal.ts, the error handler).
 */
import type { MiddlewareHandler } from 'hono';
import * as z from 'zod/mini';
import { ManifestSite, parseOrThrow } from '../../core/schema.js';

/** The largest value of a PostgreSQL `integer` column (versions, periods, days). */
export const MAX_INT32 = 2 ** 31 - 1;

const SiteId = ManifestSite.shape.id;
const PositiveInt32 = /* @__PURE__ */ z.int().check(z.gte(1), z.lte(MAX_INT32));

/** Path prefixes whose next segment is a site id. */
const SITE_IN_PATH = /^\/(?:v1|admin|admin\/api)\/sites\/([^/]*)/;

/** A decimal query value as a number (NaN unless it is 1 to 10 digits, so "1e3", "0x1" and " 1" are refused). */
const decimal = (raw: string): number => (/^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN);

/** The queries every route reads the same way, with their checks. */
const QUERY_CHECKS: Record<string, (raw: string) => unknown> = {
  site: (raw) => (raw === '' ? raw : parseOrThrow(SiteId, raw, 'site')),
  version: (raw) => parseOrThrow(PositiveInt32, decimal(raw), 'version'),
  limit: (raw) => parseOrThrow(PositiveInt32, decimal(raw), 'limit'),
};

/** Middleware: throws the input error (parseOrThrow) naming the site, version or limit parameter that fails its check (400 through onError). */
export function checkParams(): MiddlewareHandler {
  return async (c, next) => {
    const site = SITE_IN_PATH.exec(c.req.path)?.[1];
    if (site !== undefined) parseOrThrow(SiteId, site, 'site');
    const query = c.req.queries();
    for (const [name, checkOne] of Object.entries(QUERY_CHECKS))
      for (const raw of query[name] ?? []) checkOne(raw);
    await next();
  };
}
