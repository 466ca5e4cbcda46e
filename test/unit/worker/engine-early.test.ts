/**
 * Issue 24 point 2: a repeat visit releases its last decision before the recompute, from what it
 * stored, only if that decision is exactly what the recompute would release at that moment; else
 * nothing until the recompute. The early release is the main thread's (src/client/early.ts over
 * src/core/decision.ts), read here from the store the worker's engine wrote, on fake-indexeddb; the
 * second visit then starts the worker (its start over an engine) and records what its first
 * recompute releases. How the page emits both: test/unit/client/early-release.test.ts.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, type EngineDeps } from '../../../worker/engine.js';
import { IdbStore } from '../../../worker/idb.js';
import { versionFloor } from '../../../worker/floor.js';
import { Starter } from '../../../worker/start.js';
import { DECISION_KEY, REVISION_KEY } from '../../../src/core/decision.js';
import { earlyRelease, pageEarly } from '../../../src/client/early.js';
import { rollupDeltas } from '../../../src/core/rollup.js';
import {
  dayOf,
  type ConsentInput,
  type Manifest,
  type ReleasedSegment,
  type StoredManifest,
} from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const site = () => `site-${h.site}`;
/** An adult who allows instruction, analytics and advertising (the promo model, below, is advertising). */
const adult: ConsentInput = {
  ageBand: 'adult',
  self: { purposes: ['instruction', 'analytics', 'advertising'] },
};
const ids = (r: ReleasedSegment[]) => r.map((s) => s.id);

/** The test manifest with its promo model for advertising (which GPC denies), signed now. */
async function serveAdvertising(over: Partial<Manifest> = {}): Promise<void> {
  const base = testManifest({}, h.clock);
  const models = base.models.map((m) => (m.id === 'promo' ? { ...m, purpose: 'advertising' as const } : m));
  await h.resign({ version: 1, models, ...over });
}

const config = () => ({
  site: site(),
  manifestUrl: 'https://c.example/v1/sites/x/manifest',
  collectorUrl: 'https://c.example/v1/reports',
  publicKeys: [h.key.publicJwk],
});

/** A page's worker: its start over an engine. */
function page(over: Partial<EngineDeps> = {}) {
  const deps = h.deps(over);
  const seen: ReleasedSegment[][] = [];
  const starter = new Starter(deps, async () => new Engine(deps));
  const init = starter.init(config(), (s) => seen.push(s));
  return { starter, init, seen };
}

/** The first visit: consent and ten lessons today (lessons_7d at its clip: busy, promo-high). */
async function firstVisit(): Promise<string[]> {
  const p = page();
  await p.init;
  await p.starter.setConsent(adult);
  await p.starter.ingest(h.lessons(10));
  const released = ids(await p.starter.segments());
  await p.starter.close();
  return released;
}

/**
 * The second visit: what the page's early read releases from the store (`before`: [] for nothing,
 * else the one release), then the worker's notifications (`all`) and its segments() once started.
 * Whatever is released early must be the worker's first release.
 */
async function secondVisit(over: Partial<EngineDeps> = {}, newerOnServer = false) {
  const deps = h.deps(over);
  const early = await earlyRelease(config(), { ...deps, idb: indexedDB });
  const p = page(over);
  await p.init;
  const now = ids(await p.starter.segments());
  await p.starter.close();
  const all = p.seen.map(ids);
  // (A version only the server has is the exception: the device decides under the one it holds.)
  if (early && !newerOnServer) expect(ids(early)).toEqual(all[0]);
  return { before: early ? [ids(early)] : [], all, now };
}

/** The second visit releases nothing early, and then exactly `all` (the recompute's events). */
async function nothingEarly(all: string[][], over: Partial<EngineDeps> = {}): Promise<void> {
  const { before, all: seen } = await secondVisit(over);
  expect(before).toEqual([]);
  expect(seen).toEqual(all);
}

/** Edits the site's store between the visits, as another tab or an older SDK would. */
async function inStore<T>(edit: (store: IdbStore) => Promise<T>): Promise<T> {
  const store = await IdbStore.open(site());
  try {
    return await edit(store);
  } finally {
    await store.close();
  }
}

describe('the early release at start', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('releases the stored decision before the manifest request is answered, and nothing again when the recompute agrees', async () => {
    await serveAdvertising();
    expect(await firstVisit()).toEqual(['busy', 'promo-high']);
    const { before, all, now } = await secondVisit();
    expect(before).toEqual([['busy', 'promo-high']]);
    expect(now).toEqual(['busy', 'promo-high']);
    expect(all).toEqual([['busy', 'promo-high']]); // the recompute agrees
  });

  it('answers [] at once where no database exists and the options give no consent', async () => {
    const { before, all } = await secondVisit();
    expect(before).toEqual([[]]);
    expect(all).toEqual([[]]);
  });

  it('a changed consent: nothing early; the recompute under the new consent is the first answer', async () => {
    await serveAdvertising();
    await firstVisit();
    // Another tab (or an SDK without the decision) stored a new consent record and nothing else.
    await inStore(async (store) => {
      const c = await store.get<Record<string, unknown>>('consent');
      await store.set('consent', { ...c, self: { purposes: ['analytics'] } });
    });
    await nothingEarly([[]]);
  });

  it('a stored manifest with another signature: nothing early; the basis names the JWS by its signature only', async () => {
    await serveAdvertising();
    await firstVisit();
    await inStore(async (store) => {
      const m = (await store.get<StoredManifest>('manifest'))!;
      const [head, payload, sig] = m.jws.split('.') as [string, string, string];
      const { basis } = (await store.get<{ basis: string }>(DECISION_KEY))!;
      expect(basis).toContain(JSON.stringify(sig));
      expect(basis).not.toContain(payload); // the JWS is not copied whole into every decision
      const other = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BB' : 'AA');
      await store.set('manifest', { ...m, jws: `${head}.${payload}.${other}` });
    });
    await nothingEarly([['busy', 'promo-high']]); // the fetched manifest's recompute
  });

  it('the same consent with its keys in another order: nothing early (lost, never stale); the same answer', async () => {
    await serveAdvertising();
    await firstVisit();
    await inStore(async (store) => {
      const c = (await store.get<Record<string, unknown>>('consent'))!;
      await store.set('consent', Object.fromEntries(Object.entries(c).reverse()));
    });
    await nothingEarly([['busy', 'promo-high']]);
  });

  it('a decision stored before the basis was kept as text (a SHA-256 `fingerprint`): nothing early', async () => {
    await serveAdvertising();
    await firstVisit();
    await inStore(async (store) => {
      const { basis, ...d } = (await store.get<Record<string, unknown>>(DECISION_KEY))!;
      expect(typeof basis).toBe('string');
      await store.set(DECISION_KEY, { ...d, fingerprint: 'a'.repeat(64) });
    });
    await nothingEarly([['busy', 'promo-high']]);
  });

  it('GPC turned on: nothing early; the advertising segment is never released', async () => {
    await serveAdvertising();
    await firstVisit();
    const { before, all } = await secondVisit({ gpc: () => true });
    expect(before).toEqual([]);
    expect(all).toEqual([['busy']]);
  });

  it('an expired manifest: nothing early, nothing released', async () => {
    // Valid until 13:00 today; the second visit comes at 13:30, the same day.
    await serveAdvertising({ expiresAt: new Date(h.clock + 3_600_000).toISOString() });
    expect(await firstVisit()).toEqual(['busy', 'promo-high']);
    h.clock += 90 * 60_000;
    await nothingEarly([[]]);
  });

  it('a newer manifest version stored by another tab: nothing early; the new version decides', async () => {
    await serveAdvertising();
    await firstVisit();
    // Version 2 withholds busy from the site; another tab stored it (and the floor) but decided nothing.
    await serveAdvertising({
      version: 2,
      policy: { allowed: ['idle', 'promo-low', 'promo-high'], clear: [] },
    });
    await inStore(async (store) => {
      const v1 = (await store.get<StoredManifest>('manifest'))!;
      await store.set('manifest', { ...v1, jws: h.net.manifest!, version: 2, acceptedAt: h.clock });
    });
    await nothingEarly([['promo-high']]);
  });

  it('a rollback floor above the stored manifest: nothing early', async () => {
    await serveAdvertising();
    await firstVisit();
    await versionFloor(indexedDB).raise(site(), 2, true);
    await serveAdvertising({ version: 2 });
    await nothingEarly([['busy', 'promo-high']]);
  });

  it('a new version only on the server: the stored decision first, the new one as soon as it is verified', async () => {
    await serveAdvertising();
    await firstVisit();
    await serveAdvertising({
      version: 2,
      policy: { allowed: ['idle', 'promo-low', 'promo-high'], clear: [] },
    });
    const { before, all } = await secondVisit({}, true);
    // What the device held (version 1, unexpired, signed) until it heard of version 2, and no longer.
    expect(before).toEqual([['busy', 'promo-high']]);
    expect(all).toEqual([['promo-high']]);
  });

  it('a feature window edge passed: nothing early; the lessons that left the window count no more', async () => {
    await serveAdvertising();
    // Ten lessons six days ago: in lessons_7d's window today, out of it tomorrow.
    const p = page();
    await p.init;
    await p.starter.setConsent(adult);
    await p.starter.ingest(h.lessons(10, h.clock - 6 * DAY));
    expect(ids(await p.starter.segments())).toEqual(['busy', 'promo-high']);
    await p.starter.close();
    h.clock += DAY;
    await serveAdvertising();
    await nothingEarly([['idle', 'promo-low']]);
  });

  it('events stored after the decision (another tab, no recompute): nothing early', async () => {
    await serveAdvertising();
    // Page one: consent, no lessons: idle, promo-low; its decision stored.
    const p = page();
    await p.init;
    await p.starter.setConsent(adult);
    expect(ids(await p.starter.segments())).toEqual(['idle', 'promo-low']);
    // Its lessons are stored, and the page closes before any recompute.
    await p.starter.ingest(h.lessons(10));
    await p.starter.close();
    await inStore(async (store) => {
      expect(await store.get(DECISION_KEY)).toMatchObject({
        released: [{ id: 'idle' }, { id: 'promo-low' }],
      });
    });
    await nothingEarly([['busy', 'promo-high']]);
  });

  it('events stored by an SDK from before the revision (another tab, a roll-out): nothing early', async () => {
    await serveAdvertising();
    const p = page();
    await p.init;
    await p.starter.setConsent(adult);
    expect(ids(await p.starter.segments())).toEqual(['idle', 'promo-low']);
    await p.starter.close();
    // The older SDK's write: events and rollups, the revision left as it was.
    await inStore(async (store) => {
      const before = await store.get(REVISION_KEY);
      const events = h
        .lessons(10)
        .map((e) => ({ type: e.type, ts: e.ts, props: { minutes: 5 }, day: dayOf(e.ts) }));
      await store.addEvents(events, events.flatMap(rollupDeltas));
      await store.set(REVISION_KEY, before);
    });
    const { before: early, all } = await secondVisit();
    expect(early).toEqual([]);
    expect(all).toEqual([['busy', 'promo-high']]);
  });

  it('a decision stored by another SDK build: nothing early; this build decides', async () => {
    // The first visit ran an older build (rollup.config.mjs replaces __EDSEG_BUILD__; here a global).
    vi.stubGlobal('__EDSEG_BUILD__', '0.9.0+0123456789abcdef');
    await serveAdvertising();
    expect(await firstVisit()).toEqual(['busy', 'promo-high']);
    vi.unstubAllGlobals();
    await nothingEarly([['busy', 'promo-high']]);
  });

  it('the stored decision and rollup revision are in the export, and forget() deletes them', async () => {
    await serveAdvertising();
    const p = page();
    await p.init;
    await p.starter.setConsent(adult);
    await p.starter.ingest(h.lessons(10));
    expect(ids(await p.starter.segments())).toEqual(['busy', 'promo-high']);
    const [stored, revision] = await inStore(async (store) => [
      await store.get(DECISION_KEY),
      await store.get(REVISION_KEY),
    ]);
    const exported = await p.starter.exportData();
    expect(exported.decision).toEqual(stored);
    expect(exported.decision?.released.map((r) => r.id)).toEqual(['busy', 'promo-high']);
    expect(exported.rollupRevision).toBe(revision);
    expect(exported.rollupRevision).toBeGreaterThan(0);
    await p.starter.forget();
    await p.starter.close();
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(`edseg:${site()}`);
    const { before, all } = await secondVisit();
    expect(before).toEqual([[]]); // no store, no consent: nothing of the forgotten decision
    expect(all).toEqual([[]]);
  });
  it('an IndexedDB that throws (a private mode): nothing early; no WebCrypto is needed', async () => {
    await serveAdvertising();
    await firstVisit();
    const deps = { ...h.deps(), idb: indexedDB };
    expect(await earlyRelease(config(), deps)).not.toBeNull(); // it would release, all else equal
    const released: unknown[] = [];
    const run = async (d: typeof deps) => {
      pageEarly(config(), d, (r) => (released.push(r), true));
      await new Promise((r) => setTimeout(r, 100));
    };
    const refusing = {
      databases: () => Promise.resolve([{ name: `edseg:${site()}`, version: 2 }]),
      open: () => {
        throw new DOMException(
          'A mutation operation was attempted on a database that did not allow mutations.',
          'InvalidStateError',
        );
      },
    } as unknown as IDBFactory;
    await run({ ...deps, idb: refusing });
    await run({
      ...deps,
      idb: { databases: () => Promise.reject(new Error('no')) } as unknown as IDBFactory,
    });
    expect(released).toEqual([]);
    // The page's test compares the basis as text: it needs no WebCrypto digest.
    vi.stubGlobal('crypto', {});
    await run(deps);
    vi.unstubAllGlobals();
    expect(released).toHaveLength(1); // the same read with a working IndexedDB
  });
});
