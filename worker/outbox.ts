/**
 * Delivery of queued reports to the collector. Contracts:
 * - only the report objects themselves are sent: no cookies (credentials: 'omit'), no referrer;
 * - 2xx removes the batch; 400/410/413/422 drop it (it can never succeed) with an audit entry;
 *   410 is the collector saying the report's manifest version was retired (superseded more than
 *   two reporting periods ago): reason `version-retired`, never retried;
 *   anything else (network, 5xx, 429) keeps it and backs off exponentially, capped at 6 h;
 * - the collector is idempotent by report id, so a retry after a lost answer is harmless.
 */
import type { OutboxItem } from '../src/core/schema.js';
import type { AuditLog } from './deps.js';
import type { DeviceStore } from './store.js';

const MAX_BATCH = 50;
const BASE_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 6 * 3_600_000;

export type DeliveryDeps = {
  url: string;
  fetch: typeof fetch;
  now: () => number;
  log: AuditLog;
};

const permanent = (status: number) => status === 400 || status === 410 || status === 413 || status === 422;
const dropReason = (status: number) => (status === 410 ? 'version-retired' : `collector answered ${status}`);

async function post(items: OutboxItem[], deps: DeliveryDeps): Promise<number> {
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
    return res.status;
  } catch {
    return 0;
  }
}

/** Sends what is due from the outbox; returns how many were sent and how many remain. */
export async function deliver(
  store: DeviceStore,
  deps: DeliveryDeps,
): Promise<{ sent: number; pending: number }> {
  const all = await store.outbox();
  const due = all
    .filter((i) => i.nextAttemptAt <= deps.now())
    .sort((a, b) => a.createdAt - b.createdAt)
    .slice(0, MAX_BATCH);
  if (due.length === 0) return { sent: 0, pending: all.length };
  const status = await post(due, deps);
  if (permanent(status) && due.length > 1) {
    // The collector refuses a batch whole; find the bad report(s) one by one so no valid one is lost.
    let sent = 0;
    let left = all.length;
    for (const item of due) {
      const one = await settle([item], await post([item], deps), store, deps);
      sent += one.sent;
      left -= one.sent + one.dropped;
    }
    return { sent, pending: left };
  }
  const r = await settle(due, status, store, deps);
  return { sent: r.sent, pending: all.length - r.sent - r.dropped };
}

/** Applies one answer of the collector to the items it was about. */
async function settle(
  due: OutboxItem[],
  status: number,
  store: DeviceStore,
  deps: DeliveryDeps,
): Promise<{ sent: number; dropped: number }> {
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
    return { sent: due.length, dropped: 0 };
  }
  if (permanent(status)) {
    await store.removeOutbox(due.map((i) => i.id));
    for (const i of due)
      await deps.log('report-dropped', { reportId: i.report.id, reason: dropReason(status) });
    return { sent: 0, dropped: due.length };
  }
  for (const i of due) {
    const attempts = i.attempts + 1;
    const wait = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1));
    const next: OutboxItem = { ...i, attempts, nextAttemptAt: deps.now() + wait };
    await store.putOutbox(next);
  }
  return { sent: 0, dropped: 0 };
}
