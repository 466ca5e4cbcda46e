/**
 * IndexedDB storage (idb), versioned. One database per site: `edseg:<site>`.
 * Migrations run in order from the stored version; add a new `if (oldVersion < N)` block, never edit an old one.
 */
import { openDB, deleteDB, type DBSchema, type IDBPDatabase } from 'idb';
import type {
  AuditEntry,
  BudgetSpend,
  OutboxItem,
  Reporting,
  Rollup,
  StoredEvent,
} from '../src/core/schema.js';
import { rollupKey } from '../src/core/rollup.js';
import { canSpend, type SpendDecision } from '../src/core/privacy/accountant.js';
import { foldDeltas, spendOf, type DeviceStore, type SpendRequest } from './store.js';

const DB_VERSION = 1;
const dbName = (site: string) => `edseg:${site}`;

type RollupRow = Rollup & { key: string };

interface EdsegDB extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { day: number } };
  rollups: { key: string; value: RollupRow; indexes: { day: number } };
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

export class IdbStore implements DeviceStore {
  readonly persisted = true;
  private constructor(
    private readonly db: IDBPDatabase<EdsegDB>,
    private readonly site: string,
  ) {}

  /** Opens (creating or migrating) the site's database. Another tab's upgrade or delete closes this connection. */
  static async open(site: string): Promise<IdbStore> {
    let store: IdbStore | null = null;
    const db = await openDB<EdsegDB>(dbName(site), DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore('events', { keyPath: 'id', autoIncrement: true }).createIndex('day', 'day');
          db.createObjectStore('rollups', { keyPath: 'key' }).createIndex('day', 'day');
          db.createObjectStore('kv');
          db.createObjectStore('outbox', { keyPath: 'id' });
          db.createObjectStore('budget', { keyPath: 'reportId' }).createIndex('period', 'period');
          db.createObjectStore('audit', { keyPath: 'id', autoIncrement: true });
        }
      },
      blocking() {
        void store?.close();
      },
    });
    store = new IdbStore(db, site);
    return store;
  }

  async addEvents(events: StoredEvent[], deltas: Rollup[]) {
    const tx = this.db.transaction(['events', 'rollups'], 'readwrite');
    const rollups = tx.objectStore('rollups');
    const keys = [...new Set(deltas.map(rollupKey))];
    const existing = new Map<string, Rollup>();
    for (const row of await Promise.all(keys.map((k) => rollups.get(k))))
      if (row) existing.set(row.key, withoutKey(row));
    const writes: Promise<unknown>[] = events.map((e) => {
      const { id: _id, ...rest } = e;
      return tx.objectStore('events').add(rest as StoredEvent);
    });
    for (const [key, r] of foldDeltas((k) => existing.get(k), deltas))
      writes.push(rollups.put({ ...r, key }));
    await Promise.all([...writes, tx.done]);
  }
  async rollupsSince(fromDay: number) {
    return (await this.db.getAllFromIndex('rollups', 'day', IDBKeyRange.lowerBound(fromDay))).map(withoutKey);
  }
  async events() {
    return this.db.getAll('events');
  }
  async rollups() {
    return (await this.db.getAll('rollups')).map(withoutKey);
  }
  async get<T>(key: string) {
    return (await this.db.get('kv', key)) as T | undefined;
  }
  async set(key: string, value: unknown) {
    await this.db.put('kv', value, key);
  }
  async audit(entry: Omit<AuditEntry, 'id'>) {
    await this.db.add('audit', entry as AuditEntry);
  }
  async auditLog() {
    return this.db.getAll('audit');
  }
  async outbox() {
    return this.db.getAll('outbox');
  }
  async putOutbox(item: OutboxItem) {
    await this.db.put('outbox', item);
  }
  async removeOutbox(ids: string[]) {
    const tx = this.db.transaction('outbox', 'readwrite');
    await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  }
  async budget() {
    return this.db.getAll('budget');
  }
  async counts() {
    const [rollups, outbox] = await Promise.all([this.db.count('rollups'), this.db.count('outbox')]);
    return { rollups, outbox };
  }

  async spendAndQueue(
    req: SpendRequest,
    budget: Reporting['budget'] | readonly Reporting['budget'][],
    item: OutboxItem,
  ): Promise<SpendDecision> {
    const run = async (): Promise<SpendDecision> => {
      // One readwrite transaction over budget + outbox: the check, the spend and the enqueue commit together.
      const tx = this.db.transaction(['budget', 'outbox'], 'readwrite');
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
    const tx = this.db.transaction(['events', 'rollups'], 'readwrite');
    let events = 0;
    let rollups = 0;
    for (
      let c = await tx
        .objectStore('events')
        .index('day')
        .openCursor(IDBKeyRange.upperBound(eventsBefore, true));
      c;
      c = await c.continue()
    ) {
      await c.delete();
      events++;
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
    await tx.done;
    return { events, rollups };
  }
  async close() {
    this.db.close();
  }
  async destroy() {
    this.db.close();
    await deleteDB(dbName(this.site));
  }
}
