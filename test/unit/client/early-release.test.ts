/**
 * Issue 24 point 2 on the page: createSegmenter reads the store itself (src/client/early.ts) while
 * its worker loads, and emits the stored decision at once if it is what the worker's first
 * recompute would release; the worker's own answer is emitted only if it differs. The worker here is
 * the real one (its start over an engine) in-process behind comlink, on fake-indexeddb; the test
 * holds its manifest request, so whatever the page hears before letting it go was released early.
 * The stale cases of the decision itself: test/unit/worker/engine-early.test.ts.
 */
import 'fake-indexeddb/auto';
import { expose } from '../../../worker/rpc.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSegmenter } from '../../../src/client/index.js';
import { Engine, type EngineDeps } from '../../../worker/engine.js';
import { Starter } from '../../../worker/start.js';
import type { ConsentInput, Manifest, ReleasedSegment } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { ORIGIN, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const adult: ConsentInput = {
  ageBand: 'adult',
  self: { purposes: ['instruction', 'analytics', 'advertising'] },
};
const ids = (r: ReleasedSegment[]) => r.map((s) => s.id);
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
/** Long enough for the page's store read on fake-indexeddb (a few ms) to have released, had it. */
const READ_MS = 150;

/**
 * What the page's worker does: its manifest request waits for `gate`; `load` replaces the engine's
 * loader; `script`: its script is still loading (nothing in it runs) until this resolves.
 */
let world: {
  gate: Promise<void> | null;
  load?: (deps: EngineDeps) => Promise<Engine>;
  script?: Promise<void>;
};

class FakeWorker extends EventTarget {
  readonly #port: MessagePort;
  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const base = h.deps();
    const gate = world.gate;
    const deps: EngineDeps = {
      ...base,
      fetch: (async (url: string, init?: RequestInit) => {
        if (gate && url.endsWith('/manifest')) await gate;
        return base.fetch(url, init);
      }) as typeof fetch,
    };
    const load = world.load ?? (async (d: EngineDeps) => new Engine(d));
    void (world.script ?? Promise.resolve()).then(() => {
      expose(new Starter(deps, () => load(deps)), port2);
      port2.start();
    });
  }
  postMessage(m: unknown, t?: Transferable[]): void {
    this.#port.postMessage(m, t ?? []);
  }
  override addEventListener(type: string, fn: EventListenerOrEventListenerObject | null): void {
    if (type !== 'message') return super.addEventListener(type, fn);
    this.#port.addEventListener('message', fn as EventListener);
    this.#port.start();
  }
  override removeEventListener(type: string, fn: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.#port.removeEventListener('message', fn as EventListener);
    else super.removeEventListener(type, fn);
  }
  terminate(): void {
    this.#port.close();
  }
}

const g = globalThis as Record<string, unknown>;
const win = new EventTarget();
beforeEach(() => {
  world = { gate: null };
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(h.clock);
  g.Worker = FakeWorker;
  vi.stubGlobal('location', { origin: ORIGIN, href: `${ORIGIN}/` });
  g.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  g.addEventListener = win.addEventListener.bind(win);
  g.removeEventListener = win.removeEventListener.bind(win);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  for (const k of ['Worker', 'document', 'addEventListener', 'removeEventListener']) delete g[k];
});

/** The test manifest with its promo model for advertising, signed now. */
async function serveAdvertising(over: Partial<Manifest> = {}): Promise<void> {
  const base = testManifest({}, h.clock);
  const models = base.models.map((m) => (m.id === 'promo' ? { ...m, purpose: 'advertising' as const } : m));
  await h.resign({ version: 1, models, ...over });
}

/** A page of the site; `held`: its worker's manifest request waits until `open()`. */
function page(held = true) {
  let open = () => {};
  world.gate = held ? new Promise<void>((r) => (open = r)) : null;
  const seg = createSegmenter({
    site: `site-${h.site}`,
    manifestUrl: 'https://c.example/v1/sites/x/manifest',
    collectorUrl: 'https://c.example/v1/reports',
    publicKeys: [h.key.publicJwk as never],
    workerUrl: `${ORIGIN}/edseg.worker.js`,
  });
  const seen: string[][] = [];
  seg.on('segments', (r) => seen.push(ids(r)));
  return { seg, seen, open };
}

/** The first visit: consent and ten lessons today (busy, promo-high); its decision stored. */
async function firstVisit(): Promise<void> {
  await serveAdvertising();
  const { seg } = page(false);
  await seg.ready;
  await seg.setConsent(adult);
  for (const e of h.lessons(10)) seg.track(e.type, e.props);
  expect(ids(await seg.segments())).toEqual(['busy', 'promo-high']);
  await seg.close();
}

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
