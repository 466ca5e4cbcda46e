/**
 * What every request passes before a route sees it, and what the login form asks of it:
 * - a body limit on every route (the report collector and the admin API keep their own, larger
 *   ones; the console's upload routes theirs, `Uploads`; the console's other forms and everything
 *   else get 64 KB), refused with 413 before it is read;
 * - the parameter checks of params.ts (400, never 500);
 * - rate limits per client (rate-limiter-flexible: counted in PostgreSQL's rate_limits table when
 *   the store is PostgreSQL, so N processes share one count; in memory on PGlite, one process) on POST /v1/reports, the estimates
 *   (GET /v1/sites/:site/estimates) and POST /admin/login, answered 429 with Retry-After; wrong
 *   logins are throttled on their own, per (client, account name): after `wrongLogins` in 15 minutes
 *   that name waits from that client, even with the right password, while other names from the same
 *   client do not; and per name from every client together, after `wrongLoginsPerName` (a ceiling
 *   for an attack from many addresses). One address cannot lock another account out;
 * - admin writes: a console form must be urlencoded or multipart with an Origin that is this
 *   server's (403 otherwise; 415 for another content type; 400 when it does not parse), and the JSON API takes a body only as
 *   JSON (415), behind its bearer token.
 * The client is the socket's address; X-Forwarded-For (its last entry, the address the proxy saw)
 * and X-Forwarded-Proto/-Host count only with `trustProxy`, when a proxy the operator runs is in front.
 */
import { createHmac } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SessionSqlStore } from '../storage/sql/sessions.js';
import { checkParams } from './params.js';
import { SessionStore } from './sessions.js';

/**
 * Requests per client: per minute for reports, estimates and login posts; per 15 minutes, wrong
 * logins per (client, account name) and, from every client together, per account name.
 */
export type RateLimits = {
  reports: number;
  estimates: number;
  login: number;
  wrongLogins: number;
  wrongLoginsPerName: number;
};

/** Generous enough that a school behind one address, the tests and the e2e runs never meet them. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  reports: 600,
  estimates: 600,
  login: 60,
  wrongLogins: 20,
  wrongLoginsPerName: 100,
};

/** The account name a login counts against: as accounts are looked up (trimmed, lower case), at most 100 characters. */
const loginName = (name: string): string => name.trim().toLowerCase().slice(0, 100);

/** The security options of createApp and startServer. */
export type GuardOptions = {
  /** a proxy the operator runs is in front: honour X-Forwarded-For, -Proto and -Host */
  trustProxy?: boolean;
  /** per-client limits; unset ones take DEFAULT_RATE_LIMITS */
  rateLimits?: Partial<RateLimits>;
};

/**
 * The console's upload routes (a learner CSV for a fit or a training): a larger body limit on these
 * paths only, and the console page that refuses a body above it (the app builds it: http/ knows no views).
 */
export type Uploads = {
  maxBytes: number;
  paths: readonly RegExp[];
  tooLarge: (c: Context, maxBytes: number) => Response | Promise<Response>;
  /** whether this request may send that much (a live console session): else the form limit holds */
  allowed: (c: Context, guard: Guard) => Promise<boolean>;
};

/** Largest body of a console form or any route without its own limit. */
export const MAX_FORM_BODY_BYTES = 64 * 1024;

/** Routes with a limit of their own (checked there), as path prefixes. */
const OWN_BODY_LIMIT = ['/v1/reports', '/admin/api/'];

const RATE_LIMITED: { method: string; path: RegExp; limit: 'reports' | 'estimates' | 'login' }[] = [
  { method: 'POST', path: /^\/v1\/reports$/, limit: 'reports' },
  { method: 'GET', path: /^\/v1\/sites\/[^/]+\/estimates$/, limit: 'estimates' },
  { method: 'POST', path: /^\/admin\/login$/, limit: 'login' },
];

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** Parses "reports=100,login=10" (the --rate-limit flag) into limits; throws naming a bad entry. */
export function parseRateLimits(text: string): Partial<RateLimits> {
  const out: Partial<RateLimits> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=').map((x) => x.trim());
    const n = Number(value);
    if (!name || !(name in DEFAULT_RATE_LIMITS) || !Number.isInteger(n) || n < 1)
      throw new Error(
        `--rate-limit takes name=N entries (N ≥ 1) among ${Object.keys(DEFAULT_RATE_LIMITS).join(', ')}, got "${part}"`,
      );
    out[name as keyof RateLimits] = n;
  }
  return out;
}

/** The first value of a comma-separated forwarded header, or undefined. */
const forwarded = (c: Context, name: string): string | undefined =>
  c.req.header(name)?.split(',')[0]?.trim() || undefined;

/** The origin a browser sees this server at: the request URL's, or with trustProxy the forwarded scheme and host. */
export function publicOrigin(c: Context, trustProxy: boolean): string {
  const url = new URL(c.req.url);
  if (!trustProxy) return url.origin;
  const proto = forwarded(c, 'x-forwarded-proto')?.toLowerCase();
  const host = forwarded(c, 'x-forwarded-host');
  const scheme = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1);
  return `${scheme}://${host && /^[A-Za-z0-9.[\]:-]+$/.test(host) ? host.toLowerCase() : url.host}`;
}

/** The client's address: the socket's, or with trustProxy the last X-Forwarded-For entry; "unknown" without a socket (app.request in tests). */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const last = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The guard a server's app is built with: its middleware, its sessions and the login throttle. */
export type Guard = {
  trustProxy: boolean;
  sessions: SessionStore;
  /** in order, for app.use('*', ...) after CORS: body limits, parameter checks, rate limits, admin writes */
  middleware: MiddlewareHandler[];
  /** seconds this client must wait before trying to log in as `name` again (0: it may try) */
  loginWait(c: Context, name: string): Promise<number>;
  /** counts a wrong login as `name` against (this client, name) and against the name */
  loginFailed(c: Context, name: string): Promise<void>;
  /** the 429 answer, with Retry-After */
  tooMany(c: Context, seconds: number): Response;
};

/**
 * A limiter of `points` per `duration` seconds: in PostgreSQL's rate_limits table (migration 5)
 * when `pool` is given, shared by every process on it, with an in-memory one as insurance while
 * the database does not answer; else in memory.
 */
function limiter(name: string, points: number, duration: number, pool: Pool | null): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points, duration, keyPrefix: name });
  if (!pool) return memory;
  return new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: name,
    points,
    duration,
    insuranceLimiter: memory,
  });
}

/** Builds the guard for one app over the store's sessions (and, on PostgreSQL, its pool for the limits). */
export function createGuard(
  opts: GuardOptions,
  store: SessionSqlStore & { sharedPool(): Pool | null },
  /** the server's shared secret (the admin token): keys the HMAC that hides addresses in the database */
  secret: string,
  /** POST routes that take an upload above the form limit, and their refusal page */
  uploads?: Uploads,
): Guard {
  const trustProxy = opts.trustProxy === true;
  const limits = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits };
  const pool = store.sharedPool();
  // In PostgreSQL a counter's key is an HMAC of the address (and name), keyed with a secret every
  // process shares: the table holds no address (a plain hash of an IPv4 address is reversible).
  const keyOf = (k: string): string =>
    pool ? createHmac('sha256', secret).update(`rate-limit\u0000${k}`).digest('base64url') : k;
  const limiters = {
    reports: limiter('reports', limits.reports, 60, pool),
    estimates: limiter('estimates', limits.estimates, 60, pool),
    login: limiter('login', limits.login, 60, pool),
    wrongLogins: limiter('wrong-logins', limits.wrongLogins, 15 * 60, pool),
    wrongLoginsPerName: limiter('wrong-logins-name', limits.wrongLoginsPerName, 15 * 60, pool),
  };
  // The key of (client, name), as a JSON pair so that no two pairs share a key (PostgreSQL's text
  // holds no NUL, so that separator would send the count to the in-memory insurance).
  const pairKey = (c: Context, name: string) =>
    JSON.stringify([clientAddress(c, trustProxy), loginName(name)]);
  const tooMany = (c: Context, seconds: number): Response =>
    c.json({ error: `too many requests: try again in ${seconds} s`, field: '(root)' }, 429, {
      'Retry-After': String(seconds),
    });
  const waitOf = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

  const formLimit = bodyLimit({
    maxSize: MAX_FORM_BODY_BYTES,
    onError: (c) => c.json({ error: `body larger than ${MAX_FORM_BODY_BYTES} bytes`, field: '(root)' }, 413),
  });
  const uploadLimit = uploads
    ? bodyLimit({ maxSize: uploads.maxBytes, onError: (c) => uploads.tooLarge(c, uploads.maxBytes) })
    : undefined;
  const bodies: MiddlewareHandler = async (c, next) => {
    if (OWN_BODY_LIMIT.some((p) => c.req.path.startsWith(p))) return next();
    // The larger limit only for a signed-in console user: no one else makes the server buffer 20 MB.
    if (
      uploadLimit &&
      c.req.method === 'POST' &&
      uploads!.paths.some((p) => p.test(c.req.path)) &&
      (await uploads!.allowed(c, guard))
    )
      return uploadLimit(c, next);
    return formLimit(c, next);
  };

  const rate: MiddlewareHandler = async (c, next) => {
    // Hono answers HEAD with the GET handler (the same work), so HEAD counts as GET here.
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const rule = RATE_LIMITED.find((r) => r.method === method && r.path.test(c.req.path));
    if (!rule) return next();
    try {
      await limiters[rule.limit].consume(keyOf(clientAddress(c, trustProxy)));
    } catch (e) {
      if (e instanceof RateLimiterRes) return tooMany(c, waitOf(e));
      throw e;
    }
    return next();
  };

  const adminWrites: MiddlewareHandler = async (c, next) => {
    if (SAFE_METHOD.test(c.req.method) || !c.req.path.startsWith('/admin/')) return next();
    const type = c.req.header('content-type') ?? '';
    if (c.req.path.startsWith('/admin/api/')) {
      const hasBody = type !== '' || Number(c.req.header('content-length') ?? 0) > 0;
      if (hasBody && !JSON_TYPE.test(type))
        return c.json(
          { error: 'the admin API takes JSON (Content-Type: application/json)', field: '(root)' },
          415,
        );
      return next();
    }
    if (!FORM_TYPE.test(type))
      return c.text('admin forms are application/x-www-form-urlencoded or multipart/form-data', 415);
    if (c.req.header('origin') !== publicOrigin(c, trustProxy))
      return c.text('Forbidden: the Origin is not this server', 403);
    // Read once here (the routes reuse it): a form that does not parse (a multipart body without its boundary) is a 400.
    try {
      await c.req.parseBody();
    } catch {
      return c.text('the form body could not be read', 400);
    }
    return next();
  };

  const guard: Guard = {
    trustProxy,
    sessions: new SessionStore(store),
    middleware: [bodies, checkParams(), rate, adminWrites],
    async loginWait(c, name) {
      const pair = await limiters.wrongLogins.get(keyOf(pairKey(c, name)));
      const all = await limiters.wrongLoginsPerName.get(keyOf(loginName(name)));
      return Math.max(
        pair && pair.consumedPoints >= limits.wrongLogins ? waitOf(pair) : 0,
        all && all.consumedPoints >= limits.wrongLoginsPerName ? waitOf(all) : 0,
      );
    },
    async loginFailed(c, name) {
      await limiters.wrongLogins.penalty(keyOf(pairKey(c, name)));
      await limiters.wrongLoginsPerName.penalty(keyOf(loginName(name)));
    },
    tooMany,
  };
  return guard;
}
