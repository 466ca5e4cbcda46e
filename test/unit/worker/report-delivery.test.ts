/**
 * Delivery posts nothing under a consent record another tab has replaced meanwhile: between a
 * flush's consent sync and its delivery, a withdrawal in another tab must win.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/privacy/random.js';
import type { Consent, OutboxItem } from '../../../src/core/schema.js';
import { IdbStore } from '../../../worker/idb.js';
import { deliverOutbox } from '../../../worker/report.js';
import { initialState } from '../../../worker/state.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const allowed: Consent = {
  ageBand: 'adult',
  self: { purposes: ['instruction', 'analytics'] },
  updatedAt: T0,
};
const withdrawn: Consent = { ageBand: 'adult', self: { purposes: ['instruction'] }, updatedAt: T0 + 1 };

async function engineWithQueuedReport(site: string, stored: Consent) {
  const s = initialState();
  s.store = await IdbStore.open(site);
  s.consent = allowed; // what this tab read at the start of its flush
  await s.store.set('consent', stored); // what the store holds now
  const report = { id: 'r1', period: 1, epsilon: 1, segments: [] } as unknown as OutboxItem['report'];
  await s.store.putOutbox({ id: 'r1', report, createdAt: T0, attempts: 0, nextAttemptAt: 0 });
  const posted: string[] = [];
  const deps = {
    now: () => T0,
    rng: seededRandom(1),
    fetch: (async (url: string) => {
      posted.push(url);
      return new Response('{}', { status: 202 });
    }) as typeof fetch,
  };
  return { s, deps, posted };
}

describe('delivery and another tab', () => {
  it('posts nothing when another tab replaced the stored consent since this engine read it', async () => {
    const { s, deps, posted } = await engineWithQueuedReport('race-withdrawn', withdrawn);
    const r = await deliverOutbox(s, { collectorUrl: 'https://c.example/v1/reports' }, deps, async () => {});
    expect(r).toEqual({ sent: 0, pending: 1, next: null });
    expect(posted).toEqual([]);
  });

  it('posts as usual when the stored consent is the one this engine holds', async () => {
    const { s, deps, posted } = await engineWithQueuedReport('race-same', allowed);
    const r = await deliverOutbox(s, { collectorUrl: 'https://c.example/v1/reports' }, deps, async () => {});
    expect(r.sent).toBe(1);
    expect(posted).toHaveLength(1);
  });
});
