/**
 * Delivery of queued reports to the collector. Contracts:
 * - only the report objects themselves are sent: no cookies (credentials: 'omit'), no referrer;
 * - 2xx removes the batch; 400/410/413/422 drop it (it can never succeed) with an audit entry;
 *   410 is the collector saying the report's manifest version was retired (superseded more than
 *   two reporting periods ago): reason `version-retired`, never retried;
 * - anything else (network, 5xx, 429) keeps it. A 429/503 with Retry-After (delay-seconds or an
 *   HTTP date) is next tried exactly then, capped at 1 h; otherwise after exponential backoff with
 *   full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 *     wait = random in [0, min(6 h, 30 s * 2^attempts)], drawn from the engine's Rng;
 * - a 2xx resets the backoff of every report still queued (the collector is reachable again);
 * - a report whose last attempt got no answer is marked `offline`: a delivery the `online` event
 *   triggers tries it before its wait is over (never one a Retry-After holds back);
 * - a wait longer than any this module sets (6 h) means the device clock moved back since: that report
 *   is due now, so a clock set back by days does not hold the outbox for days;
 * - the collector is idempotent by report id, so a retry after a lost answer is harmless.
 */
import type { Rng } from '../src/core/privacy/random.js';
import type { OutboxItem } from '../src/core/schema.js';
import type { AuditLog } from './deps.js';
import type { DeviceStore } from './store.js';

const MAX_BATCH = 50;
const BASE_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 6 * 3_600_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

export type DeliveryDeps = {
  url: string;
  fetch: typeof fetch;
  now: () => number;
  rng: Rng;
  log: AuditLog;
};

/** What one delivery did: reports sent, reports still queued, and the earliest next attempt among those (null if none). */
export type Delivered = { sent: number; pending: number; next: number | null };

/** The collector's answer: its status (0 when none came) and the wait a 429/503 asked for with Retry-After. */
type Answer = { status: number; retryAfter: number | null };

/** A Retry-After value (delay-seconds or an HTTP date) as a wait in ms from `now`, within [0, 1 h]; null if unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  const v = value?.trim() ?? '';
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : /[a-z]/i.test(v) ? Date.parse(v) - now : NaN;
  return Number.isNaN(ms) ? null : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** The wait after a failure with no Retry-After: full jitter, uniform in [0, min(6 h, 30 s * 2^attempts)] ms. */
export function backoffMs(attempts: number, rng: Rng): number {
  return rng.int(Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempts) + 1);
}

const permanent = (status: number) => status === 400 || status === 410 || status === 413 || status === 422;
const dropReason = (status: number) => (status === 410 ? 'version-retired' : `collector answered ${status}`);

async function post(items: OutboxItem[], deps: DeliveryDeps): Promise<Answer> {
  try {
    const res = await deps.fetch(deps.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reports: items.map((i) => i.report) }),
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      keepalive: true,
    });
    const asked = res.status === 429 || res.status === 503;
    return {
      status: res.status,
      retryAfter: asked ? retryAfterMs(res.headers.get('retry-after'), deps.now()) : null,
    };
  } catch {
    return { status: 0, retryAfter: null };
  }
}

/** Sends what is due from the outbox (with `online`, also what last failed for want of a network). */
export async function deliver(store: DeviceStore, deps: DeliveryDeps, online = false): Promise<Delivered> {
  const now = deps.now();
  const due = (await store.outbox())
    .filter(
      (i) =>
        i.nextAttemptAt <= now || i.nextAttemptAt - now > MAX_BACKOFF_MS || (online && i.offline === true),
    )
    .sort((a, b) => a.createdAt - b.createdAt)
    .slice(0, MAX_BATCH);
  let sent = 0;
  if (due.length > 0) {
    const answer = await post(due, deps);
    if (permanent(answer.status) && due.length > 1) {
      // The collector refuses a batch whole; find the bad report(s) one by one so no valid one is lost.
      for (const item of due) sent += await settle([item], await post([item], deps), store, deps);
    } else sent = await settle(due, answer, store, deps);
  }
  const left = await store.outbox();
  const next = left.length > 0 ? Math.min(...left.map((i) => i.nextAttemptAt)) : null;
  return { sent, pending: left.length, next };
}

/** Applies one answer of the collector to the items it was about; returns how many were sent. */
async function settle(
  due: OutboxItem[],
  answer: Answer,
  store: DeviceStore,
  deps: DeliveryDeps,
): Promise<number> {
  const { status } = answer;
  if (status >= 200 && status < 300) {
    await store.removeOutbox(due.map((i) => i.id));
    for (const i of due) {
      await deps.log('report-sent', {
        reportId: i.report.id,
        period: i.report.period,
        epsilon: i.report.epsilon,
        channels: Object.fromEntries(i.report.segments.map((f) => [f.model, f.channel])),
        features: i.report.features ? i.report.features.dims.length : 0,
      });
    }
    // The collector is reachable again: every report still queued is due now, its backoff reset.
    for (const i of await store.outbox())
      if (i.attempts > 0) await store.putOutbox({ ...i, attempts: 0, nextAttemptAt: 0, offline: false });
    return due.length;
  }
  if (permanent(status)) {
    await store.removeOutbox(due.map((i) => i.id));
    for (const i of due)
      await deps.log('report-dropped', { reportId: i.report.id, reason: dropReason(status) });
    return 0;
  }
  // One wait for the whole batch (from its most-tried report), so it is retried together.
  const wait = answer.retryAfter ?? backoffMs(Math.max(...due.map((i) => i.attempts)), deps.rng);
  const nextAttemptAt = deps.now() + wait;
  for (const i of due)
    await store.putOutbox({ ...i, attempts: i.attempts + 1, nextAttemptAt, offline: status === 0 });
  return 0;
}
