/**
 * The early release's store read (start.ts): what the start path would read, read with plain
 * IndexedDB (no idb library, no engine), and the decision it allows, if any. It never creates,
 * upgrades or holds a database: an open that would create one is aborted, a connection closes as soon
 * as it has read or another page asks for a version change.
 */
import type { ReleasedSegment, StoredManifest } from '../src/core/schema.js';
import { dayOf } from '../src/core/schema/time.js';
import type { EngineConfig } from '../src/core/protocol.js';
import type { EngineDeps } from './deps.js';
import { DECISION_KEY, REVISION_KEY, configBasis, revisionOf, stillValid } from './decision.js';

/** The learner's database of a site (idb.ts). */
export const siteDbName = (site: string) => `edseg:${site}`;
/** The rollback floor's database (floor.ts). */
export const FLOOR_DB = 'edseg-floor';

export type EarlyDeps = Pick<EngineDeps, 'now' | 'origin' | 'gpc'> & {
  /** the IndexedDB factory (default: the worker's own) */
  idb?: IDBFactory | undefined;
};

const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });

/** Reads `[store, key]` pairs of a database that exists, in one read-only transaction; null if it cannot. */
async function readExisting(
  idb: IDBFactory,
  name: string,
  keys: readonly [string, string | typeof LAST][],
): Promise<unknown[] | null> {
  const db = await new Promise<IDBDatabase | null>((resolve) => {
    const r = idb.open(name);
    // It does not exist after all (deleted meanwhile): create nothing.
    r.onupgradeneeded = () => r.transaction?.abort();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => resolve(null);
  });
  if (!db) return null;
  db.onversionchange = () => db.close();
  try {
    const tx = db.transaction([...new Set(keys.map(([s]) => s))], 'readonly');
    return await Promise.all(
      keys.map(([s, k]) =>
        k === LAST
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

/** What the early release reads of the learner's store: [object store, key], the last chunk's key with `LAST`. */
const LAST = Symbol('last key');
const KEYS: [string, string | typeof LAST][] = [
  ['kv', 'consent'],
  ['kv', 'declared'],
  ['kv', 'manifest'],
  ['kv', DECISION_KEY],
  ['kv', REVISION_KEY],
  ['eventChunks', LAST],
];

/**
 * What the first recompute would release now, if it can be known from the store alone, else null:
 * - no learner database and no consent in the options: no consent record, so nothing (`[]`);
 * - a stored decision whose basis (decision.ts) equals the one read now (the stored manifest,
 *   consent, GPC read now, preferences, rollup revision, today, the config's keys and ceilings, the
 *   origin), with `now` in its span, under a stored manifest the floor does not refuse: its segments.
 */
export async function earlyRelease(
  config: Pick<
    EngineConfig,
    'site' | 'publicKeys' | 'maxEpsilonPerReport' | 'maxEpsilonWindow' | 'pageGpc' | 'consent'
  >,
  deps: EarlyDeps,
): Promise<ReleasedSegment[] | null> {
  const idb = deps.idb ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb || typeof idb.databases !== 'function') return null;
  const names = new Set((await idb.databases()).map((d) => d.name));
  // GPC is read before anything is released.
  const gpc = config.pageGpc === true || deps.gpc();
  if (!names.has(siteDbName(config.site))) return config.consent ? null : [];
  const [kv, floor] = await Promise.all([
    readExisting(idb, siteDbName(config.site), KEYS),
    names.has(FLOOR_DB) ? readExisting(idb, FLOOR_DB, [['floor', config.site]]) : [undefined],
  ]);
  if (!kv || !floor) return null;
  const [consent, declared, manifest, decision, revision, lastChunk] = kv as [
    Parameters<typeof stillValid>[2]['consent'] | undefined,
    Parameters<typeof stillValid>[2]['declared'] | undefined,
    StoredManifest | undefined,
    unknown,
    unknown,
    unknown,
  ];
  if (!consent) return config.consent ? null : [];
  if (typeof manifest?.jws !== 'string' || typeof manifest.version !== 'number') return null;
  const floorVersion = (floor[0] as { version?: unknown } | undefined)?.version;
  if (typeof floorVersion === 'number' && floorVersion > manifest.version) return null;
  const now = deps.now();
  return stillValid(decision, now, {
    ...configBasis(config, deps.origin),
    jws: manifest.jws,
    consent,
    gpc,
    declared: declared ?? {},
    revision: [revisionOf(revision), typeof lastChunk === 'number' ? lastChunk : 0],
    day: dayOf(now),
  });
}
