/**
 * The early release, on the main thread (ARCHITECTURE.md "The start path"): at createSegmenter, while
 * the worker loads, the page reads the site's store itself with plain IndexedDB and releases the
 * stored decision if src/core/decision.ts `earlyDecision` says it is exactly what the worker's first
 * recompute would release now. It never creates, upgrades or holds a database: only a database
 * `indexedDB.databases()` lists is opened, with no version (an upgrade, were it deleted meanwhile, is
 * aborted: nothing is created); two read-only transactions, one of the site's database and one of
 * `edseg-floor`; each connection closes as soon as it has read or another page asks for a version
 * change, and the transactions abort when the segmenter ends the read (the page enters the
 * back/forward cache). No IndexedDB, no `databases()`, an open or read that throws (a private mode):
 * nothing early. The decision's test needs no WebCrypto (decision.ts `basisText`).
 */
import {
  EARLY_KV_KEYS,
  FLOOR_DB,
  earlyDecision,
  siteDbName,
  type BasisConfig,
  type EarlyRead,
} from '../core/decision.js';
import type { EngineConfig } from '../core/protocol.js';
import type { ReleasedSegment } from '../core/schema.js';

export type EarlyDeps = {
  idb: IDBFactory | undefined;
  now: () => number;
  /** the page's origin, the worker's too (a blob: worker's is its creator's) */
  origin: string;
  /** Global Privacy Control as the page reads it now */
  gpc: () => boolean;
};

/** The page's defaults. */
export function pageEarlyDeps(): EarlyDeps {
  const g = globalThis as {
    indexedDB?: IDBFactory;
    location?: Location;
    navigator?: { globalPrivacyControl?: boolean };
  };
  return {
    idb: g.indexedDB,
    now: () => Date.now(),
    origin: g.location?.origin ?? '',
    gpc: () => g.navigator?.globalPrivacyControl === true,
  };
}

const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

const READ_LIMIT_MS = 3_000;

/** A read in flight: `stops` abort its transactions; `stopped` once it was ended. */
type Ending = { stops: (() => void)[]; stopped?: boolean };

/**
 * `[store, key]` pairs of a database that exists, read in one read-only transaction (`null` as the
 * key: the store's last key); null if it cannot be read.
 */
async function readExisting(
  idb: IDBFactory,
  name: string,
  keys: readonly [string, string | null][],
  ending: Ending,
): Promise<unknown[] | null> {
  const db = await new Promise<IDBDatabase | null>((resolve) => {
    const r = idb.open(name);
    // It does not exist after all (deleted meanwhile): aborting the upgrade creates nothing.
    r.onupgradeneeded = () => r.transaction?.abort();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => resolve(null);
  });
  if (!db) return null;
  db.onversionchange = () => db.close();
  try {
    if (ending.stopped) return null;
    const tx = db.transaction([...new Set(keys.map(([s]) => s))], 'readonly');
    ending.stops.push(() => tx.abort());
    return await Promise.all(
      keys.map(([s, k]) =>
        k === null
          ? request(tx.objectStore(s).openKeyCursor(null, 'prev')).then((c) => c?.key)
          : request(tx.objectStore(s).get(k)),
      ),
    );
  } catch {
    return null;
  } finally {
    db.close();
  }
}

/** Reads the store and decides (earlyDecision): the segments to release at once, or null (nothing early). */
export async function earlyRelease(
  config: BasisConfig & Pick<EngineConfig, 'consent'>,
  deps: EarlyDeps,
  ending: Ending = { stops: [] },
): Promise<ReleasedSegment[] | null> {
  const idb = deps.idb;
  if (!idb || typeof idb.databases !== 'function') return null;
  const names = new Set((await idb.databases()).map((d) => d.name));
  // GPC is read before anything is released.
  const gpc = config.pageGpc === true || deps.gpc();
  let read: EarlyRead | null = null;
  if (names.has(siteDbName(config.site))) {
    const [kv, floor] = await Promise.all([
      readExisting(
        idb,
        siteDbName(config.site),
        [...EARLY_KV_KEYS.map((k): [string, string] => ['kv', k]), ['eventChunks', null]],
        ending,
      ),
      names.has(FLOOR_DB) ? readExisting(idb, FLOOR_DB, [['floor', config.site]], ending) : [undefined],
    ]);
    if (!kv || !floor) return null;
    const [consent, declared, manifest, decision, revision, lastChunk] = kv;
    read = { consent, declared, manifest, decision, revision, lastChunk, floor: floor[0] };
  }
  return earlyDecision(read, config, deps.origin, gpc, deps.now());
}

/**
 * The segmenter's early release: reads at once; `release` gets the segments if the read allows it
 * and nothing ended it first, and says whether it emitted them. `end()` stops the read (the worker
 * spoke; the page changed its consent or preferences, forgot, closed, entered the back/forward
 * cache); `take()` ends it too and says whether segments were released early that no worker has
 * confirmed yet (it then no longer counts them). `settled` resolves, once the read is over, with
 * what it released (null: nothing), for the worker (`earlyReleased`: it logs it).
 */
export function pageEarly(
  config: BasisConfig & Pick<EngineConfig, 'consent'>,
  deps: EarlyDeps,
  release: (r: ReleasedSegment[]) => boolean,
): { end(): void; take(): boolean; settled: Promise<ReleasedSegment[] | null> } {
  const ending: Ending = { stops: [] };
  let unconfirmed = false;
  const end = () => {
    if (ending.stopped) return;
    ending.stopped = true;
    for (const stop of ending.stops)
      try {
        stop();
      } catch {
        /* already finished */
      }
  };
  // The worker waits for `settled`: a read another page holds up (a transaction that does not end)
  // is given up after the worker's own limit on its store (worker/deps.ts STORAGE_TIMEOUT_MS).
  const settled = new Promise<ReleasedSegment[] | null>((resolve) => {
    const limit = setTimeout(() => {
      end(); // nothing is released after this: the worker is told nothing was
      resolve(null);
    }, READ_LIMIT_MS);
    void earlyRelease(config, deps, ending)
      .catch(() => null)
      .then((r) => {
        clearTimeout(limit);
        if (r && !ending.stopped) unconfirmed = release(r);
        ending.stopped = true;
        resolve(r && unconfirmed ? r : null);
      });
  });
  return {
    settled,
    end,
    take: () => {
      end();
      const was = unconfirmed;
      unconfirmed = false;
      return was;
    },
  };
}
