/**
 * Operations: liveness and readiness, Prometheus metrics and the request log.
 *
 * - GET /healthz: 200 while the process serves HTTP (nothing else is checked).
 * - GET /readyz: 200 when the database answers `select 1` within READY_TIMEOUT_MS; 503 when it
 *   does not, and 503 from the moment a graceful shutdown starts (so a load balancer drains us).
 * - GET /metrics: the Prometheus text format (prom-client). Readable with `Authorization: Bearer`
 *   the metrics token (EDSEG_METRICS_TOKEN) or the admin token, or without a token from loopback
 *   when the request carries no proxy header (X-Forwarded-For, Forwarded): a proxy on the same host
 *   would otherwise make every outside request look local. Anyone else gets 404, so the route does
 *   not announce itself. Metrics carry no site visitor's data: counts, and latency by route pattern.
 * - The request log: one JSON line per request (ops/log.ts) with method, route pattern, status and
 *   milliseconds; never the client's address or user agent.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { bearerOf, tokenMatches } from '../http/tokens.js';
import { clientAddress } from '../http/guard.js';
import type { Logger } from './log.js';
import { createLogger } from './log.js';

/** How long /readyz waits for the database before answering 503. */
export const READY_TIMEOUT_MS = 2000;

/** Why a batch of reports was refused: the label of edseg_report_batches_refused_total. */
export type RefusalReason =
  | 'invalid-json'
  | 'invalid'
  | 'unknown-site'
  | 'unknown-version'
  | 'superseded'
  | 'too-large'
  | 'rate-limited'
  | 'error';

/** The reason of a refusal the admission check gave (ingest/reports.ts): by status and the field at fault. */
export function admissionReason(refusal: { status: number; field: string }): RefusalReason {
  if (refusal.status === 410) return 'superseded';
  if (/^reports\.\d+\.site$/.test(refusal.field)) return 'unknown-site';
  if (/^reports\.\d+\.manifestVersion$/.test(refusal.field)) return 'unknown-version';
  return 'invalid';
}

/** The reason of a refused POST /v1/reports the collector's handler did not see (the guard, the JSON parse). */
function statusReason(status: number): RefusalReason {
  if (status === 413) return 'too-large';
  if (status === 429) return 'rate-limited';
  if (status === 400) return 'invalid-json';
  return status >= 500 ? 'error' : 'invalid';
}

export type OpsOptions = {
  logger?: Logger;
  /** a token that may read /metrics (besides the admin token and loopback) */
  metricsToken?: string;
  /** the database check behind /readyz */
  ping: () => Promise<void>;
};

export interface Ops {
  readonly log: Logger;
  readonly registry: Registry;
  /** Counts one stored batch: reports newly stored and those already stored (the same id). */
  reportsStored(accepted: number, duplicates: number): void;
  /** Counts one refused batch of reports, by reason. */
  batchRefused(c: Context, reason: RefusalReason): void;
  /** Times and logs every request (first in the app, so it sees every answer). */
  middleware: MiddlewareHandler;
  /** /healthz, /readyz and /metrics */
  routes: Hono;
  /** From now on /readyz answers 503: a shutdown has started. */
  drain(): void;
  readonly draining: boolean;
}

// Process metrics (memory, CPU, event loop, GC) are the process's, not an app's: registered once.
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The route pattern that answered (e.g. /v1/sites/:site/manifest), else the one that would have, else 'unmatched'. */
function routeLabel(c: Context): string {
  const responder = routePath(c);
  if (responder && !responder.includes('*')) return responder;
  const route = matchedRoutes(c)
    .filter((r) => r.method !== 'ALL')
    .at(-1);
  return route?.path ?? 'unmatched';
}

export function createOps(opts: OpsOptions & { adminToken: string }): Ops {
  const log = opts.logger ?? createLogger({ level: 'warn' });
  const registry = new Registry();
  const accepted = new Counter({
    name: 'edseg_reports_accepted_total',
    help: 'Reports stored by POST /v1/reports',
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'edseg_reports_duplicate_total',
    help: 'Reports received again under an id already stored (kept once)',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'edseg_report_batches_refused_total',
    help: 'Batches of reports refused whole by POST /v1/reports, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'edseg_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Requests whose refusal the collector counted already, so the middleware does not count them twice.
  const counted = new WeakSet<Request>();
  let draining = false;

  const middleware: MiddlewareHandler = async (c, next) => {
    const t0 = performance.now();
    await next();
    const seconds = (performance.now() - t0) / 1000;
    const route = routeLabel(c);
    const status = c.res.status;
    duration.observe({ method: c.req.method, route, status: String(status) }, seconds);
    if (c.req.method === 'POST' && c.req.path === '/v1/reports' && status >= 400 && !counted.has(c.req.raw))
      refused.inc({ reason: statusReason(status) });
    log.info('request', { method: c.req.method, route, status, ms: Math.round(seconds * 10_000) / 10 });
  };

  const mayReadMetrics = (c: Context): boolean => {
    const token = bearerOf(c);
    if (token !== undefined)
      return (
        tokenMatches(token, opts.adminToken) ||
        (opts.metricsToken !== undefined && tokenMatches(token, opts.metricsToken))
      );
    if (c.req.header('x-forwarded-for') !== undefined || c.req.header('forwarded') !== undefined)
      return false;
    return LOOPBACK.test(clientAddress(c, false));
  };

  const routes = new Hono();
  const noStore = { 'Cache-Control': 'no-store' };
  routes.get('/healthz', (c) => c.json({ status: 'ok' }, 200, noStore));
  routes.get('/readyz', async (c) => {
    if (draining) return c.json({ status: 'stopping' }, 503, noStore);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        opts.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
      return c.json({ status: 'ready' }, 200, noStore);
    } catch (e) {
      log.warn('readiness check failed', { error: e instanceof Error ? e.message : String(e) });
      return c.json({ status: 'unavailable', error: 'the database does not answer' }, 503, noStore);
    } finally {
      clearTimeout(timer);
    }
  });
  routes.get('/metrics', async (c) => {
    if (!mayReadMetrics(c)) return c.text('Not found', 404);
    const text = `${await registry.metrics()}\n${await processMetrics().metrics()}`;
    return c.body(text, 200, { 'Content-Type': registry.contentType, ...noStore });
  });

  return {
    log,
    registry,
    reportsStored(n, dup) {
      accepted.inc(n);
      duplicates.inc(dup);
    },
    batchRefused(c, reason) {
      counted.add(c.req.raw);
      refused.inc({ reason });
    },
    middleware,
    routes,
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
