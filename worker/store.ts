/**
 * The device store: one interface, two implementations.
 * - MemoryStore: before any consent record, events live in memory for this page only (COMPLIANCE rule 1).
 * - IdbStore (idb.ts): IndexedDB, once consent allows persistence.
 * Contracts every implementation keeps:
 * - addEvents writes the events and merges their rollup deltas atomically (one transaction per batch),
 *   raising the rollup revision in that transaction; so does a prune that deletes rollup rows;
 * - compact deletes only raw events (the oldest first), never consent, budget, outbox or rollups;
 * - spendAndQueue checks the budget, records the spend and enqueues the report atomically, and (for
 *   IndexedDB) under a Web Lock, so two tabs can never spend twice for one period;
 * - destroy leaves nothing behind.
 */
import type {
  AuditEntry,
  BatchId,
  BudgetSpend,
  OutboxItem,
  Reporting,
  Rollup,
  StoredEvent,
} from '../src/core/schema.js';
import { mergeRollup, rollupKey } from '../src/core/rollup.js';
import { canSpend, type SpendDecision } from '../src/core/privacy/accountant.js';
import { REVISION_KEY, nextRevision, revisionOf, type Revision } from '../src/core/decision.js';

export type SpendRequest = { site: string; day: number; period: number; epsilon: number };

export interface DeviceStore {
  readonly persisted: boolean;
  /**
   * The store numbers the events itself: an `id` they carry (e.g. from another store) is ignored.
   * With `batch`, the batch id is recorded in the same transaction (the last BATCH_IDS_KEPT of its
   * page session), and a batch id already recorded writes nothing: false (exactly-once replay).
   */
  addEvents(events: StoredEvent[], deltas: Rollup[], batch?: BatchId): Promise<boolean>;
  /**
   * rollups with day >= `fromDay` (the window the features read; never a scan of raw events), and
   * when `types` is given only the rows of those event types
   */
  rollupsSince(fromDay: number, types?: ReadonlySet<string>): Promise<Rollup[]>;
  /**
   * The rollup revision: raised in the same transaction as every change to the rollup rows (addEvents
   * with deltas, a prune that deletes some), so equal revisions mean equal rows (decision.ts); with
   * the key of the last raw-event chunk
   */
  revision(): Promise<Revision>;
  events(): Promise<StoredEvent[]>;
  rollups(): Promise<Rollup[]>;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  audit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  auditLog(): Promise<AuditEntry[]>;
  outbox(): Promise<OutboxItem[]>;
  putOutbox(item: OutboxItem): Promise<void>;
  removeOutbox(ids: string[]): Promise<void>;
  budget(): Promise<BudgetSpend[]>;
  /** how many rollup rows and queued reports there are, without reading them */
  counts(): Promise<{ rollups: number; outbox: number }>;
  spendAndQueue(
    req: SpendRequest,
    budget: Reporting['budget'] | readonly Reporting['budget'][],
    item: OutboxItem,
  ): Promise<SpendDecision>;
  /** Runs `fn` while holding this site's named lock across tabs (a Web Lock for IndexedDB; in-page for memory). */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** deletes raw events before `eventsBefore` and rollups before `rollupsBefore` (day numbers) */
  prune(eventsBefore: number, rollupsBefore: number): Promise<{ events: number; rollups: number }>;
  /**
   * Frees space when the quota is exceeded: deletes the oldest `fraction` of the raw events (at least
   * one), whose data the daily rollups already hold; returns how many were deleted.
   */
  compact(fraction: number): Promise<number>;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** Whether `e` is the browser saying the storage quota is exceeded (a DOMException, or an aborted transaction's error). */
export function isQuotaError(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x && depth < 3; depth++) {
    const { name, code } = x as { name?: unknown; code?: unknown };
    if (name === 'QuotaExceededError' || code === 22) return true;
    x = (x as { cause?: unknown; error?: unknown }).cause ?? (x as { error?: unknown }).error;
  }
  return false;
}

/** How many of `total` raw events compact(fraction) deletes: at least one, at most all. */
export function compactCount(total: number, fraction: number): number {
  return Math.min(total, Math.max(1, Math.ceil(total * fraction)));
}

/** The budget row spendAndQueue records for `item` (shared by both stores). */
export function spendOf(req: SpendRequest, item: OutboxItem): BudgetSpend {
  return { reportId: item.id, site: req.site, period: req.period, day: req.day, epsilon: req.epsilon };
}

/** How many of a page session's latest batch ids the store keeps (a replay resends only unacknowledged ones). */
export const BATCH_IDS_KEPT = 64;

/** The kv key under which a page session's stored batch ids are kept. */
export const batchKey = (session: string) => `batches:${session}`;

/** The batch ids to keep once `seq` is stored after `seen` (the session's latest BATCH_IDS_KEPT). */
export function batchIdsAfter(seen: readonly number[] | undefined, seq: number): number[] {
  return [...(seen ?? []), seq].slice(-BATCH_IDS_KEPT);
}

/** Applies rollup deltas to a map of rows keyed by rollupKey (shared by both stores). */
export function foldDeltas(get: (key: string) => Rollup | undefined, deltas: Rollup[]): Map<string, Rollup> {
  const touched = new Map<string, Rollup>();
  for (const d of deltas) {
    const key = rollupKey(d);
    touched.set(key, mergeRollup(touched.get(key) ?? get(key), d));
  }
  return touched;
}

export class MemoryStore implements DeviceStore {
  readonly persisted = false;
  private eventList: StoredEvent[] = [];
  private rollupRows = new Map<string, Rollup>();
  private kv = new Map<string, unknown>();
  private auditList: AuditEntry[] = [];
  private outboxItems = new Map<string, OutboxItem>();
  private spends: BudgetSpend[] = [];
  private nextId = 1;

  async addEvents(events: StoredEvent[], deltas: Rollup[], batch?: BatchId) {
    if (batch) {
      const seen = this.kv.get(batchKey(batch.session)) as number[] | undefined;
      if (seen?.includes(batch.seq)) return false;
      this.kv.set(batchKey(batch.session), batchIdsAfter(seen, batch.seq));
    }
    for (const e of events) this.eventList.push({ ...e, id: this.nextId++ });
    for (const [k, r] of foldDeltas((k) => this.rollupRows.get(k), deltas)) this.rollupRows.set(k, r);
    if (deltas.length) this.kv.set(REVISION_KEY, nextRevision(this.kv.get(REVISION_KEY)));
    return true;
  }
  async revision(): Promise<Revision> {
    return [revisionOf(this.kv.get(REVISION_KEY)), this.nextId - 1];
  }
  async rollupsSince(fromDay: number, types?: ReadonlySet<string>) {
    return [...this.rollupRows.values()].filter((r) => r.day >= fromDay && (!types || types.has(r.type)));
  }
  async events() {
    return [...this.eventList];
  }
  async rollups() {
    return [...this.rollupRows.values()];
  }
  async get<T>(key: string) {
    return structuredClone(this.kv.get(key)) as T | undefined;
  }
  async set(key: string, value: unknown) {
    this.kv.set(key, structuredClone(value));
  }
  async audit(entry: Omit<AuditEntry, 'id'>) {
    this.auditList.push({ ...entry, id: this.auditList.length + 1 });
  }
  async auditLog() {
    return [...this.auditList];
  }
  async outbox() {
    return [...this.outboxItems.values()];
  }
  async putOutbox(item: OutboxItem) {
    this.outboxItems.set(item.id, item);
  }
  async removeOutbox(ids: string[]) {
    for (const id of ids) this.outboxItems.delete(id);
  }
  async budget() {
    return [...this.spends];
  }
  async counts() {
    return { rollups: this.rollupRows.size, outbox: this.outboxItems.size };
  }
  async spendAndQueue(
    req: SpendRequest,
    budget: Reporting['budget'] | readonly Reporting['budget'][],
    item: OutboxItem,
  ) {
    const decision = canSpend(this.spends, req, budget);
    if (decision.ok) {
      this.spends.push(spendOf(req, item));
      this.outboxItems.set(item.id, item);
    }
    return decision;
  }
  exclusive<T>(_name: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  async prune(eventsBefore: number, rollupsBefore: number) {
    const e0 = this.eventList.length;
    this.eventList = this.eventList.filter((e) => e.day >= eventsBefore);
    let rollups = 0;
    for (const [k, r] of this.rollupRows)
      if (r.day < rollupsBefore) {
        this.rollupRows.delete(k);
        rollups++;
      }
    if (rollups) this.kv.set(REVISION_KEY, nextRevision(this.kv.get(REVISION_KEY)));
    return { events: e0 - this.eventList.length, rollups };
  }
  async compact(fraction: number) {
    const n = this.eventList.length === 0 ? 0 : compactCount(this.eventList.length, fraction);
    this.eventList = this.eventList.slice(n);
    return n;
  }
  async close() {}
  async destroy() {
    this.eventList = [];
    this.rollupRows.clear();
    this.kv.clear();
    this.auditList = [];
    this.outboxItems.clear();
    this.spends = [];
  }
}
