import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { Engine } from '../../../worker/engine.js';
import { DB_VERSION, IdbStore, dbExists } from '../../../worker/idb.js';
import { rollupEvents } from '../../../src/core/rollup.js';
import { dayOf, type ConsentInput, type StoredEvent } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY } from '../../fixtures/manifest.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };

/** Restores whatever a test replaced on the global IndexedDB. */
const restore: (() => void)[] = [];
afterEach(() => {
  while (restore.length) restore.pop()!();
});

/** Replaces `globalThis.indexedDB` for this test with a factory whose open() and databases() fail. */
function breakIndexedDB(how: 'throws' | 'errors'): void {
  const real = globalThis.indexedDB;
  const fail = () =>
    how === 'throws'
      ? new DOMException('The operation is insecure.', 'SecurityError')
      : new DOMException('IndexedDB is blocked here', 'InvalidStateError');
  const broken = {
    open() {
      if (how === 'throws') throw fail();
      // As in some private modes: a request that fails asynchronously.
      const req = new EventTarget() as EventTarget & { error: DOMException | null; result: unknown };
      req.error = fail();
      setTimeout(() => req.dispatchEvent(new Event('error')));
      return req;
    },
    deleteDatabase: () => {
      throw fail();
    },
    databases: () => Promise.reject(fail()),
    cmp: real.cmp.bind(real),
  };
  Object.defineProperty(globalThis, 'indexedDB', { value: broken, configurable: true, writable: true });
  restore.push(() =>
    Object.defineProperty(globalThis, 'indexedDB', { value: real, configurable: true, writable: true }),
  );
}

/** Makes add() on the raw events' store (`eventChunks`) throw QuotaExceededError `times` times (Infinity: always). */
function quotaOnEvents(times: number): void {
  const proto = globalThis.IDBObjectStore.prototype as IDBObjectStore;
  const add = proto.add;
  let left = times;
  proto.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
    if (this.name === 'eventChunks' && left > 0) {
      left--;
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    return add.apply(this, args);
  };
  restore.push(() => (proto.add = add));
}

describe('storage: IndexedDB unavailable', () => {
  for (const how of ['throws', 'errors'] as const) {
    it(`runs on memory for the page when indexedDB.open ${how}, and explain() says so`, async () => {
      breakIndexedDB(how);
      const e = new Engine(h.deps());
      const seen = await h.start(e, `site-${h.site}`);
      await e.setConsent(adult);
      await e.ingest(h.lessons(9));
      expect((await e.segments()).map((s) => s.id)).toEqual(['busy']);
      expect(seen.at(-1)!.map((s) => s.id)).toEqual(['busy']);
      const ex = await e.explain();
      expect(ex.persisted).toBe(false);
      expect(ex.storage.mode).toBe('memory');
      expect(ex.storage.reason).toBe('unavailable');
      expect(ex.storage.error).toMatch(how === 'throws' ? /SecurityError/ : /InvalidStateError/);
      expect(ex.manifest.status).toBe('accepted');
      expect(ex.stored.events).toEqual({ lesson_complete: 9 });
      // No budget can be kept across pages in memory, so nothing is reported.
      expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
      await e.forget();
    });
  }

  it('before a consent that allows persistence, explain() gives the reason consent', async () => {
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`);
    expect((await e.explain()).storage).toEqual({ mode: 'memory', reason: 'consent' });
    await e.setConsent(adult);
    expect((await e.explain()).storage).toEqual({ mode: 'indexeddb' });
    await e.close();
  });
});

describe('storage: quota exceeded', () => {
  const consent: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };

  /** An engine with 100 stored events, a spend and a queued report (the collector answers 503). */
  async function full() {
    h.net.collectorStatus = 503;
    const e = new Engine(h.deps());
    await h.start(e, `site-${h.site}`);
    await e.setConsent(consent);
    await e.ingest(h.lessons(100).map((ev, i) => ({ ...ev, ts: h.clock - 100 + i })));
    expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
    const before = await e.exportData();
    return { e, before };
  }

  it('compacts the oldest raw events into the rollups and stores the batch; consent, budget and outbox untouched', async () => {
    const { e, before } = await full();
    quotaOnEvents(1);
    await e.ingest(h.lessons(10));
    const after = await e.exportData();
    expect(after.consent).toEqual(before.consent);
    expect(after.budget).toEqual(before.budget);
    expect(after.outbox).toEqual(before.outbox);
    // The oldest half is gone from the raw events; their counts live on in the daily rollup.
    expect(after.events).toHaveLength(60);
    expect(Math.min(...after.events.map((x) => x.ts))).toBe(h.clock - 50);
    const row = after.rollups.find((r) => r.type === 'lesson_complete' && r.prop === '')!;
    expect(row.count).toBe(110);
    expect(after.audit.filter((a) => a.kind === 'storage-compacted').map((a) => a.detail)).toEqual([
      { eventsDeleted: 50, reason: 'quota-exceeded' },
    ]);
    expect((await e.segments()).map((s) => s.id)).toEqual(['busy']);
    await e.close();
  });

  it('when even that does not fit, keeps the rollups of the batch and says what was dropped', async () => {
    const { e, before } = await full();
    quotaOnEvents(Infinity);
    await e.ingest(h.lessons(10));
    const after = await e.exportData();
    expect(after.events).toHaveLength(50);
    expect(after.rollups.find((r) => r.type === 'lesson_complete' && r.prop === '')!.count).toBe(110);
    expect(after.outbox).toEqual(before.outbox);
    expect(after.budget).toEqual(before.budget);
    expect(after.audit.some((a) => a.kind === 'events-dropped' && a.detail.events === 10)).toBe(true);
    await e.close();
  });

  it('a failed batch writes nothing of itself (one transaction per batch)', async () => {
    const store = await IdbStore.open(`site-${h.site}`);
    // Three days: three chunk writes, of which the second fails.
    const evs: StoredEvent[] = [0, 1, 2].map((i) => ({ type: 'x', ts: i, day: i, props: {} }));
    const proto = globalThis.IDBObjectStore.prototype as IDBObjectStore;
    const add = proto.add;
    let calls = 0;
    proto.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
      if (this.name === 'eventChunks' && ++calls === 2) throw new DOMException('full', 'QuotaExceededError');
      return add.apply(this, args);
    };
    restore.push(() => (proto.add = add));
    await expect(store.addEvents(evs, rollupEvents(evs))).rejects.toMatchObject({
      name: 'QuotaExceededError',
    });
    expect(await store.events()).toEqual([]);
    expect(await store.rollups()).toEqual([]);
    await store.destroy();
  });
});

/** The schema of version 1, as the SDK before v2 created it (kept here verbatim: the migration's input). */
function createV1(db: IDBDatabase): void {
  db.createObjectStore('events', { keyPath: 'id', autoIncrement: true }).createIndex('day', 'day');
  db.createObjectStore('rollups', { keyPath: 'key' }).createIndex('day', 'day');
  db.createObjectStore('kv');
  db.createObjectStore('outbox', { keyPath: 'id' });
  db.createObjectStore('budget', { keyPath: 'reportId' }).createIndex('period', 'period');
  db.createObjectStore('audit', { keyPath: 'id', autoIncrement: true });
}

describe('storage: a database of the previous schema version', () => {
  it('opens with all its data, migrated to the current version', async () => {
    const site = `site-${h.site}`;
    const today = dayOf(h.clock);
    const events: StoredEvent[] = [
      // Two days: v2 keeps raw events in one chunk per day, and the migration moves them so.
      { type: 'lesson_complete', ts: h.clock - 3 * DAY, day: today - 3, props: {} },
      ...h.lessons(9).map((ev) => ({ type: ev.type, ts: ev.ts, day: today, props: {} })),
      { type: 'quiz_complete', ts: h.clock, day: today, props: { score: 70 } },
    ];
    const consent = { ...adult, gpc: false, updatedAt: h.clock - 1000 };
    // A real v1 database, written with the plain IndexedDB API.
    const old = await openDB(`edseg:${site}`, 1, { upgrade: (db) => createV1(db as unknown as IDBDatabase) });
    for (const ev of events) await old.add('events', ev);
    for (const r of rollupEvents(events))
      await old.put('rollups', { ...r, key: `${r.day}|${r.type}|${r.prop}` });
    await old.put('kv', consent, 'consent');
    await old.put('kv', { goal: 'exam' }, 'declared');
    await old.put('budget', { reportId: 'r1', site, period: 100, day: today - 30, epsilon: 1 });
    await old.add('audit', { ts: h.clock - 1000, kind: 'consent-changed', detail: {} });
    old.close();

    const e = new Engine(h.deps());
    await h.start(e, site);
    const data = await e.exportData();
    expect(data.persisted).toBe(true);
    expect(data.consent).toEqual(consent);
    expect(data.declared).toEqual({ goal: 'exam' });
    expect(data.events.map(({ id: _id, ...x }) => x)).toEqual(events);
    expect(data.rollups).toHaveLength(rollupEvents(events).length);
    expect(data.budget).toEqual([{ reportId: 'r1', site, period: 100, day: today - 30, epsilon: 1 }]);
    expect(data.audit[0]).toMatchObject({ kind: 'consent-changed' });
    // The features read the migrated rollups through the new index: nine lessons make the learner busy.
    expect((await e.segments()).map((s) => s.id)).toEqual(['busy']);
    await e.close();
    const db = await openDB(`edseg:${site}`);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.transaction('rollups').store.indexNames]).toContain('typeDay');
    db.close();
  });
});

describe("storage: another tab's versionchange", () => {
  it('lets an upgrade in another tab through at once, then reopens and keeps working', async () => {
    const site = `site-${h.site}`;
    const store = await IdbStore.open(site);
    const ev: StoredEvent = { type: 'lesson_complete', ts: h.clock, day: dayOf(h.clock), props: {} };
    await store.addEvents([ev], rollupEvents([ev]));
    let blocked = false;
    // Another tab runs a newer SDK: its upgrade must not wait for this connection.
    const other = await openDB(`edseg:${site}`, DB_VERSION + 1, {
      upgrade: (db) => void db.createObjectStore('newer'),
      blocked: () => (blocked = true),
    });
    expect(blocked).toBe(false);
    other.close();
    await store.addEvents([ev], rollupEvents([ev]));
    expect(await store.events()).toHaveLength(2);
    expect((await store.rollupsSince(0, new Set(['lesson_complete'])))[0]!.count).toBe(2);
    await store.destroy();
  });

  it("another tab's delete (forget()) closes this connection for good: nothing recreates the database", async () => {
    const site = `site-${h.site}`;
    const store = await IdbStore.open(site);
    await store.set('declared', { goal: 'exam' });
    let blocked = false;
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(`edseg:${site}`);
      req.onblocked = () => (blocked = true);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    expect(blocked).toBe(false);
    await expect(store.get('declared')).rejects.toMatchObject({ code: 'closed' });
    expect(await dbExists(site)).toBe(false);
  });
});
