/**
 * The rollback floor: the highest manifest version this device accepted, per site, so that it never
 * accepts a lower one (a replayed older manifest with a laxer policy), not even after forget().
 *
 * It is kept apart from the learner's data, in its own IndexedDB database `edseg-floor`, which
 * forget() does not delete and which holds one record per site, `{ site, version }`, plus after
 * forget() `lastSpend` (the day of the device's last spend for the site, or null), and nothing else:
 * every device that saw version v of a site, and spent last on that day, holds the same record, so it
 * identifies nobody (docs/PRIVACY.md "Storage that disappears").
 *
 * Nothing is persisted before consent (engine.ts): a site's record (and the database) is created
 * only when the caller says consent allows persistence; until then the floor lives in memory, for
 * the page. Once a site's record exists (also after forget()), it is read and raised whatever the consent.
 */
import { databaseExists } from './idb.js';
import { open as openDb, request, transaction } from './idb-request.js';
import { FLOOR_DB } from '../src/core/decision.js';

/**
 * One site's record. `lastSpend`: set by forget() (and when the learner's database is found gone
 * while this record stayed): the last day this device may have spent budget for the site (null: it
 * had spent none), so that a new store of the site reports again only once no budget window can hold
 * both that spend and a new one (docs/PRIVACY.md "Storage that disappears").
 */
type FloorRecord = { site: string; version: number; lastSpend?: number | null };

/** The highest accepted manifest version per site, and the last spend a deleted store left behind. */
export type VersionFloor = {
  /** the highest version accepted for the site, held or stored; `persist`: consent allows opening the database */
  get(site: string, persist: boolean): Promise<number | undefined>;
  /** raises the site's floor to `version` (never lowers it); `persist`: consent allows creating the database */
  raise(site: string, version: number, persist: boolean): Promise<void>;
  /**
   * the site's stored record as it is (no record: undefined), with `lastSpend` as held in memory too
   * where this page recorded one
   */
  record(site: string): Promise<Omit<FloorRecord, 'site'> | undefined>;
  /**
   * Records that the site's store was deleted after a last spend on `day` (null: none): only ever
   * later, never earlier. `persist`: consent allows creating the record.
   */
  noteLastSpend(site: string, day: number | null, persist: boolean): Promise<void>;
};

/** A floor in memory for the page, and in the `edseg-floor` database of `idb` when there is one. */
export function versionFloor(idb: IDBFactory | undefined): VersionFloor {
  const memory = new Map<string, number>();
  const spentMemory = new Map<string, number | null>();
  const later = (a: number | null | undefined, b: number | null | undefined) =>
    a === undefined ? b : b === undefined ? a : a === null ? b : b === null ? a : Math.max(a, b);
  // Opening creates the database: only with consent, or when it exists already.
  // Where IndexedDB fails (blocked, a private mode), the floor is the one in memory, as without it.
  let broken = false;
  const mayOpen = async (persist: boolean) =>
    idb !== undefined && !broken && (persist || (await databaseExists(FLOOR_DB).catch(() => false)));
  const guarded = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch {
      broken = true;
    }
  };
  const open = () => openDb(FLOOR_DB, 1, (db) => void db.createObjectStore('floor', { keyPath: 'site' }));
  // One record, in its own transaction; `write` (with the record read) in the same one, when given.
  const use = async (site: string, write?: (stored: FloorRecord | undefined) => FloorRecord | undefined) => {
    const db = await open();
    try {
      const { tx, done } = transaction(db, 'floor', write ? 'readwrite' : 'readonly');
      const store = tx.objectStore('floor');
      const stored = (await request(store.get(site))) as FloorRecord | undefined;
      const next = write?.(stored);
      if (next) await request(store.put(next));
      await done;
      return stored;
    } finally {
      db.close();
    }
  };
  return {
    async get(site, persist) {
      let stored: number | undefined;
      if (await mayOpen(persist))
        await guarded(async () => {
          stored = (await use(site))?.version;
        });
      const held = memory.get(site);
      return held === undefined || stored === undefined ? (held ?? stored) : Math.max(held, stored);
    },
    async raise(site, version, persist) {
      memory.set(site, Math.max(version, memory.get(site) ?? version));
      if (!(await mayOpen(persist))) return;
      // One readwrite transaction: two tabs raising at once keep the higher version.
      await guarded(async () => {
        await use(site, (record) => {
          const stored = record?.version;
          const highest = memory.get(site)!;
          // A record is created only with consent; one that exists (kept after forget()) is raised.
          return (persist || stored !== undefined) && highest > (stored ?? 0)
            ? { ...record, site, version: highest }
            : undefined;
        });
      });
    },
    async record(site) {
      let stored: FloorRecord | undefined;
      if (await mayOpen(false))
        await guarded(async () => {
          stored = await use(site);
        });
      const held = spentMemory.get(site);
      if (!stored)
        return held === undefined ? undefined : { version: memory.get(site) ?? 1, lastSpend: held };
      const { site: _s, ...rest } = stored;
      const lastSpend = later(rest.lastSpend, held);
      return lastSpend === undefined ? rest : { ...rest, lastSpend };
    },
    async noteLastSpend(site, day, persist) {
      spentMemory.set(site, later(spentMemory.get(site), day) ?? null);
      if (!(await mayOpen(persist))) return;
      await guarded(async () => {
        await use(site, (stored) =>
          persist || stored
            ? {
                site,
                version: Math.max(stored?.version ?? 1, memory.get(site) ?? 1),
                lastSpend: later(stored?.lastSpend, spentMemory.get(site)) ?? null,
              }
            : undefined,
        );
      });
    },
  };
}
