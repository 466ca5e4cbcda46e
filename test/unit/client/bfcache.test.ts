/**
 * The page and the back/forward cache (issue 17): a page entering it (pagehide with `persisted`)
 * terminates its worker, so that no IndexedDB work of it is frozen with the page; a page shown again
 * from it (pageshow with `persisted`) starts a new worker, replays what the closed one did not
 * acknowledge with the same batch ids, and emits `segments` only if they changed. No `unload`
 * listener, ever. In Node with a fake window, document and Worker (a fake engine exposed with worker/rpc.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSegmenter } from '../../../src/client/index.js';
import type { TimedEvent } from '../../../src/core/protocol.js';
import type { ReleasedSegment } from '../../../src/core/schema.js';
import { PortWorker } from '../../fixtures/port-worker.js';

const options = {
  site: 'lingua-kids',
  manifestUrl: 'https://collector.example/v1/sites/lingua-kids/manifest',
  collectorUrl: 'https://collector.example/v1/reports',
  publicKeys: [{ kty: 'EC', crv: 'P-256', x: 'AbC', y: 'dEf', kid: 'k1' } as const],
};
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const seg1 = { id: 'beginner', model: 'level', name: 'Beginner' } as unknown as ReleasedSegment;
const seg2 = { id: 'advanced', model: 'level', name: 'Advanced' } as unknown as ReleasedSegment;

type World = {
  workers: FakeWorker[];
  batches: { events: string[]; id: unknown }[];
  inits: number;
  /** what the engine's init notifies (it always recomputes and notifies at start) */
  segments: ReleasedSegment[];
  /** ingest records the batch but never answers */
  ingestHangs: boolean;
  /** what init answers besides the defaults; `hang`: it never answers (the script loaded, init waits) */
  init: Record<string, unknown> | 'hang';
};
let world: World;

class FakeWorker extends PortWorker {
  constructor(url: string) {
    super(url, {
      init: async (_c: unknown, onSegments: (r: ReleasedSegment[]) => Promise<void>) => {
        world.inits++;
        if (world.init === 'hang') await new Promise(() => {});
        await onSegments(world.segments);
        return { manifestVersion: 1, persisted: true, ...(world.init as Record<string, unknown>) };
      },
      ingest: async (events: TimedEvent[], id?: unknown) => {
        world.batches.push({ events: events.map((e) => e.type), id });
        if (world.ingestHangs) await new Promise(() => {});
      },
      segments: async () => world.segments,
      flush: async () => ({ sent: 0, pending: 0 }),
      close: async () => {},
    });
    world.workers.push(this);
  }
}

const g = globalThis as Record<string, unknown>;
const win = new EventTarget();
/** every event type the SDK listened to on the window or the document */
let listened: string[] = [];
const transition = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
  win.dispatchEvent(Object.assign(new Event(type), { persisted }));

beforeEach(() => {
  world = { workers: [], batches: [], inits: 0, segments: [seg1], ingestHangs: false, init: {} };
  listened = [];
  const doc = new EventTarget();
  const record =
    (t: EventTarget) =>
    (type: string, h: EventListenerOrEventListenerObject | null, o?: AddEventListenerOptions | boolean) => {
      listened.push(type);
      EventTarget.prototype.addEventListener.call(t, type, h, o);
    };
  g.Worker = FakeWorker;
  g.indexedDB = {};
  g.document = Object.assign(doc, { visibilityState: 'visible', addEventListener: record(doc) });
  g.addEventListener = record(win);
  g.removeEventListener = win.removeEventListener.bind(win);
});
afterEach(() => {
  for (const k of ['Worker', 'indexedDB', 'document', 'addEventListener', 'removeEventListener']) delete g[k];
});

describe('the back/forward cache', () => {
  it('pagehide (persisted) terminates the worker; pageshow (persisted) starts a new one that answers', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    transition('pagehide', true);
    expect(world.workers[0]!.terminated).toBe(true);
    transition('pageshow', true);
    expect(await seg.segments()).toEqual([seg1]);
    expect(world.workers).toHaveLength(2);
    expect(world.inits).toBe(2);
    await seg.close();
  });

  it('a batch not acknowledged before pagehide is sent to the new worker once, with its batch id, before newer ones', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    world.ingestHangs = true;
    seg.track('a');
    await expect.poll(() => world.batches.length).toBe(1);
    world.ingestHangs = false;
    transition('pagehide', true);
    await tick(5);
    transition('pageshow', true);
    seg.track('b');
    await seg.segments();
    expect(world.batches.map((b) => b.events)).toEqual([['a'], ['a'], ['b']]);
    expect(world.batches[1]!.id).toEqual(world.batches[0]!.id);
    await seg.close();
  });

  it('a call made while the page is hidden waits for the restored worker instead of failing', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    transition('pagehide', true);
    const pending = seg.segments();
    await tick(5);
    transition('pageshow', true);
    expect(await pending).toEqual([seg1]);
    await seg.close();
  });

  it('emits segments after a restore only if they changed', async () => {
    const seen: string[][] = [];
    const seg = createSegmenter(options);
    seg.on('segments', (r) => seen.push(r.map((s) => s.id)));
    await seg.ready;
    expect(seen).toEqual([['beginner']]);
    transition('pagehide', true);
    transition('pageshow', true);
    await seg.segments();
    expect(seen).toEqual([['beginner']]);
    world.segments = [seg2];
    transition('pagehide', true);
    transition('pageshow', true);
    await seg.segments();
    expect(seen).toEqual([['beginner'], ['advanced']]);
    await seg.close();
  });

  it('a page hidden before its worker answered starts once shown', async () => {
    const seg = createSegmenter(options);
    transition('pagehide', true);
    transition('pageshow', true);
    await seg.ready;
    expect(await seg.segments()).toEqual([seg1]);
    await seg.close();
  });

  describe('hidden before the worker was created (the early read not over, ARCHITECTURE "The start path")', () => {
    /** a segmenter whose early read is held: `over()` ends it while the page is in the cache */
    const hiddenBeforeSpawn = async () => {
      let over: (names: IDBDatabaseInfo[]) => void = () => {};
      g.indexedDB = { databases: () => new Promise<IDBDatabaseInfo[]>((r) => (over = r)) };
      const seg = createSegmenter(options);
      seg.track('a');
      await tick();
      expect(world.workers).toHaveLength(0);
      transition('pagehide', true);
      over([]);
      await tick(5);
      expect(world.workers).toHaveLength(0);
      return seg;
    };

    it('a batch tracked before is ingested once, under its own batch id, never again as new', async () => {
      const seg = await hiddenBeforeSpawn();
      transition('pageshow', true);
      await tick(5);
      seg.track('b');
      await seg.segments();
      await tick(5);
      const a = world.batches.filter((b) => b.events.includes('a'));
      expect(new Set(a.map((b) => JSON.stringify(b.id))).size).toBe(1);
      expect(world.batches.flatMap((b) => b.events).filter((e) => e === 'b')).toEqual(['b']);
      await seg.close();
    });

    it('a call made as the page is shown waits for the new worker instead of failing', async () => {
      const seg = await hiddenBeforeSpawn();
      transition('pageshow', true);
      await expect(seg.segments()).resolves.toEqual([seg1]);
      expect(world.workers).toHaveLength(1);
      await seg.close();
    });
  });

  it('a pagehide that is not into the cache (the page unloads) keeps the worker and flushes', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    transition('pagehide', false);
    await tick(5);
    expect(world.workers[0]!.terminated).toBe(false);
    await seg.close();
  });

  it('never listens to unload or beforeunload (they make the page ineligible for the cache)', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    expect(listened).toEqual(expect.arrayContaining(['pagehide', 'pageshow', 'visibilitychange']));
    expect(listened.filter((t) => /unload/.test(t))).toEqual([]);
    await seg.close();
  });
});

describe('one warning for what happened at start, with no wrong hint', () => {
  /** the console warnings while `fn` runs */
  async function warnings(fn: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => void seen.push(a.map(String).join(' '));
    try {
      await fn();
    } finally {
      console.warn = warn;
    }
    return seen;
  }

  it('the worker loaded but init never answered: says so, not "check that the URL serves edseg.worker.js"', async () => {
    world.init = 'hang';
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const seen = await warnings(async () => {
        const seg = createSegmenter(options);
        const errors: string[] = [];
        seg.on('error', (e) => errors.push(e.code));
        await vi.advanceTimersByTimeAsync(30_000);
        await vi.advanceTimersByTimeAsync(2_000);
        await seg.ready;
        expect(errors).toEqual(['worker-unavailable']);
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(
        /^\[edseg\] edseg: the worker loaded but did not start \(edseg: init\(\) timed out/,
      );
      expect(seen[0]).toMatch(/another page may hold/);
      expect(seen[0]).not.toMatch(/serves edseg\.worker\.js/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('storage blocked by another page: one warning saying so, and the segmenter works', async () => {
    world.init = { persisted: false, storageBlocked: 'StorageBlocked: blocked by another page of this site' };
    const seen = await warnings(async () => {
      const seg = createSegmenter(options);
      await seg.ready;
      expect(await seg.segments()).toEqual([seg1]);
      await seg.close();
    });
    expect(seen).toEqual([
      "[edseg] the worker started, but this site's storage is held by another page (StorageBlocked: blocked by another page of this site); data is kept in memory, storage tried again later",
    ]);
  });

  it("the manifest refused: the worker's warning, once, as it is; no word about the worker URL", async () => {
    const warning =
      '[edseg] nothing is released: this page\'s origin http://localhost:1 is not in site "s"\'s origins';
    world.init = { manifestVersion: null, manifestRefused: 'origin-not-allowed', warning };
    const seen = await warnings(async () => {
      const seg = createSegmenter(options);
      await seg.ready;
      await seg.close();
    });
    expect(seen).toEqual([warning]);
  });

  it('with debug: true the warning comes too (one warning; the debug lines are console.info)', async () => {
    const warning = '[edseg] nothing is released: the manifest from x was refused (bad-signature): no.';
    world.init = { manifestVersion: null, manifestRefused: 'bad-signature', warning };
    const seen = await warnings(async () => {
      const seg = createSegmenter({ ...options, debug: true });
      await seg.ready;
      await seg.close();
    });
    expect(seen).toEqual([warning]);
  });

  it('a start with nothing wrong warns nothing', async () => {
    const seen = await warnings(async () => {
      const seg = createSegmenter(options);
      await seg.ready;
      await seg.close();
    });
    expect(seen).toEqual([]);
  });
});

describe('no unload listener anywhere in the SDK', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [join(dir, e.name)] : [],
    );
  it('src/ and worker/ never name the unload or beforeunload event', () => {
    const all = [...files(join(root, 'src')), ...files(join(root, 'worker'))];
    expect(all.length).toBeGreaterThan(50);
    const hits = all.filter((f) =>
      /['"`](before)?unload['"`]|\bon(before)?unload\b/.test(readFileSync(f, 'utf8')),
    );
    expect(hits).toEqual([]);
  });
});
