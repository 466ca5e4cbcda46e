/**
 * IndexedDB storage (plain IndexedDB through idb-request.ts), versioned. One database per site: `edseg:<site>`.
 * Migrations run in order from the stored version; add a new `if (oldVersion < N)` block, never edit an old one.
 * - v1: events (one record per event, by day), rollups (by day), kv, outbox, budget (by period), audit.
 * - v2: raw events in chunks, one record per (batch, day) in `eventChunks` (by day): a batch of
 *   5,000 events is a handful of writes, not 5,000 (the v1 events move there, day by day); rollups
 *   also by [type, day], so the features read only the rows of the event types they use.
 * A migration only adds (stores, indexes): a database a newer version wrote still holds what this one reads.
 *
 * Another tab's upgrade (a versionchange) closes this connection at once, so that upgrade is never
 * blocked; the next operation here reopens the database at whatever version it now has. Another tab's
 * delete (forget()) closes it for good: nothing here recreates a database the learner deleted.
 */
import { EdsegError } from '../src/core/errors.js';
import type {
  AuditEntry,
  BatchId,
  BudgetSpend,
  OutboxItem,
  Reporting,
  Rollup,
  StoredEvent,
} from '../src/core/schema.js';
import { rollupKey } from '../src/core/rollup.js';
import { REVISION_KEY, nextRevision, revisionOf, siteDbName, type Revision } from '../src/core/decision.js';
import { open, request, transaction, walk } from './idb-request.js';
import { canSpend, type SpendDecision } from '../src/core/privacy/accountant.js';
import {
  batchIdsAfter,
  batchKey,
  compactCount,
  foldDeltas,
  spendOf,
  type DeviceStore,
  type SpendRequest,
} from './store.js';

export const DB_VERSION = 2;
const dbName = siteDbName;

type RollupRow = Rollup & { key: string };
/** Raw events of one day written by one batch (v2); `n` is events.length, for counting without reading them. */
type EventChunk = { id?: number; day: number; n: number; events: StoredEvent[] };

/**
 * The stores: events (v1 only: moved into eventChunks by the v2 migration, then deleted), eventChunks
 * (EventChunk, by day), rollups (RollupRow by key; indexes day, typeDay [type, day]), kv, outbox
 * (OutboxItem by id), budget (BudgetSpend by reportId; index period), audit (AuditEntry by id).
 */
/** Whether this site's database exists, without creating it. */
export async function dbExists(site: string): Promise<boolean> {
  return databaseExists(dbName(site));
}

/** Whether an IndexedDB database of that name exists, without creating it (false where the browser cannot tell). */
export async function databaseExists(name: string): Promise<boolean> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return false;
  const dbs = await indexedDB.databases();
  return dbs.some((d) => d.name === name);
}

const withoutKey = ({ key: _key, ...r }: RollupRow): Rollup => r;

/** The chunks of a list of events: one per day, in arrival order. */
function chunksOf(events: readonly StoredEvent[]): EventChunk[] {
  const byDay = new Map<number, StoredEvent[]>();
  for (const { id: _id, ...e } of events) {
    const list = byDay.get(e.day);
    if (list) list.push(e);
    else byDay.set(e.day, [e]);
  }
  return [...byDay].map(([day, evs]) => ({ day, n: evs.length, events: evs }));
}

/** Creates or migrates the schema from `oldVersion` (each block runs once, in order), inside the upgrade's transaction. */
async function migrate(db: IDBDatabase, oldVersion: number, tx: IDBTransaction): Promise<void> {
  if (oldVersion < 1) {
    db.createObjectStore('events', { keyPath: 'id', autoIncrement: true }).createIndex('day', 'day');
    db.createObjectStore('rollups', { keyPath: 'key' }).createIndex('day', 'day');
    db.createObjectStore('kv');
    db.createObjectStore('outbox', { keyPath: 'id' });
    db.createObjectStore('budget', { keyPath: 'reportId' }).createIndex('period', 'period');
    db.createObjectStore('audit', { keyPath: 'id', autoIncrement: true });
  }
  if (oldVersion < 2) {
    // The rollup rows of v1 are indexed as they are: nothing is rewritten.
    tx.objectStore('rollups').createIndex('typeDay', ['type', 'day']);
    const chunks = db.createObjectStore('eventChunks', { keyPath: 'id', autoIncrement: true });
    chunks.createIndex('day', 'day');
    // Every v1 event moves, in arrival order, into one chunk per day; then the v1 store goes.
    const old = (await request(tx.objectStore('events').getAll())) as StoredEvent[];
    for (const c of chunksOf(old)) chunks.add(c);
    db.deleteObjectStore('events');
  }
}

export class IdbStore implements DeviceStore {
  readonly persisted = true;
  /** the open connection; null once another tab's versionchange closed it (reopened on the next use) */
  private db: IDBDatabase | null;
  /** another tab deleted the database (forget()): it is not reopened */
  private deleted = false;

  private constructor(
    db: IDBDatabase,
    private readonly site: string,
  ) {
    this.db = db;
  }

  /** Opens (creating or migrating) the site's database. Another tab's upgrade or delete closes this connection. */
  static async open(site: string): Promise<IdbStore> {
    const holder: { store?: IdbStore } = {};
    const db = await IdbStore.connect(site, DB_VERSION, holder);
    holder.store = new IdbStore(db, site);
    return holder.store;
  }

  /** One connection; `version` undefined opens whatever version the database has (after another tab's upgrade). */
  private static connect(
    site: string,
    version: number | undefined,
    holder: { store?: IdbStore },
  ): Promise<IDBDatabase> {
    return open(dbName(site), version, (db, oldVersion, tx) => void migrate(db, oldVersion, tx)).then(
      (db) => {
        // Another tab wants to upgrade (newVersion set) or delete (null) the database: let it, at once.
        db.addEventListener('versionchange', (e) => holder.store?.lose(e.newVersion === null));
        // The browser closed the connection (storage cleared, a fault): reopen on the next use.
        db.addEventListener('close', () => holder.store?.lose(false));
        return db;
      },
    );
  }

  private lose(deleted: boolean): void {
    this.db?.close();
    this.db = null;
    if (deleted) this.deleted = true;
  }

  /** The open connection, reopened after another tab's upgrade at the version that tab left. */
  private async conn(): Promise<IDBDatabase> {
    if (this.db) return this.db;
    if (this.deleted)
      throw new EdsegError('closed', 'edseg: another tab deleted the local data (forget())', 'storage');
    const holder: { store?: IdbStore } = { store: this };
    // A newer SDK in another tab may have upgraded past DB_VERSION: open what is there (migrations only add).
    const db = await IdbStore.connect(this.site, undefined, holder);
    this.db =
      db.version < DB_VERSION ? (db.close(), await IdbStore.connect(this.site, DB_VERSION, holder)) : db;
    return this.db;
  }

  async addEvents(events: StoredEvent[], deltas: Rollup[], batch?: BatchId) {
    const db = await this.conn();
    const { tx, done } = transaction(db, ['eventChunks', 'rollups', 'kv'], 'readwrite');
    // A failed write (QuotaExceededError) aborts the whole batch: nothing half-written.
    done.catch(() => undefined);
    const writes: Promise<unknown>[] = [];
    try {
      if (batch) {
        // The batch id is checked and recorded in the events' transaction: stored once, or not at all.
        const kv = tx.objectStore('kv');
        const seen = (await request(kv.get(batchKey(batch.session)))) as number[] | undefined;
        if (seen?.includes(batch.seq)) {
          await done;
          return false;
        }
        writes.push(request(kv.put(batchIdsAfter(seen, batch.seq), batchKey(batch.session))));
      }
      const rollups = tx.objectStore('rollups');
      const keys = [...new Set(deltas.map(rollupKey))];
      const existing = new Map<string, Rollup>();
      for (const row of await Promise.all(keys.map((k) => request<RollupRow | undefined>(rollups.get(k)))))
        if (row) existing.set(row.key, withoutKey(row));
      const store = tx.objectStore('eventChunks');
      for (const c of chunksOf(events)) writes.push(request(store.add(c)));
      for (const [key, r] of foldDeltas((k) => existing.get(k), deltas))
        writes.push(request(rollups.put({ ...r, key })));
      if (deltas.length) {
        // The rollup revision moves with the rows, in their transaction (decision.ts).
        const kv = tx.objectStore('kv');
        writes.push(request(kv.put(nextRevision(await request(kv.get(REVISION_KEY))), REVISION_KEY)));
      }
      await Promise.all([...writes, done]);
      return true;
    } catch (e) {
      for (const w of writes) w.catch(() => undefined); // each fails with AbortError once aborted
      try {
        tx.abort();
      } catch {
        // already finished (aborted by the browser)
      }
      throw tx.error ?? e;
    }
  }
  async rollupsSince(fromDay: number, types?: ReadonlySet<string>) {
    const { tx, done } = transaction(await this.conn(), 'rollups');
    const rollups = tx.objectStore('rollups');
    const read = (index: string, range: IDBKeyRange) =>
      request(rollups.index(index).getAll(range) as IDBRequest<RollupRow[]>);
    const [rows] = await Promise.all([
      types
        ? Promise.all([...types].map((t) => read('typeDay', IDBKeyRange.bound([t, fromDay], [t, Infinity]))))
        : Promise.all([read('day', IDBKeyRange.lowerBound(fromDay))]),
      done,
    ]);
    return rows.flat().map(withoutKey);
  }
  async revision(): Promise<Revision> {
    const { tx, done } = transaction(await this.conn(), ['kv', 'eventChunks']);
    const [rev, last] = await Promise.all([
      request(tx.objectStore('kv').get(REVISION_KEY)),
      request(tx.objectStore('eventChunks').openKeyCursor(null, 'prev')),
      done,
    ]);
    return [revisionOf(rev), typeof last?.key === 'number' ? last.key : 0];
  }
  /** One request on one store, in a transaction of its own. */
  private async one<T>(
    store: string,
    fn: (s: IDBObjectStore) => IDBRequest,
    mode: IDBTransactionMode = 'readonly',
  ): Promise<T> {
    const { tx, done } = transaction(await this.conn(), store, mode);
    const [result] = await Promise.all([request(fn(tx.objectStore(store))), done]);
    return result as T;
  }

  async events() {
    return (await this.one<EventChunk[]>('eventChunks', (s) => s.getAll())).flatMap((c) => c.events);
  }
  async rollups() {
    return (await this.one<RollupRow[]>('rollups', (s) => s.getAll())).map(withoutKey);
  }
  get<T>(key: string) {
    return this.one<T | undefined>('kv', (s) => s.get(key));
  }
  async set(key: string, value: unknown) {
    await this.one('kv', (s) => s.put(value, key), 'readwrite');
  }
  async audit(entry: Omit<AuditEntry, 'id'>) {
    await this.one('audit', (s) => s.add(entry), 'readwrite');
  }
  auditLog() {
    return this.one<AuditEntry[]>('audit', (s) => s.getAll());
  }
  outbox() {
    return this.one<OutboxItem[]>('outbox', (s) => s.getAll());
  }
  async putOutbox(item: OutboxItem) {
    await this.one('outbox', (s) => s.put(item), 'readwrite');
  }
  async removeOutbox(ids: string[]) {
    const { tx, done } = transaction(await this.conn(), 'outbox', 'readwrite');
    const store = tx.objectStore('outbox');
    await Promise.all([...ids.map((id) => request(store.delete(id))), done]);
  }
  budget() {
    return this.one<BudgetSpend[]>('budget', (s) => s.getAll());
  }
  async counts() {
    const { tx, done } = transaction(await this.conn(), ['rollups', 'outbox']);
    const [rollups, outbox] = await Promise.all([
      request(tx.objectStore('rollups').count()),
      request(tx.objectStore('outbox').count()),
      done,
    ]);
    return { rollups, outbox };
  }

  async spendAndQueue(
    req: SpendRequest,
    budget: Reporting['budget'] | readonly Reporting['budget'][],
    item: OutboxItem,
  ): Promise<SpendDecision> {
    const run = async (): Promise<SpendDecision> => {
      // One readwrite transaction over budget + outbox: the check, the spend and the enqueue commit together.
      const { tx, done } = transaction(await this.conn(), ['budget', 'outbox'], 'readwrite');
      const spends = (await request(tx.objectStore('budget').getAll())) as BudgetSpend[];
      const decision = canSpend(spends, req, budget);
      if (decision.ok) {
        await request(tx.objectStore('budget').put(spendOf(req, item)));
        await request(tx.objectStore('outbox').put(item));
      }
      await done;
      return decision;
    };
    // The Web Lock serialises tabs; the transaction alone would already be atomic, the lock makes
    // "check, then spend" one critical section even across separate transactions in other tabs.
    return this.exclusive('budget', run);
  }

  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    return locks ? (locks.request(`edseg:${name}:${this.site}`, fn) as Promise<T>) : fn();
  }

  async prune(eventsBefore: number, rollupsBefore: number) {
    const { tx, done } = transaction(await this.conn(), ['eventChunks', 'rollups', 'kv'], 'readwrite');
    const before = (store: string, day: number) =>
      tx.objectStore(store).index('day').openCursor(IDBKeyRange.upperBound(day, true));
    let events = 0;
    let rollups = 0;
    await walk(before('eventChunks', eventsBefore), (c) => {
      events += (c.value as EventChunk).n;
      c.delete();
    });
    await walk(before('rollups', rollupsBefore), (c) => {
      c.delete();
      rollups++;
    });
    if (rollups) {
      const kv = tx.objectStore('kv');
      await request(kv.put(nextRevision(await request(kv.get(REVISION_KEY))), REVISION_KEY));
    }
    await done;
    return { events, rollups };
  }
  async compact(fraction: number) {
    const { tx, done } = transaction(await this.conn(), 'eventChunks', 'readwrite');
    const byDay = tx.objectStore('eventChunks').index('day');
    let total = 0;
    await walk(byDay.openCursor(), (c) => void (total += (c.value as EventChunk).n));
    const n = total === 0 ? 0 : compactCount(total, fraction);
    // Oldest day first (and in arrival order within a day); a chunk only partly compacted keeps its newest events.
    let left = n;
    if (left > 0)
      await walk(byDay.openCursor(), (c) => {
        const chunk = c.value as EventChunk;
        if (chunk.n <= left) {
          left -= chunk.n;
          c.delete();
        } else {
          const events = chunk.events.slice(left);
          left = 0;
          c.update({ ...chunk, n: events.length, events });
        }
        return left > 0;
      });
    await done;
    return n;
  }
  async close() {
    this.db?.close();
    this.db = null;
    this.deleted = true;
  }
  async destroy() {
    this.db?.close();
    this.db = null;
    this.deleted = true;
    await request(indexedDB.deleteDatabase(dbName(this.site)));
  }
}
