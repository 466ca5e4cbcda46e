import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import { refreshWaitMs, retryWaitMs } from '../../../worker/schedule.js';
import { versionFloor } from '../../../worker/floor.js';
import { seededRandom } from '../../../src/core/privacy/random.js';
import type { ConsentInput } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, ORIGIN, testKey, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };
/** The shortest refresh interval the options allow: a refresh comes 0.75 to 1.25 s after the last. */
const FAST = { manifestRefreshMs: 1_000 };

/** Polls `cond` every 20 ms for up to `ms`. */
async function until(cond: () => Promise<boolean> | boolean, ms = 6_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const manifestGets = () => h.net.requests.filter((r) => r.endsWith('/manifest')).length;

describe('the manifest while the page stays open', () => {
  it('adopts a new version without a reload: verified, redecided, the page notified', async () => {
    const e = new Engine(h.deps());
    const seen = await h.start(e, `site-${h.site}`, undefined, FAST);
    await e.setConsent(adult);
    expect((await e.segments()).map((s) => [s.id, s.manifestVersion])).toEqual([['idle', 1]]);
    // An admin withholds the instruction model from the site and publishes version 2.
    await h.resign({ policy: { allowed: ['promo-low', 'promo-high'], clear: [] } });
    await until(() => seen.at(-1)?.length === 0);
    expect(await e.segments()).toEqual([]);
    const ex = await e.explain();
    expect(ex.manifest).toMatchObject({ status: 'accepted', version: 2 });
    expect(ex.segments.find((s) => s.id === 'idle')).toMatchObject({
      assigned: true,
      released: false,
      reasons: ['site-not-allowed'],
    });
    const audit = (await e.exportData()).audit;
    expect(audit.some((a) => a.kind === 'manifest-accepted' && a.detail.version === 2)).toBe(true);
    await e.close();
  });

  it('is cheap when unchanged: the same JWS is neither verified nor re-read against the floor, and the request is the one of the start', async () => {
    let floorReads = 0;
    const floor = versionFloor(indexedDB);
    const e = new Engine(
      h.deps({
        floor: { ...floor, get: (...a) => (floorReads++, floor.get(...a)) },
      }),
    );
    await h.start(e, `site-${h.site}`, undefined, FAST);
    await e.setConsent(adult);
    const reads = floorReads;
    const audit = (await e.exportData()).audit.length;
    await until(() => manifestGets() >= 3);
    expect(floorReads).toBe(reads);
    expect((await e.exportData()).audit.length).toBe(audit);
    // Every manifest request, the refreshes too, carries nothing the server could tag the device with.
    const inits = h.net.inits.filter((_, i) => h.net.requests[i]!.endsWith('/manifest'));
    for (const init of inits)
      expect(init).toEqual({ cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
    await e.close();
  });

  it('refuses a rolled-back version on refresh, once, and keeps the adopted one', async () => {
    await h.resign({ version: 3 });
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`, undefined, FAST);
    await e.setConsent(adult);
    await h.resign({ version: 2 });
    await until(() => manifestGets() >= 3);
    const ex = await e.explain();
    expect(ex.manifest).toMatchObject({ status: 'accepted', version: 3 });
    expect((await e.segments()).map((s) => s.id)).toEqual(['idle']);
    const refused = (await e.exportData()).audit.filter((a) => a.kind === 'manifest-refused');
    expect(refused.map((a) => a.detail.reason)).toEqual(['older-version']);
    await e.close();
  });

  it('retries a refused manifest without adding an audit entry for the same answer at every retry', async () => {
    const other = await testKey('test-key');
    h.net.manifest = await other.sign(
      testManifest({ site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock),
    );
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`, undefined, FAST);
    await until(() => manifestGets() >= 3);
    const ex = await e.explain();
    expect(ex.manifest).toMatchObject({ status: 'refused', reason: 'bad-signature' });
    const refused = (await e.exportData()).audit.filter((a) => a.kind === 'manifest-refused');
    expect(refused).toHaveLength(1);
    // A signed one arrives: adopted at the next retry.
    await h.resign();
    await until(async () => (await e.explain()).manifest.status === 'accepted');
    await e.close();
  });

  it('notices an expiry: past expiresAt with no newer manifest, nothing is released, as at start', async () => {
    const e = new Engine(h.deps());
    const seen = await h.start(e, `site-${h.site}`);
    await e.setConsent(adult);
    expect((await e.segments()).map((s) => s.id)).toEqual(['idle']);
    h.clock += 6 * DAY + 1; // past expiresAt (the server is down, nothing newer comes)
    h.net.manifestDown = true;
    expect(await e.segments()).toEqual([]);
    expect(seen.at(-1)).toEqual([]);
    const ex = await e.explain();
    expect(ex.blocked).toBe('manifest-expired');
    expect(ex.manifest).toMatchObject({ status: 'refused', reason: 'expired' });
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    // When the server is back with a fresh manifest, the open page adopts it.
    h.net.manifestDown = false;
    await h.resign();
    await until(async () => (await e.segments()).length === 1);
    expect((await e.explain()).manifest).toMatchObject({ status: 'accepted', version: 2 });
    await e.close();
  });
});

describe('a first visit without a manifest', () => {
  it('holds the events in memory, retries the manifest, then minimises and stores them', async () => {
    h.net.manifestDown = true;
    const e = new Engine(h.deps());
    const seen = await h.start(e, `site-${h.site}`);
    await e.setConsent(adult);
    await e.ingest([
      ...h.lessons(9),
      { type: 'page_view', props: { path: '/secret' }, ts: h.clock },
      { type: 'quiz_complete', props: { score: 80, name: 'Ada' }, ts: h.clock },
    ]);
    let ex = await e.explain();
    expect(ex.manifest).toMatchObject({ status: 'missing', reason: 'network' });
    expect(ex.held).toEqual({ events: 11, dropped: 0 });
    expect((await e.exportData()).events).toEqual([]); // held in memory only, not stored
    h.net.manifestDown = false;
    await until(() => seen.at(-1)?.[0]?.id === 'busy');
    ex = await e.explain();
    expect(ex.manifest.status).toBe('accepted');
    expect(ex.held).toEqual({ events: 0, dropped: 0 });
    const events = (await e.exportData()).events;
    // Stored as any event is: only what the manifest's features read.
    expect(events.map((x) => x.type).sort()).toEqual([...Array(9).fill('lesson_complete'), 'quiz_complete']);
    expect(events.find((x) => x.type === 'quiz_complete')!.props).toEqual({ score: 80 });
    expect(events.find((x) => x.type === 'lesson_complete')!.props).toEqual({});
    await e.close();
  });

  it('holds at most 5,000, dropping the oldest with a count in explain()', async () => {
    h.net.manifestDown = true;
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`);
    await e.setConsent(adult);
    const t0 = h.clock - 5_010;
    await e.ingest(h.lessons(5_010).map((ev, i) => ({ ...ev, ts: t0 + i })));
    expect((await e.explain()).held).toEqual({ events: 5_000, dropped: 10 });
    h.net.manifestDown = false;
    await until(async () => (await e.explain()).manifest.status === 'accepted');
    const stored = (await e.exportData()).events.map((x) => x.ts);
    expect(stored).toHaveLength(5_000);
    expect(Math.min(...stored)).toBe(t0 + 10); // the ten oldest were the ones dropped
    expect((await e.explain()).held).toEqual({ events: 0, dropped: 10 });
    await e.close();
  });

  it('retries with exponential backoff and full jitter, at least 1 s apart, capped by the refresh interval', () => {
    const rng = seededRandom(3);
    const caps = [1, 2, 3, 4, 5, 6, 12].map((n) => {
      const draws = Array.from({ length: 400 }, () => retryWaitMs(n, 60_000, rng));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(1_000);
      return Math.max(...draws);
    });
    // The ceiling of each draw doubles (2 s, 4 s, 8 s ...) until the interval caps it.
    expect(caps[0]).toBeLessThanOrEqual(2_000);
    expect(caps[1]).toBeLessThanOrEqual(4_000);
    expect(caps[1]).toBeGreaterThan(2_000);
    expect(caps[3]).toBeGreaterThan(8_000);
    expect(caps[3]).toBeLessThanOrEqual(16_000);
    expect(caps[6]).toBeLessThanOrEqual(60_000);
    expect(caps[6]).toBeGreaterThan(50_000);
    const refresh = Array.from({ length: 400 }, () => refreshWaitMs(3_600_000, rng));
    expect(Math.min(...refresh)).toBeGreaterThanOrEqual(2_700_000);
    expect(Math.max(...refresh)).toBeLessThanOrEqual(4_500_000);
    expect(new Set(refresh).size).toBeGreaterThan(300); // jittered, not one fixed beat
  });
});
