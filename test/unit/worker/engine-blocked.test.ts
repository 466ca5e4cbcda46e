/**
 * Storage another page holds (issue 17): opening the store and its first reads have a time limit.
 * On fake-indexeddb: a store whose open never answers (a versionchange another page blocks), and a
 * store whose `kv` another connection holds with a transaction that never ends (one frozen with its
 * page in the back/forward cache). The page runs on memory, says why, and picks the store up at the
 * next report interval once it is free.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { Engine } from '../../../worker/engine.js';
import { IdbStore } from '../../../worker/idb.js';
import type { ConsentInput } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };
const LIMIT = 150;

/** A site whose database exists with a consent record (an earlier page consented). */
async function consentedSite(): Promise<string> {
  const site = `site-${h.site}`;
  const first = new Engine(h.deps());
  await h.start(first, site);
  await first.setConsent(adult);
  await first.close();
  return site;
}

/** Holds the site's `kv` store with a readwrite transaction that keeps itself alive until `release()`. */
async function holdKv(site: string): Promise<() => Promise<void>> {
  const db = await openDB(`edseg:${site}`);
  const tx = db.transaction('kv', 'readwrite');
  let held = true;
  const spin = (): void => {
    const req = tx.objectStore('kv').get('nothing');
    void req.then(() => (held ? spin() : undefined));
  };
  spin();
  return async () => {
    held = false;
    await tx.done;
    db.close();
  };
}

describe('storage held by another page', () => {
  it('an open that never answers: init answers within the limit, on memory, explain() says blocked', async () => {
    const site = await consentedSite();
    let open: (s: string) => Promise<IdbStore> = () => new Promise(() => {});
    const e = new Engine(h.deps({ openStore: (s) => open(s), storageTimeoutMs: LIMIT }));
    const t0 = performance.now();
    await h.start(e, site);
    expect(performance.now() - t0).toBeLessThan(LIMIT + 1_000);
    const ex = await e.explain();
    expect(ex.storage).toEqual({
      mode: 'memory',
      reason: 'blocked',
      error: `StorageBlocked: blocked by another page of this site: IndexedDB did not open within ${LIMIT} ms`,
    });
    expect(ex.consent).toBeNull();
    // Freed: the next report interval (a flush) tries the store again and adopts its consent.
    open = (s) => IdbStore.open(s);
    await e.flush();
    const after = await e.explain();
    expect(after.storage).toEqual({ mode: 'indexeddb' });
    expect(after.consent?.self?.purposes).toEqual(['instruction', 'analytics']);
    await e.close();
  });

  it('first reads held by a transaction that never ends: memory within the limit, the store picked up once released', async () => {
    const site = await consentedSite();
    const release = await holdKv(site);
    const e = new Engine(h.deps({ storageTimeoutMs: LIMIT }));
    const t0 = performance.now();
    const init = h.start(e, site);
    await init;
    expect(performance.now() - t0).toBeLessThan(LIMIT + 1_000);
    const ex = await e.explain();
    expect(ex.storage.reason).toBe('blocked');
    expect(ex.storage.error).toMatch(/did not answer its first reads within 150 ms/);
    // Still held: the retry gives up within the limit again, and the page goes on in memory.
    await e.flush();
    expect((await e.explain()).storage.reason).toBe('blocked');
    await release();
    await e.flush();
    const after = await e.explain();
    expect(after.storage).toEqual({ mode: 'indexeddb' });
    expect(after.consent).not.toBeNull();
    await e.close();
  });

  it('init tells the page that storage is blocked (the page warns once)', async () => {
    const site = await consentedSite();
    const e = new Engine(h.deps({ openStore: () => new Promise(() => {}), storageTimeoutMs: LIMIT }));
    const r = await e.init(
      {
        site,
        manifestUrl: 'https://c.example/v1/sites/x/manifest',
        collectorUrl: 'https://c.example/v1/reports',
        publicKeys: [h.key.publicJwk],
      },
      () => {},
    );
    expect(r).toEqual({
      manifestVersion: 1,
      persisted: false,
      storageBlocked: `StorageBlocked: blocked by another page of this site: IndexedDB did not open within ${LIMIT} ms`,
    });
    await e.close();
  });
});
