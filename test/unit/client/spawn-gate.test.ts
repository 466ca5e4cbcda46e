/**
 * The worker is created once the page's early read is over, or after SPAWN_WAIT_MS (ARCHITECTURE.md
 * "The start path"): its script's load and start would contend with the read. Calls made before it
 * exists wait for it and reach it after init, in order; a segmenter closed or hidden into the
 * back/forward cache before then creates none until it may.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkerBridge } from '../../../src/client/bridge.js';
import { createSegmenter } from '../../../src/client/index.js';
import { SPAWN_WAIT_MS } from '../../../src/client/segmenter.js';
import { EdsegError } from '../../../src/core/errors.js';
import { portWorkerClass, type PortWorker } from '../../fixtures/port-worker.js';

const g = globalThis as Record<string, unknown>;
let created: PortWorker[];
let calls: string[];
const engine = () => ({
  init: async () => (calls.push('init'), { manifestVersion: 1, persisted: true }),
  segments: async () => (calls.push('segments'), []),
  earlyReleased: async () => void calls.push('earlyReleased'),
  close: async () => {},
});
const hooks = {
  init: (r: { init: (...a: unknown[]) => Promise<unknown> }) => r.init({}),
  onRestart: () => {},
  onDown: () => {},
};
const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  created = [];
  calls = [];
  g.Worker = portWorkerClass(created, engine);
});
afterEach(() => {
  delete g.Worker;
  delete g.indexedDB;
  vi.useRealTimers();
});

describe('WorkerBridge with `hooks.after`', () => {
  const bridge = (after: Promise<unknown>) =>
    new WorkerBridge('https://a.example/edseg.worker.js', 2_000, 2_000, { ...hooks, after } as never);

  it('creates no worker before `after`; a call made meanwhile reaches the worker after init', async () => {
    let go = () => {};
    const b = bridge(new Promise<void>((r) => (go = r)));
    const answer = b.call('segments', (r) => r.segments());
    await tick();
    expect(created).toHaveLength(0);
    go();
    await expect(answer).resolves.toEqual([]);
    await b.started;
    expect(created).toHaveLength(1);
    expect(calls).toEqual(['init', 'segments']);
  });

  it('closed before `after`: no worker ever, and what waited rejects with the reason', async () => {
    let go = () => {};
    const b = bridge(new Promise<void>((r) => (go = r)));
    const answer = b.call('segments', (r) => r.segments());
    const reason = new EdsegError('closed', 'edseg: closed');
    b.close(reason);
    go();
    await expect(b.started).rejects.toBe(reason);
    await expect(answer).rejects.toBe(reason);
    expect(created).toHaveLength(0);
  });

  it('hidden into the back/forward cache before `after`: the worker is created only once shown', async () => {
    let go = () => {};
    const b = bridge(new Promise<void>((r) => (go = r)));
    b.suspend();
    go();
    await tick();
    expect(created).toHaveLength(0);
    await b.resume();
    expect(created).toHaveLength(1);
    expect(calls).toEqual(['init']);
  });
});

describe('createSegmenter', () => {
  const options = {
    site: 'lingua-kids',
    manifestUrl: 'https://collector.example/v1/sites/lingua-kids/manifest',
    collectorUrl: 'https://collector.example/v1/reports',
    publicKeys: [{ kty: 'EC', crv: 'P-256', x: 'AbC', y: 'dEf', kid: 'k1' } as const],
  };

  it(`creates the worker when the early read is over, not before`, async () => {
    let answer: (names: IDBDatabaseInfo[]) => void = () => {};
    g.indexedDB = { databases: () => new Promise<IDBDatabaseInfo[]>((r) => (answer = r)) };
    const seg = createSegmenter(options);
    await tick();
    expect(created).toHaveLength(0);
    answer([]); // no store: the read is over (nothing early but `[]`)
    await seg.ready;
    expect(created).toHaveLength(1);
    // init, then the page tells the worker what it released early
    await vi.waitFor(() => expect(calls).toEqual(['init', 'earlyReleased']));
    await seg.close();
  });

  it(`creates the worker after ${SPAWN_WAIT_MS} ms if the read is not over by then`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    g.indexedDB = { databases: () => new Promise(() => {}) }; // another page holds the store
    const seg = createSegmenter(options);
    await vi.advanceTimersByTimeAsync(SPAWN_WAIT_MS - 1);
    expect(created).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(created).toHaveLength(1);
    vi.useRealTimers();
    await seg.ready;
    expect(calls).toEqual(['init']);
    await seg.close();
  });
});
