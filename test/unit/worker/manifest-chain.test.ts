import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import { IdbStore } from '../../../worker/idb.js';
import { versionFloor } from '../../../worker/floor.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, ORIGIN, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const { deps, start } = h;

const adult = {
  ageBand: 'adult' as const,
  self: { purposes: ['instruction' as const, 'analytics' as const] },
};
const signed = (version: number) =>
  h.key.sign(testManifest({ version, site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock));
const floorRecords = async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes('edseg-floor')) return null;
  const db = await new Promise<IDBDatabase>((ok, ko) => {
    const r = indexedDB.open('edseg-floor');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => ko(r.error);
  });
  const all = await new Promise<unknown[]>((ok) => {
    const r = db.transaction('floor').objectStore('floor').getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return all;
};

describe('manifest chain: no rollback', () => {
  it('refuses a lower version after forget(), in a new engine, and explain() says older-version', async () => {
    h.net.manifest = await signed(3);
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(adult);
    expect((await a.explain()).manifest).toMatchObject({ status: 'accepted', version: 3 });
    await a.forget();
    h.net.manifest = await signed(2);
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    const ex = await b.explain();
    expect(ex.manifest).toMatchObject({ status: 'refused', reason: 'older-version' });
    expect(ex.blocked).toBe('manifest-refused');
    expect(await b.segments()).toEqual([]);
    // The same version again is accepted: the floor is the highest version, not a blocklist.
    h.net.manifest = await signed(3);
    const c = new Engine(deps());
    await start(c, `site-${h.site}`);
    expect((await c.explain()).manifest).toMatchObject({ status: 'accepted', version: 3 });
  });

  it('refuses a cached manifest below the floor when the network is down', async () => {
    h.net.manifest = await signed(3);
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(adult);
    await a.close();
    // The learner's store is rolled back to an older manifest (a restored backup, an old tab's write).
    const old = await signed(2);
    const store = await IdbStore.open(`site-${h.site}`);
    await store.set('manifest', { jws: old, version: 2, kid: h.key.kid, acceptedAt: h.clock });
    await store.close();
    h.net.manifestDown = true;
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    expect((await b.explain()).manifest).toMatchObject({ status: 'refused', reason: 'older-version' });
    const audit = (await b.exportData()).audit;
    expect(audit.some((x) => x.kind === 'manifest-refused' && x.detail.cached === true)).toBe(true);
  });

  it('before consent keeps the floor in memory for the page, and stores no record', async () => {
    const floor = versionFloor(indexedDB);
    h.net.manifest = await signed(3);
    const a = new Engine(deps({ floor }));
    await start(a, `site-${h.site}`);
    expect((await a.explain()).manifest).toMatchObject({ status: 'accepted', version: 3 });
    await a.close();
    expect((await floorRecords()) ?? []).not.toContainEqual(
      expect.objectContaining({ site: `site-${h.site}` }),
    );
    h.net.manifest = await signed(2);
    const b = new Engine(deps({ floor }));
    await start(b, `site-${h.site}`);
    expect((await b.explain()).manifest).toMatchObject({ status: 'refused', reason: 'older-version' });
  });

  it('writes the floor at consent, and forget() leaves only { site, version, lastSpend } in edseg-floor', async () => {
    h.net.manifest = await signed(4);
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent(adult);
    expect(await floorRecords()).toContainEqual({ site: `site-${h.site}`, version: 4 });
    await e.forget();
    const records = (await floorRecords())!;
    // No report was spent for: lastSpend null (issue 19 point 7: the day of the last spend, or none).
    expect(records).toContainEqual({ site: `site-${h.site}`, version: 4, lastSpend: null });
    for (const r of records)
      expect(['site,version', 'lastSpend,site,version']).toContain(
        Object.keys(r as object)
          .sort()
          .join(),
      );
  });
});

describe('manifest chain: no tracking through the fetch', () => {
  it('fetches with no-store, no credentials, no referrer and no If-None-Match, even after an ETag', async () => {
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(adult); // the fake server answered with ETag "v"
    await a.close();
    const store = await IdbStore.open(`site-${h.site}`);
    expect(Object.keys((await store.get<object>('manifest'))!)).not.toContain('etag');
    await store.close();
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    const inits = h.net.inits.filter((_, i) => h.net.requests[i]!.endsWith('/manifest'));
    expect(inits).toHaveLength(2);
    for (const init of inits) {
      expect(init).toMatchObject({ cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
      expect(new Headers(init?.headers).has('if-none-match')).toBe(false);
    }
  });
});

describe('manifest chain: a version the collector retired', () => {
  /** An engine of this test's site with consent to report, the collector answering `status`. */
  const reporting = async (status: number) => {
    h.net.collectorStatus = status;
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent(adult);
    return e;
  };

  it('drops reports the collector answers 410 with an audit entry, and never retries them', async () => {
    const e = await reporting(410);
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    const dropped = (await e.exportData()).audit.filter((x) => x.kind === 'report-dropped');
    expect(dropped.map((x) => x.detail.reason)).toEqual(['version-retired']);
    const posts = h.net.requests.filter((r) => r.startsWith('POST')).length;
    h.clock += 60_000; // past the first backoff (30 s): a kept report would be retried now
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    expect(h.net.requests.filter((r) => r.startsWith('POST')).length).toBe(posts);
  });

  it('drops only the retired report of a batch and delivers the others', async () => {
    const e = await reporting(503);
    expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
    const old = (await e.exportData()).outbox[0]!.report.id;
    h.clock += 7 * DAY;
    await h.resign(); // the server re-signs daily: the open page moves on to the new version
    h.net.collectorStatus = (body) => (body.reports.some((r) => r.id === old) ? 410 : 202);
    expect(await e.flush()).toEqual({ sent: 1, pending: 0 });
    const audit = (await e.exportData()).audit;
    expect(audit.filter((x) => x.kind === 'report-dropped').map((x) => x.detail)).toEqual([
      { reportId: old, reason: 'version-retired' },
    ]);
  });
});
