/**
 * The main-thread SDK in Node, no jsdom: first as server-side rendering sees it (no Worker, no
 * IndexedDB: an inert segmenter), then with a fake Worker whose "worker" end is an exposed (worker/rpc.ts)
 * fake engine on a MessageChannel, to drive the bridge's faults: a crash (error event), a worker that
 * stops answering, repeated crashes, a worker that never starts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSegmenter } from '../../../src/client/index.js';
import { debugLine } from '../../../src/client/debug.js';
import { MAX_HELD_EVENTS } from '../../../src/client/held.js';
import type { EdsegError } from '../../../src/core/errors.js';
import type { TimedEvent } from '../../../src/core/protocol.js';
import { PortWorker } from '../../fixtures/port-worker.js';

const jwk = { kty: 'EC', crv: 'P-256', x: 'AbC', y: 'dEf', kid: 'k1' } as const;
const options = {
  site: 'lingua-kids',
  manifestUrl: 'https://collector.example/v1/sites/lingua-kids/manifest',
  collectorUrl: 'https://collector.example/v1/reports',
  publicKeys: [jwk],
};
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('server-side rendering: no Worker, no IndexedDB', () => {
  it('imports and creates an inert segmenter: nothing throws, segments() is [], explain() says no-worker', async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe('undefined');
    // relative URLs too, as a server-rendered page passes them
    const seg = createSegmenter({ ...options, manifestUrl: '/v1/m', collectorUrl: '/v1/reports' });
    await seg.ready;
    seg.track('lesson_complete', { minutes: 3 });
    seg.declare({ goal: 'exam' });
    await seg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    const errors: EdsegError[] = [];
    seg.on('error', (e) => errors.push(e));
    expect(await seg.segments()).toEqual([]);
    const ex = await seg.explain();
    expect(ex.blocked).toBe('no-worker');
    expect(ex.stored.events).toEqual({ lesson_complete: 1 });
    expect(ex.stored.declared).toEqual({ goal: 'exam' });
    expect(await seg.flush()).toEqual({ sent: 0, pending: 0 });
    expect((await seg.exportData()).events).toEqual([]);
    await tick();
    expect(errors).toEqual([]);
    await seg.close();
  });

  it('still names the bad field, synchronously', () => {
    const seg = createSegmenter(options);
    expect(() => seg.track('lesson_complete', { minutes: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'invalid-input', field: 'event.props.minutes' }),
    );
    expect(() => createSegmenter({ ...options, publicKeys: [{ kty: 'RSA' } as never] })).toThrow(
      expect.objectContaining({ field: 'options.publicKeys.0.kty' }),
    );
  });

  it("forget() tells the page's listeners, last, that nothing is released any more", async () => {
    const seg = createSegmenter(options);
    const heard: unknown[] = [];
    seg.on('segments', (r) => heard.push(r));
    await seg.forget();
    expect(heard).toEqual([[]]);
  });

  it('holds at most MAX_HELD_EVENTS tracked events, the oldest dropped', async () => {
    const seg = createSegmenter(options);
    for (let i = 0; i < MAX_HELD_EVENTS + 7; i++) seg.track(i < 7 ? 'old' : 'new');
    const ex = await seg.explain();
    expect(ex.stored.events).toEqual({ new: MAX_HELD_EVENTS });
    expect(ex.manifest.reason).toMatch(/7 dropped/);
  });
});

/** The fake engine's record of what it was asked, shared by every fake worker of a test. */
type World = {
  workers: FakeWorker[];
  ingested: TimedEvent[][];
  /** the batch id of each ingest, in order */
  batchIds: unknown[];
  /** ingest records the batch but never answers (a worker that stored it and crashed before acknowledging) */
  ingestHangs: boolean;
  inits: number;
  /** what the next new FakeWorker does */
  mode: 'ok' | 'fail-to-load' | 'silent';
  /** how long segments() takes */
  slowMs: number;
  /** what init answers besides its version */
  initExtra?: Record<string, unknown>;
  /** what reached the engine's declare and setConsent, and init's options.consent */
  received?: unknown[];
};
let world: World;

const fakeEngine = () => ({
  init: async (config: { consent?: unknown }) => {
    world.inits++;
    if (config.consent) world.received?.push(['init', config.consent]);
    return { manifestVersion: 1, persisted: true, ...world.initExtra };
  },
  ingest: async (events: TimedEvent[], id?: unknown) => {
    world.ingested.push(events);
    world.batchIds.push(id);
    if (world.ingestHangs) await new Promise(() => {});
  },
  segments: async () => {
    if (world.slowMs) await tick(world.slowMs);
    return [];
  },
  declare: async (prefs: unknown) => void world.received?.push(['declare', prefs]),
  setConsent: async (c: unknown) => void world.received?.push(['setConsent', c]),
  close: async () => {},
});

class FakeWorker extends PortWorker {
  constructor(
    url: string,
    readonly opts?: WorkerOptions,
  ) {
    super(url, world.mode === 'ok' ? fakeEngine() : null);
    world.workers.push(this);
    if (world.mode === 'fail-to-load') setTimeout(() => this.dispatchEvent(new Event('error')));
  }
  /** An uncaught error in the worker: it stops, and the page sees an error event. */
  crash(): void {
    this.frozen = true;
    this.dispatchEvent(
      Object.assign(new Event('error', { cancelable: true }), { message: 'injected crash' }),
    );
  }
}

describe('the bridge with a fake worker', () => {
  const g = globalThis as Record<string, unknown>;
  beforeEach(() => {
    world = { workers: [], ingested: [], batchIds: [], ingestHangs: false, inits: 0, mode: 'ok', slowMs: 0 };
    g.Worker = FakeWorker;
    g.indexedDB = {};
  });
  afterEach(() => {
    delete g.Worker;
    delete g.indexedDB;
  });
  const stored = () => world.ingested.flat().map((e) => e.type);

  // The engine takes consent and preferences as the page checked them (worker/engine.ts): the page
  // refuses bad ones, naming the field, before anything is sent.
  it('refuses bad consent and preferences on the page, naming the field; the worker gets only good ones', async () => {
    world.received = [];
    const adult = { ageBand: 'adult', self: { purposes: ['analytics'] } };
    const bad = { ageBand: 'adult', self: { purposes: ['tracking'] } };
    expect(() => createSegmenter({ ...options, consent: bad } as never)).toThrow(
      expect.objectContaining({ code: 'invalid-input', field: 'options.consent.self.purposes.0' }),
    );
    const seg = createSegmenter({ ...options, consent: adult } as never);
    await seg.ready;
    await expect(seg.setConsent(bad as never)).rejects.toMatchObject({
      code: 'invalid-input',
      field: 'consent.self.purposes.0',
    });
    expect(() => seg.declare({ level: 7 } as never)).toThrow(
      expect.objectContaining({ field: 'prefs.level' }),
    );
    seg.declare({ level: 'b1' });
    await seg.setConsent(adult as never);
    await seg.segments();
    expect(world.received).toEqual([
      ['init', adult],
      ['declare', { level: 'b1' }],
      ['setConsent', adult],
    ]);
    await seg.close();
  });

  it('batches every track() of one task into one message', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    for (let i = 0; i < 100; i++) seg.track('lesson_complete', { n: i });
    await seg.segments();
    expect(world.ingested.map((b) => b.length)).toEqual([100]);
    await seg.close();
  });

  it('a crash restarts the worker, replays what was not acknowledged once, and rejects the pending call', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    seg.track('a');
    await seg.segments();
    const first = world.workers[0]!;
    first.frozen = true; // it stops taking messages: what follows is never acknowledged
    seg.track('b');
    seg.track('c');
    const pending = seg.segments();
    await tick(5);
    first.crash();
    await expect(pending).rejects.toMatchObject({ code: 'worker-crashed' });
    seg.track('d');
    expect(await seg.segments()).toEqual([]);
    expect(world.workers).toHaveLength(2);
    expect(first.terminated).toBe(true);
    expect(world.inits).toBe(2);
    expect(stored()).toEqual(['a', 'b', 'c', 'd']);
    await seg.close();
  });

  it('a batch stored but not acknowledged before a crash is replayed with its batch id, a new one gets the next', async () => {
    const seg = createSegmenter(options);
    await seg.ready;
    world.ingestHangs = true;
    seg.track('a');
    await expect.poll(() => world.batchIds.length).toBe(1);
    world.ingestHangs = false;
    world.workers[0]!.crash();
    await expect.poll(() => world.batchIds.length).toBe(2);
    seg.track('b');
    await seg.segments();
    const [stored, replayed, next] = world.batchIds as { session: string; seq: number }[];
    expect(stored!.session).toMatch(/^[0-9a-f]{32}$/);
    expect(replayed).toEqual(stored);
    expect(next).toEqual({ session: stored!.session, seq: stored!.seq + 1 });
    // Another Segmenter (another page session) numbers its batches under another session.
    const other = createSegmenter(options);
    await other.ready;
    other.track('c');
    await other.segments();
    expect((world.batchIds.at(-1) as { session: string }).session).not.toBe(stored!.session);
    await seg.close();
    await other.close();
  });

  it('a worker that stops answering (no answer to the liveness probe either) is restarted', async () => {
    const seg = createSegmenter({ ...options, timeoutMs: 100 });
    await seg.ready;
    world.workers[0]!.frozen = true;
    seg.track('x');
    await expect(seg.segments()).rejects.toMatchObject({ code: 'worker-timeout' });
    await expect.poll(() => world.workers.length).toBe(2);
    expect(await seg.segments()).toEqual([]);
    expect(stored()).toEqual(['x']);
    await seg.close();
  });

  it('a slow call on a worker that answers the probe times out, and the worker is kept', async () => {
    world.slowMs = 400;
    const seg = createSegmenter({ ...options, timeoutMs: 100 });
    await seg.ready;
    await expect(seg.segments()).rejects.toMatchObject({ code: 'worker-timeout' });
    await tick(300);
    expect(world.workers).toHaveLength(1);
    world.slowMs = 0;
    expect(await seg.segments()).toEqual([]);
    await seg.close();
  });

  it('after 3 crashes within a minute it stops with an error event, and stays callable', async () => {
    const seg = createSegmenter(options);
    const errors: string[] = [];
    seg.on('error', (e) => errors.push(e.code));
    await seg.ready;
    for (let i = 0; i < 3; i++) {
      await seg.segments();
      world.workers.at(-1)!.crash();
      await tick(5);
    }
    expect(world.workers).toHaveLength(3);
    expect(errors).toEqual(['worker-crashed']);
    seg.track('after');
    expect(await seg.segments()).toEqual([]);
    expect((await seg.explain()).blocked).toBe('worker-crashed');
    // a listener added later still hears why
    const late = await new Promise<string>((r) => seg.on('error', (e) => r(e.code)));
    expect(late).toBe('worker-crashed');
  });

  it("a refused manifest: the worker's warning, or from an older worker without one a short warning naming the reason", async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => void warnings.push(String(a[0]));
    try {
      world.initExtra = { manifestVersion: null, manifestRefused: 'unknown-key' };
      const old = createSegmenter(options);
      await old.ready;
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^\[edseg\] .*refused.*unknown-key/);
      await old.close();
      world.initExtra = {
        manifestVersion: null,
        manifestRefused: 'expired',
        warning: '[edseg] the worker says',
      };
      const current = createSegmenter(options);
      await current.ready;
      expect(warnings.slice(1)).toEqual(['[edseg] the worker says']);
      await current.close();
    } finally {
      console.warn = warn;
    }
  });

  it('a worker that cannot load: error event worker-unavailable, calls answer as inert, no restart', async () => {
    world.mode = 'fail-to-load';
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => void warnings.push(a);
    try {
      const seg = createSegmenter(options);
      const errors: string[] = [];
      seg.on('error', (e) => errors.push(e.code));
      seg.track('t');
      const pending = seg.segments(); // made before the failure is known
      await seg.ready;
      expect(await pending).toEqual([]);
      expect(errors).toEqual(['worker-unavailable']);
      expect((await seg.explain()).blocked).toBe('worker-unavailable');
      expect(world.workers).toHaveLength(1);
      expect(warnings).toHaveLength(1);
      expect(String((warnings[0] as unknown[])[0])).toMatch(/^\[edseg\] .*data-worker/);
    } finally {
      console.warn = warn;
    }
  });
});

describe('debug lines', () => {
  it('say what was refused and why, prefixed', () => {
    expect(
      debugLine('manifest-refused', {
        reason: 'origin-not-allowed',
        message: 'https://a.example is not listed',
      }),
    ).toBe(
      "[edseg] the manifest does not list this page's origin, so nothing is released: https://a.example is not listed",
    );
    expect(
      debugLine('segment-blocked', { segment: 'bargain', model: 'm', reasons: ['opted-out', 'gpc'] }),
    ).toBe('[edseg] segment bargain (model m) not released: opted-out, gpc');
    expect(debugLine('report-sent', { reportId: 'r1' })).toBe('[edseg] report sent: {"reportId":"r1"}');
  });
});
