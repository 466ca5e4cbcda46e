/**
 * The device's audit log records what the page released early (src/client/early.ts): the page tells
 * the first worker in init (`early`, 'pending' while it reads, then `earlyReleased`), the engine logs
 * `segments-released` with `early: true`, and its first recompute logs only a change. Here the
 * recompute differs (a new manifest version): exportData() still shows that [busy, promo-high] were
 * released to the page at this start (from the review of the move of the early release to the page).
 */
import 'fake-indexeddb/auto';
import { expose } from '../../../worker/rpc.js';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
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
let gate: Promise<void> | null = null;

class FakeWorker extends EventTarget {
  readonly #port: MessagePort;
  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const base = h.deps();
    const g2 = gate;
    const deps: EngineDeps = {
      ...base,
      fetch: (async (url: string, init?: RequestInit) => {
        if (g2 && url.endsWith('/manifest')) await g2;
        return base.fetch(url, init);
      }) as typeof fetch,
    };
    expose(new Starter(deps, async () => new Engine(deps)), port2);
    port2.start();
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
async function serve(over: Partial<Manifest> = {}) {
  const base = testManifest({}, h.clock);
  const models = base.models.map((m) => (m.id === 'promo' ? { ...m, purpose: 'advertising' as const } : m));
  await h.resign({ version: 1, models, ...over });
}
function page(held: boolean) {
  let open = () => {};
  gate = held ? new Promise<void>((r) => (open = r)) : null;
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

it('the audit log records the segments the page released early, also when the recompute differs', async () => {
  await serve();
  const first = page(false);
  await first.seg.ready;
  await first.seg.setConsent(adult);
  for (const e of h.lessons(10)) first.seg.track(e.type, e.props);
  expect(ids(await first.seg.segments())).toEqual(['busy', 'promo-high']);
  await first.seg.close();

  await serve({ version: 2, policy: { allowed: ['idle', 'promo-low', 'promo-high'], clear: [] } });
  const p = page(true);
  await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]); // released to the page early
  p.open();
  await p.seg.ready;
  await expect.poll(() => p.seen).toEqual([['busy', 'promo-high'], ['promo-high']]);
  const audit = (await p.seg.exportData()).audit as { kind: string; detail: { segments?: string[] } }[];
  const released = audit.filter((a) => a.kind === 'segments-released').map((a) => a.detail.segments);
  // the first visit's two (consent, then the lessons), this visit's early one, then its recompute's
  expect(released).toEqual([
    ['idle', 'promo-low'],
    ['busy', 'promo-high'],
    ['busy', 'promo-high'],
    ['promo-high'],
  ]);
  await p.seg.close();
});

it('logs the early release once when the first recompute agrees with it', async () => {
  await serve();
  const first = page(false);
  await first.seg.ready;
  await first.seg.setConsent(adult);
  for (const e of h.lessons(10)) first.seg.track(e.type, e.props);
  expect(ids(await first.seg.segments())).toEqual(['busy', 'promo-high']);
  await first.seg.close();

  const p = page(true);
  await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]);
  p.open();
  await p.seg.ready;
  expect(ids(await p.seg.segments())).toEqual(['busy', 'promo-high']);
  const audit = (await p.seg.exportData()).audit as { kind: string; detail: { early?: boolean } }[];
  const released = audit.filter((a) => a.kind === 'segments-released').map((a) => a.detail.early === true);
  expect(released).toEqual([false, false, true]);
  expect(p.seen).toEqual([['busy', 'promo-high']]);
  await p.seg.close();
});
