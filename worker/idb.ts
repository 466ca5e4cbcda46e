/**
 * IndexedDB storage (idb), versioned. One database per site: `edseg:<site>`.
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
import {
  openDB,
  deleteDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
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

interface EdsegDB extends DBSchema {
  /** v1 only: moved into eventChunks by the v2 migration, then deleted */
  events: { key: number; value: StoredEvent; indexes: { day: number } };
  eventChunks: { key: number; value: EventChunk; indexes: { day: number } };
  rollups: { key: string; value: RollupRow; indexes: { day: number; typeDay: [string, number] } };
  kv: { key: string; value: unknown };
  outbox: { key: string; value: OutboxItem };
  budget: { key: string; value: BudgetSpend; indexes: { period: number } };
  audit: { key: number; value: AuditEntry };
}

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
async function migrate(
  db: IDBPDatabase<EdsegDB>,
  oldVersion: number,
  tx: IDBPTransaction<EdsegDB, StoreNames<EdsegDB>[], 'versionchange'>,
): Promise<void> {
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
    const old = await tx.objectStore('events').getAll();
    for (const c of chunksOf(old)) await chunks.add(c);
    db.deleteObjectStore('events');
  }
}

export class IdbStore implements DeviceStore {
  readonly persisted = true;
  /** the open connection; null once another tab's versionchange closed it (reopened on the next use) */
  private db: IDBPDatabase<EdsegDB> | null;
  /** another tab deleted the database (forget()): it is not reopened */
  private deleted = false;

  private constructor(
    db: IDBPDatabase<EdsegDB>,
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
  ): Promise<IDBPDatabase<EdsegDB>> {
    return openDB<EdsegDB>(dbName(site), version, {
      upgrade: (db, oldVersion, _newVersion, tx) => void migrate(db, oldVersion, tx),
      // Another tab wants to upgrade (newVersion set) or delete (null) the database: let it, at once.
      blocking: (_current, newVersion) => holder.store?.lose(newVersion === null),
      // The browser closed the connection (storage cleared, a fault): reopen on the next use.
      terminated: () => holder.store?.lose(false),
    });
  }

  private lose(deleted: boolean): void {
    this.db?.close();
    this.db = null;
    if (deleted) this.deleted = true;
  }

  /** The open connection, reopened after another tab's upgrade at the version that tab left. */
  private async conn(): Promise<IDBPDatabase<EdsegDB>> {
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
    const tx = db.transaction(['eventChunks', 'rollups', 'kv'], 'readwrite');
    // A failed write (QuotaExceededError) aborts the whole batch: nothing half-written.
    tx.done.catch(() => undefined);
    const writes: Promise<unknown>[] = [];
    try {
      if (batch) {
        // The batch id is checked and recorded in the events' transaction: stored once, or not at all.
        const kv = tx.objectStore('kv');
        const seen = (await kv.get(batchKey(batch.session))) as number[] | undefined;
        if (seen?.includes(batch.seq)) {
          await tx.done;
          return false;
        }
        writes.push(kv.put(batchIdsAfter(seen, batch.seq), batchKey(batch.session)));
      }
      const rollups = tx.objectStore('rollups');
      const keys = [...new Set(deltas.map(rollupKey))];
      const existing = new Map<string, Rollup>();
      for (const row of await Promise.all(keys.map((k) => rollups.get(k))))
        if (row) existing.set(row.key, withoutKey(row));
      const store = tx.objectStore('eventChunks');
      for (const c of chunksOf(events)) writes.push(store.add(c));
      for (const [key, r] of foldDeltas((k) => existing.get(k), deltas))
        writes.push(rollups.put({ ...r, key }));
      if (deltas.length) {
        // The rollup revision moves with the rows, in their transaction (decision.ts).
        const kv = tx.objectStore('kv');
        writes.push(kv.put(nextRevision(await kv.get(REVISION_KEY)), REVISION_KEY));
      }
      await Promise.all([...writes, tx.done]);
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
    const db = await this.conn();
    if (!types)
      return (await db.getAllFromIndex('rollups', 'day', IDBKeyRange.lowerBound(fromDay))).map(withoutKey);
    const tx = db.transaction('rollups');
    const index = tx.store.index('typeDay');
    const [rows] = await Promise.all([
      Promise.all([...types].map((t) => index.getAll(IDBKeyRange.bound([t, fromDay], [t, Infinity])))),
      tx.done,
    ]);
    return rows.flat().map(withoutKey);
  }
  async revision(): Promise<Revision> {
    const tx = (await this.conn()).transaction(['kv', 'eventChunks']);
    const [rev, last] = await Promise.all([
      tx.objectStore('kv').get(REVISION_KEY),
      tx.objectStore('eventChunks').openKeyCursor(null, 'prev'),
      tx.done,
    ]);
    return [revisionOf(rev), typeof last?.key === 'number' ? last.key : 0];
  }
  async events() {
    return (await (await this.conn()).getAll('eventChunks')).flatMap((c) => c.events);
  }
  async rollups() {
    return (await (await this.conn()).getAll('rollups')).map(withoutKey);
  }
  async get<T>(key: string) {
    return (await (await this.conn()).get('kv', key)) as T | undefined;
  }
  async set(key: string, value: unknown) {
    await (await this.conn()).put('kv', value, key);
  }
  async audit(entry: Omit<AuditEntry, 'id'>) {
    await (await this.conn()).add('audit', entry as AuditEntry);
  }
  async auditLog() {
    return (await this.conn()).getAll('audit');
  }
  async outbox() {
    return (await this.conn()).getAll('outbox');
  }
  async putOutbox(item: OutboxItem) {
    await (await this.conn()).put('outbox', item);
  }
  async removeOutbox(ids: string[]) {
    const tx = (await this.conn()).transaction('outbox', 'readwrite');
    await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  }
  async budget() {
    return (await this.conn()).getAll('budget');
  }
  async counts() {
    const db = await this.conn();
    const [rollups, outbox] = await Promise.all([db.count('rollups'), db.count('outbox')]);
    return { rollups, outbox };
  }

  async spendAndQueue(
    req: SpendRequest,
    budget: Reporting['budget'] | readonly Reporting['budget'][],
    item: OutboxItem,
  ): Promise<SpendDecision> {
    const run = async (): Promise<SpendDecision> => {
      // One readwrite transaction over budget + outbox: the check, the spend and the enqueue commit together.
      const tx = (await this.conn()).transaction(['budget', 'outbox'], 'readwrite');
      const spends = await tx.objectStore('budget').getAll();
      const decision = canSpend(spends, req, budget);
      if (decision.ok) {
        await tx.objectStore('budget').put(spendOf(req, item));
        await tx.objectStore('outbox').put(item);
      }
      await tx.done;
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
    const tx = (await this.conn()).transaction(['eventChunks', 'rollups', 'kv'], 'readwrite');
    let events = 0;
    let rollups = 0;
    for (
      let c = await tx
        .objectStore('eventChunks')
        .index('day')
        .openCursor(IDBKeyRange.upperBound(eventsBefore, true));
      c;
      c = await c.continue()
    ) {
      events += c.value.n;
      await c.delete();
    }
    for (
      let c = await tx
        .objectStore('rollups')
        .index('day')
        .openCursor(IDBKeyRange.upperBound(rollupsBefore, true));
      c;
      c = await c.continue()
    ) {
      await c.delete();
      rollups++;
    }
    if (rollups) {
      const kv = tx.objectStore('kv');
      await kv.put(nextRevision(await kv.get(REVISION_KEY)), REVISION_KEY);
    }
    await tx.done;
    return { events, rollups };
  }
  async compact(fraction: number) {
    const tx = (await this.conn()).transaction('eventChunks', 'readwrite');
    const byDay = tx.store.index('day');
    let total = 0;
    for (let c = await byDay.openCursor(); c; c = await c.continue()) total += c.value.n;
    const n = total === 0 ? 0 : compactCount(total, fraction);
    // Oldest day first (and in arrival order within a day); a chunk only partly compacted keeps its newest events.
    let left = n;
    for (let c = await byDay.openCursor(); c && left > 0; c = await c.continue()) {
      const chunk = c.value;
      if (chunk.n <= left) {
        left -= chunk.n;
        await c.delete();
      } else {
        const events = chunk.events.slice(left);
        left = 0;
        await c.update({ ...chunk, n: events.length, events });
      }
    }
    await tx.done;
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
    await deleteDB(dbName(this.site));
  }
}
