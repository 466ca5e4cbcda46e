/**
 * Issue 24 point 2 on the page: createSegmenter reads the store itself (src/client/early.ts) while
 * its worker loads, and emits the stored decision at once if it is what the worker's first
 * recompute would release; the worker's own answer is emitted only if it differs. The worker here is
 * the real one (its start over an engine) in-process behind the worker RPC (worker/rpc.ts), on fake-indexeddb; the test
 * holds its manifest request, so whatever the page hears before letting it go was released early.
 * The stale cases of the decision itself: test/unit/worker/engine-early.test.ts.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { engineHarness } from '../../fixtures/engine.js';
import { ids, pageOf } from '../../fixtures/page.js';

const h = engineHarness();
const { world, win, page, serveAdvertising, firstVisit } = pageOf(h);
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
/** Long enough for the page's store read on fake-indexeddb (a few ms) to have released, had it. */
const READ_MS = 150;

describe('the early release on the main thread', () => {
  it('emits the stored decision before the manifest is answered, and nothing again when the worker agrees', async () => {
    await firstVisit();
    const p = page();
    await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]);
    expect(h.net.requests.filter((r) => r.endsWith('/manifest'))).toHaveLength(1); // the first visit's
    p.open();
    await p.seg.ready;
    expect(ids(await p.seg.segments())).toEqual(['busy', 'promo-high']);
    await tick(20);
    expect(p.seen).toEqual([['busy', 'promo-high']]);
    await p.seg.close();
  });

  it('releases while the worker script is still loading: nothing of the worker runs before it', async () => {
    await firstVisit();
    let loaded = () => {};
    world.script = new Promise<void>((r) => (loaded = r));
    const p = page(false);
    await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]);
    loaded();
    await p.seg.ready;
    expect(ids(await p.seg.segments())).toEqual(['busy', 'promo-high']);
    expect(p.seen).toEqual([['busy', 'promo-high']]);
    await p.seg.close();
  });

  it('a new version only on the server: the stored decision first, the new one as soon as it is verified', async () => {
    await firstVisit();
    await serveAdvertising({
      version: 2,
      policy: { allowed: ['idle', 'promo-low', 'promo-high'], clear: [] },
    });
    const p = page();
    await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]);
    p.open();
    await p.seg.ready;
    await expect.poll(() => p.seen).toEqual([['busy', 'promo-high'], ['promo-high']]);
    await p.seg.close();
  });

  it("the page's GPC on: nothing early; the advertising segment is never emitted", async () => {
    await firstVisit();
    vi.stubGlobal('navigator', { globalPrivacyControl: true });
    const p = page();
    await tick(READ_MS);
    expect(p.seen).toEqual([]);
    p.open();
    await p.seg.ready;
    await expect.poll(() => p.seen).toEqual([['busy']]);
    await p.seg.close();
  });

  it('no database and no consent in the options: [] at once, and the worker agrees', async () => {
    const p = page();
    await expect.poll(() => p.seen).toEqual([[]]);
    p.open();
    await p.seg.ready;
    await p.seg.segments();
    expect(p.seen).toEqual([[]]);
    await p.seg.close();
  });

  it('a worker that fails to start after an early release: [] follows', async () => {
    await firstVisit();
    let seen: string[][] = [];
    world.load = async () => {
      await vi.waitUntil(() => seen.length > 0);
      throw new Error('the engine failed to load');
    };
    const p = page();
    seen = p.seen;
    await expect(p.seg.ready).rejects.toThrow('the engine failed to load');
    expect(p.seen).toEqual([['busy', 'promo-high'], []]);
    await p.seg.close().catch(() => undefined); // close() goes to the engine that did not load
  });

  it('setConsent() before the read ends: nothing early; the worker decides', async () => {
    await firstVisit();
    const p = page();
    const consenting = p.seg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await tick(READ_MS);
    expect(p.seen).toEqual([]);
    p.open();
    await consenting;
    expect(p.seen.at(-1)).toEqual(['busy']);
    await p.seg.close();
  });

  it('forget() racing the read: the read creates nothing again', async () => {
    await firstVisit();
    const p = page(false);
    await p.seg.forget();
    await tick(READ_MS);
    expect(p.seen.at(-1)).toEqual([]);
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(`edseg:site-${h.site}`);
  });

  it('pagehide into the back/forward cache during the read: nothing early', async () => {
    await firstVisit();
    const p = page();
    win.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
    await tick(READ_MS);
    expect(p.seen).toEqual([]);
    p.open();
    win.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]); // the new worker's
    await p.seg.close();
  });
});
