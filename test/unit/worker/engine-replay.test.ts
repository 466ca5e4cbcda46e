/**
 * Exactly-once replay: the page numbers its batches (a page session and a sequence number); the worker
 * records the ids it stored in the events' transaction and skips a batch id it already stored, so a
 * batch stored by a worker that crashed before acknowledging it is not stored twice by the next one.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import { RECOMPUTE_DELAY_MS } from '../../../worker/schedule.js';
import { IdbStore } from '../../../worker/idb.js';
import { batchKey, BATCH_IDS_KEPT, MemoryStore, type DeviceStore } from '../../../worker/store.js';
import { rollupEvents } from '../../../src/core/rollup.js';
import type { ConsentInput, ReleasedSegment, StoredEvent } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };
const session = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const restore: (() => void)[] = [];
afterEach(() => {
  while (restore.length) restore.pop()!();
});

const lessonCount = async (e: Engine) =>
  (await e.exportData()).rollups.find((r) => r.type === 'lesson_complete' && r.prop === '')?.count ?? 0;

describe('exactly-once replay of a batch', () => {
  it('a batch a crashed worker stored is skipped by the restarted one; other ids are stored', async () => {
    const first = new Engine(h.deps());
    await h.start(first, `site-${h.site}`);
    await first.setConsent(adult);
    const batch = h.lessons(3);
    await first.ingest(batch, { session, seq: 0 });
    // The worker dies here, before the page saw the acknowledgement: the page replays the batch.
    await first.close();
    const second = new Engine(h.deps());
    await h.start(second, `site-${h.site}`);
    await second.ingest(batch, { session, seq: 0 });
    let out = await second.exportData();
    expect(out.events).toHaveLength(3);
    expect(await lessonCount(second)).toBe(3);
    // The next batch of the session, and the same seq in another page session, are new batches.
    await second.ingest(h.lessons(2), { session, seq: 1 });
    await second.ingest(h.lessons(1), { session: 'f'.repeat(32), seq: 0 });
    // A batch without an id (an older page) is stored as before.
    await second.ingest(h.lessons(1));
    out = await second.exportData();
    expect(out.events).toHaveLength(7);
    expect(await lessonCount(second)).toBe(7);
    await second.close();
  });

  it('in memory (before consent) a replayed batch is stored once too', async () => {
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`);
    await e.ingest(h.lessons(4), { session, seq: 5 });
    await e.ingest(h.lessons(4), { session, seq: 5 });
    expect((await e.exportData()).events).toHaveLength(4);
    await e.close();
  });

  it('refuses a malformed batch id, naming the field, and stores nothing of it', async () => {
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`);
    await expect(e.ingest(h.lessons(1), { session: 'not hex', seq: 0 })).rejects.toMatchObject({
      field: expect.stringMatching(/^batch/),
    });
    await expect(e.ingest(h.lessons(1), { session, seq: -1 })).rejects.toMatchObject({
      field: expect.stringMatching(/^batch/),
    });
    expect((await e.exportData()).events).toHaveLength(0);
    await e.close();
  });

  for (const kind of ['indexeddb', 'memory'] as const) {
    it(`${kind}: the id is recorded with the events, atomically, and only the latest ${BATCH_IDS_KEPT} per session are kept`, async () => {
      const store: DeviceStore =
        kind === 'memory' ? new MemoryStore() : await IdbStore.open(`site-${h.site}`);
      const ev: StoredEvent[] = [{ type: 'x', ts: 1, day: 0, props: {} }];
      if (kind === 'indexeddb') {
        // A write that fails records no id: the batch is stored when it comes again.
        const proto = globalThis.IDBObjectStore.prototype as IDBObjectStore;
        const add = proto.add;
        let left = 1;
        proto.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
          if (this.name === 'eventChunks' && left-- > 0)
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          return add.apply(this, args);
        };
        restore.push(() => (proto.add = add));
        await expect(store.addEvents(ev, rollupEvents(ev), { session, seq: 0 })).rejects.toMatchObject({
          name: 'QuotaExceededError',
        });
        expect(await store.get(batchKey(session))).toBeUndefined();
      }
      expect(await store.addEvents(ev, rollupEvents(ev), { session, seq: 0 })).toBe(true);
      expect(await store.addEvents(ev, rollupEvents(ev), { session, seq: 0 })).toBe(false);
      expect(await store.events()).toHaveLength(1);
      expect((await store.rollups()).find((r) => r.prop === '')!.count).toBe(1);
      for (let seq = 1; seq <= BATCH_IDS_KEPT; seq++)
        await store.addEvents(ev, rollupEvents(ev), { session, seq });
      expect(await store.get(batchKey(session))).toEqual(
        Array.from({ length: BATCH_IDS_KEPT }, (_, i) => i + 1),
      );
      await store.destroy();
    });
  }
});

describe('lazy recompute', () => {
  it('many ingests are coalesced into one recompute; segments() answers with all of them at once', async () => {
    const e = new Engine(h.deps());
    const seen: ReleasedSegment[][] = await h.start(e, `site-${h.site}`);
    await e.setConsent(adult);
    const before = seen.length;
    // The recompute timer (RECOMPUTE_DELAY_MS) is held still, so a busy machine, where nine
    // ingests can take longer than the delay, cannot fire it between them; fake-indexeddb
    // schedules with setImmediate, which stays real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      for (let i = 0; i < 9; i++) await e.ingest(h.lessons(1));
      // Nothing asked yet: no recompute has run for these ingests.
      expect(seen.length).toBe(before);
      expect((await e.segments()).map((s) => s.id)).toEqual(['busy']);
      expect(seen.length).toBe(before + 1);
      expect(seen.at(-1)!.map((s) => s.id)).toEqual(['busy']);
    } finally {
      vi.useRealTimers();
    }
    await e.close();
  });

  it('when nothing asks, a timer recomputes and fires the segments once', async () => {
    const e = new Engine(h.deps());
    const seen: ReleasedSegment[][] = await h.start(e, `site-${h.site}`);
    await e.setConsent(adult);
    const before = seen.length;
    for (let i = 0; i < 9; i++) await e.ingest(h.lessons(1));
    await expect.poll(() => seen.length, { timeout: 20 * RECOMPUTE_DELAY_MS }).toBe(before + 1);
    expect(seen.at(-1)!.map((s) => s.id)).toEqual(['busy']);
    await e.close();
  });
});
