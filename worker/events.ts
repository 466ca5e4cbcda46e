/**
 * The learner's events on the device: what the adopted manifest keeps of them, stored with their
 * rollups, and what the manifest's retention prunes. Contracts:
 * - only event types and props some feature of the current manifest reads are stored (minimise);
 * - a full quota compacts the oldest raw events, then keeps the rollups alone; consent, budget and
 *   outbox are never touched.
 */
import { minimise } from '../src/core/minimise.js';
import type { TimedEvent } from '../src/core/protocol.js';
import { rollupDeltas } from '../src/core/rollup.js';
import { dayOf, type BatchId, type StoredEvent } from '../src/core/schema.js';
import type { AuditLog, EngineDeps } from './deps.js';
import type { EngineState } from './state.js';
import { isQuotaError } from './store.js';

/**
 * Minimises the events by the adopted manifest and writes what is kept, with its rollups, in one
 * transaction; true when something was stored. When the quota is exceeded, the oldest raw events
 * are compacted (their data lives on in the daily rollups) and the write is tried again; if it
 * still does not fit, only the rollups are written. Consent, budget and outbox are never touched.
 */
export async function storeEvents(
  s: Readonly<EngineState>,
  log: AuditLog,
  events: readonly TimedEvent[],
  batch?: BatchId,
): Promise<boolean> {
  const cur = s.current;
  if (!cur || events.length === 0) return false;
  const kept: StoredEvent[] = [];
  for (const ev of events) {
    const m = minimise(ev, cur.vocab);
    if (m) kept.push(m);
  }
  if (kept.length === 0) return false;
  const store = s.store;
  const deltas = kept.flatMap(rollupDeltas);
  try {
    return await store.addEvents(kept, deltas, batch);
  } catch (e) {
    if (!isQuotaError(e)) throw e;
  }
  const compacted = await store.compact(0.5);
  await log('storage-compacted', { eventsDeleted: compacted, reason: 'quota-exceeded' }).catch(
    () => undefined,
  );
  try {
    return await store.addEvents(kept, deltas, batch);
  } catch (e) {
    if (!isQuotaError(e)) throw e;
    await store.addEvents([], deltas, batch);
    await log('events-dropped', {
      events: kept.length,
      reason: 'quota-exceeded',
      rollups: true,
    }).catch(() => undefined);
  }
  return true;
}

/** Prunes raw events and rollups past the adopted manifest's retention, with an audit entry when any went. */
export async function applyRetention(
  s: Readonly<EngineState>,
  deps: Pick<EngineDeps, 'now'>,
  log: AuditLog,
): Promise<void> {
  if (!s.current) return;
  const today = dayOf(deps.now());
  const { rawEventDays, rollupDays } = s.current.manifest.retention;
  const r = await s.store.prune(today - rawEventDays + 1, today - rollupDays + 1);
  if (r.events || r.rollups)
    await log('retention', {
      eventsDeleted: r.events,
      rollupsDeleted: r.rollups,
      rawEventDays,
      rollupDays,
    });
}
