/**
 * GET /v1/sites/:site/estimates: the closed periods' estimates of a version (estimates.ts), as
 * disclose() publishes them, to whoever the operator lets read them:
 * - `publicEstimates: false` switches the endpoint off (404); the signed-in admin API and console
 *   still show the estimates, the live period included;
 * - `estimatesToken` makes it ask for `Authorization: Bearer <token>` (401 otherwise);
 * - it is rate limited per client (http/guard.ts, `estimates`) and cached per (site, version) and
 *   the site's sums (Store.totalsStamp, one small query): a report stored by any process on the
 *   database shows at once; otherwise an answer is kept for `estimatesCacheSeconds` (default 300),
 *   and never past the end of the live period (when the set of closed periods changes).
 *   Cache-Control and a strong ETag say the same.
 */
import type { Context } from 'hono';
import { DAY_MS, dayOf, periodOf } from '../../core/schema.js';
import type { ServerDeps } from '../runtime/deps.js';
import { notPublished, publishedEstimates } from './estimates.js';
import { etagOf, ifNoneMatchHits } from '../http/body.js';
import { Refusal } from '../http/refusal.js';
import { bearerOf, tokenMatches } from '../http/tokens.js';

/** Who may read the public estimates, and how long an answer is cached (createApp / startServer options). */
export type EstimatesOptions = {
  /** false: GET /v1/sites/:site/estimates answers 404 (default true) */
  publicEstimates?: boolean;
  /** when set, that endpoint needs `Authorization: Bearer <token>` */
  estimatesToken?: string;
  /** how long an answer is cached, in seconds (default 300; 0 for no cache) */
  estimatesCacheSeconds?: number;
};

/** The default of estimatesCacheSeconds. */
export const DEFAULT_ESTIMATES_CACHE_SECONDS = 300;

type Cached = {
  body: string;
  etag: string;
  livePeriod: number;
  periodDays: number;
  expires: number;
  stamp: string;
};

/** The handler of GET /v1/sites/:site/estimates under `opts`, with its own cache. */
export function publicEstimatesRoute(deps: ServerDeps, opts: EstimatesOptions) {
  const cacheMs = 1000 * (opts.estimatesCacheSeconds ?? DEFAULT_ESTIMATES_CACHE_SECONDS);
  const token = opts.estimatesToken ?? null;
  const cache = new Map<string, Cached>();
  return async (c: Context): Promise<Response> => {
    if (opts.publicEstimates === false)
      throw new Refusal(404, 'the public estimates are switched off on this server');
    if (token !== null && !tokenMatches(bearerOf(c), token))
      return c.json({ error: 'a read token is required (Authorization: Bearer <token>)' }, 401, {
        'WWW-Authenticate': 'Bearer realm="edseg-estimates"',
      });
    const q = c.req.query('version');
    const wanted = q === undefined ? undefined : Number(q);
    if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1))
      throw new Refusal(400, 'version must be a positive integer', 'version');
    const site = c.req.param('site') ?? '';
    const version = wanted ?? (await deps.store.currentJws(site))?.version;
    if (version === undefined) throw await notPublished(deps.store, site);

    const now = deps.now().getTime();
    const key = `${site}\u0000${version}`;
    let hit = cache.get(key);
    // Keyed by the data too: a report stored through any process changes the stamp (one small query).
    const stamp = cacheMs > 0 ? await deps.store.totalsStamp(site) : '';
    if (
      !hit ||
      hit.stamp !== stamp ||
      now >= hit.expires ||
      periodOf(dayOf(now), hit.periodDays) !== hit.livePeriod
    ) {
      // Throws a 404 Refusal naming site or version: answered by onError.
      const { estimates, periodDays } = await publishedEstimates(deps, site, version, 'closed');
      const body = JSON.stringify(estimates);
      hit = {
        body,
        etag: etagOf(body),
        livePeriod: periodOf(dayOf(now), periodDays),
        periodDays,
        expires: now + cacheMs,
        stamp,
      };
      if (cacheMs > 0) cache.set(key, hit);
    }
    const until = Math.min(hit.expires, (hit.livePeriod + hit.periodDays) * DAY_MS);
    const headers: Record<string, string> = {
      'Cache-Control': `${token === null ? 'public' : 'private'}, max-age=${Math.max(0, Math.floor((until - now) / 1000))}`,
      ETag: hit.etag,
      ...(token === null ? {} : { Vary: 'Authorization' }),
    };
    if (ifNoneMatchHits(c.req.header('if-none-match'), hit.etag)) return c.body(null, 304, headers);
    return c.body(hit.body, 200, { ...headers, 'Content-Type': 'application/json' });
  };
}

/** The EstimatesOptions among `o`'s fields, the unset ones left out (for startServer to pass on to createApp). */
export function estimatesOptions(o: EstimatesOptions): EstimatesOptions {
  return {
    ...(o.publicEstimates !== undefined ? { publicEstimates: o.publicEstimates } : {}),
    ...(o.estimatesToken !== undefined ? { estimatesToken: o.estimatesToken } : {}),
    ...(o.estimatesCacheSeconds !== undefined ? { estimatesCacheSeconds: o.estimatesCacheSeconds } : {}),
  };
}
