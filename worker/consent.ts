/**
 * Consent on the device: recording it, moving what the page held in memory to IndexedDB once it allows
 * persistence, and keeping the tabs of one site in step (consent changes, forget()).
 */
import { purposeAllowed } from '../src/core/policy.js';
import type { EngineConfig } from '../src/core/protocol.js';
import {
  PURPOSES,
  dayOf,
  type Consent,
  type ConsentInput,
  type Declared,
  type ReleasedSegment,
  type StoredManifest,
} from '../src/core/schema.js';
import { STORAGE_TIMEOUT_MS, type AuditLog, type EngineDeps, type TabChannel } from './deps.js';
import { holdNothing, type EngineState } from './state.js';
import type { DeviceStore } from './store.js';

/** The kv key of the day a store was created with nothing known of its site (migrateToPersistent). */
export const FRESH_SINCE_KEY = 'freshSince';

type StoreDeps = Pick<EngineDeps, 'storeExists' | 'openStore' | 'storageTimeoutMs'>;

/**
 * A page that starts where the site's database exists picks it up, with its consent and preferences.
 * Opening the store and its first reads each have a time limit (deps.storageTimeoutMs): a store
 * another page holds (a versionchange it blocks, a transaction frozen with it in the back/forward
 * cache) makes the page run on memory, with explain().storage `{ reason: 'blocked' }`, instead of
 * waiting; the store is tried again at the next report interval (adoptStoredConsent).
 */
export async function resumePersisted(
  s: EngineState,
  config: Pick<EngineConfig, 'site'>,
  deps: StoreDeps,
): Promise<void> {
  const store = await openWithin(s, config.site, deps);
  if (!store) return;
  try {
    const [consent, declared] = await within(
      Promise.all([store.get<Consent>('consent'), store.get<Declared>('declared')]),
      deps,
      'answer its first reads',
    );
    s.store = store;
    s.consent = consent ?? null;
    s.declared = declared ?? {};
  } catch (e) {
    fault(s, e);
    void store.close().catch(() => undefined);
  }
}

/** The site's database, opened within the time limit if it exists; null if it does not or cannot be (a fault recorded). */
function openWithin(s: EngineState, site: string, deps: StoreDeps): Promise<DeviceStore | null> {
  return openOrFault(s, () =>
    within(
      (async () => ((await deps.storeExists(site)) ? deps.openStore(site) : null))(),
      deps,
      'open',
      (late) => void late?.close().catch(() => undefined),
    ),
  );
}

/**
 * `p` within the store's time limit, else a `StorageBlocked` error (what `p` gives later goes to
 * `late`, so that a connection that opens after all is closed at once).
 */
function within<T>(
  p: Promise<T>,
  deps: Pick<EngineDeps, 'storageTimeoutMs'>,
  what: string,
  late: (v: T) => void = () => {},
): Promise<T> {
  const ms = deps.storageTimeoutMs ?? STORAGE_TIMEOUT_MS;
  return new Promise<T>((resolve, reject) => {
    let over = false;
    const timer = setTimeout(() => {
      over = true;
      const e = new Error(`blocked by another page of this site: IndexedDB did not ${what} within ${ms} ms`);
      e.name = 'StorageBlocked';
      reject(e);
    }, ms);
    p.then(
      (v) => (over ? late(v) : (clearTimeout(timer), resolve(v))),
      (e: unknown) => void (over || (clearTimeout(timer), reject(e))),
    );
  });
}

/** Records why IndexedDB cannot be used; a time limit (StorageBlocked) is tried again later. */
function fault(s: EngineState, e: unknown): void {
  s.storageFault = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  s.storageBlocked = e instanceof Error && e.name === 'StorageBlocked';
}

/**
 * A store found blocked is tried again: opened and read within the time limit, then closed. True when
 * it answered (or no database exists), so the caller goes on as with a free store.
 */
async function unblock(
  s: EngineState,
  config: Pick<EngineConfig, 'site'>,
  deps: StoreDeps,
): Promise<boolean> {
  s.storageFault = null;
  s.storageBlocked = false;
  const probe = await openWithin(s, config.site, deps);
  if (!probe) return s.storageFault === null;
  try {
    await within(probe.get('consent'), deps, 'answer its first reads');
    return true;
  } catch (e) {
    fault(s, e);
    return false;
  } finally {
    void probe.close().catch(() => undefined);
  }
}

/** Records the page's consent (with GPC), persisting first if it allows some purpose, and audits the change. */
export async function recordConsent(
  s: EngineState,
  input: ConsentInput,
  config: Pick<EngineConfig, 'site' | 'pageGpc'>,
  deps: Pick<EngineDeps, 'gpc' | 'now' | 'openStore' | 'storeExists' | 'floor' | 'storageTimeoutMs'>,
  log: AuditLog,
): Promise<void> {
  const before = s.consent;
  const consent: Consent = {
    ...input,
    gpc: deps.gpc() || config.pageGpc === true,
    updatedAt: deps.now(),
  };
  s.consent = consent;
  const persist = PURPOSES.some((p) => purposeAllowed(consent, p).allowed);
  if (persist && !s.store.persisted) await migrateToPersistent(s, config, deps);
  await s.store.set('consent', consent);
  await log('consent-changed', { before, after: consent, persisted: s.store.persisted });
}

/**
 * Adopts the consent record another tab stored (the store holds the latest write of any tab);
 * true when it differs from the one held, so the segments must be recomputed.
 */
export async function adoptStoredConsent(
  s: EngineState,
  config: Pick<EngineConfig, 'site'>,
  deps: StoreDeps & Pick<EngineDeps, 'floor' | 'now'>,
): Promise<boolean> {
  if (!s.store.persisted) {
    if (s.storageBlocked && !(await unblock(s, config, deps))) return false;
    // Another tab may have created the database with a consent record since this page started:
    // what this page held in memory moves there, as on a local consent.
    if (s.storageFault !== null || !(await deps.storeExists(config.site).catch(() => false))) return false;
    await migrateToPersistent(s, config, deps);
    if (!s.store.persisted) return false;
  }
  const stored = (await s.store.get<Consent>('consent')) ?? null;
  if (!stored || JSON.stringify(stored) === JSON.stringify(s.consent)) return false;
  s.consent = stored;
  s.declared = (await s.store.get<Declared>('declared')) ?? s.declared;
  return true;
}

/** Consent changes and forget() in one tab take effect in every other tab of this site at once. */
export function listenToTabs(
  channel: EngineDeps['channel'],
  config: Pick<EngineConfig, 'site'>,
  on: { consentChanged: () => void; forgotten: () => void },
): TabChannel | null {
  const tabs = channel(`edseg:${config.site}`);
  if (!tabs) return null;
  tabs.onmessage = (ev) => {
    if (ev.data.kind === 'consent-changed') on.consentChanged();
    if (ev.data.kind === 'forgotten') on.forgotten();
  };
  return tabs;
}

/** Another tab deleted everything: stop, hold nothing, release nothing. */
export async function forgottenElsewhere(
  s: EngineState,
  stop: () => void,
  notify: (released: ReleasedSegment[]) => void,
): Promise<void> {
  if (s.forgotten) return;
  s.forgotten = true;
  stop();
  await s.store.close().catch(() => undefined);
  holdNothing(s);
  notify([]);
}

/** Moves what the page held in memory into IndexedDB, once consent allows persistence. */
async function migrateToPersistent(
  s: EngineState,
  config: Pick<EngineConfig, 'site'>,
  deps: Pick<EngineDeps, 'openStore' | 'storeExists' | 'floor' | 'storageTimeoutMs' | 'now'>,
): Promise<void> {
  const mem = s.store;
  // The floor remembers this site but its store is gone, deleted other than by forget() (which notes
  // the last spend): that spend's day is unknown, so today stands for it (PRIVACY.md "Storage that
  // disappears"). Where the browser cannot tell whether the database exists, nothing is assumed.
  // A store created with nothing known of the site (no floor record: a new device, or a full wipe such
  // as Safari's 7-day rule) notes its creation day (FRESH_SINCE_KEY): under a manifest's
  // `freshStore: 'wait'` it counts as a last spend (report.ts lastSpendFor).
  let fresh = false;
  if (!(await deps.storeExists(config.site).catch(() => true))) {
    const known = await deps.floor.record(config.site);
    if (known && known.lastSpend === undefined)
      await deps.floor.noteLastSpend(config.site, dayOf(deps.now()), true);
    fresh = known === undefined;
  }
  const idb = await openOrFault(s, () =>
    within(deps.openStore(config.site), deps, 'open', (late) => void late.close().catch(() => undefined)),
  );
  if (!idb) return; // IndexedDB unavailable: the page goes on in memory (explain: storage.reason 'unavailable')
  // Another tab may have created it meanwhile with its own day: the first one stays.
  if (fresh && (await idb.get(FRESH_SINCE_KEY)) === undefined)
    await idb.set(FRESH_SINCE_KEY, dayOf(deps.now()));
  const events = await mem.events();
  // The page's rollups merge into whatever other tabs already rolled up.
  if (events.length) await idb.addEvents(events, await mem.rollups());
  const declared = await mem.get('declared');
  if (declared !== undefined) await idb.set('declared', declared);
  // Another tab may have cached a newer manifest meanwhile: keep the higher version.
  const held = await mem.get<StoredManifest>('manifest');
  const stored = await idb.get<StoredManifest>('manifest');
  if (held !== undefined && (stored === undefined || stored.version < held.version))
    await idb.set('manifest', held);
  for (const a of await mem.auditLog()) {
    const { id: _id, ...rest } = a;
    await idb.audit(rest);
  }
  for (const item of await mem.outbox()) await idb.putOutbox(item);
  // The rollback floor the page held in memory is persisted with the rest (floor.ts).
  if (s.current) await deps.floor.raise(config.site, s.current.meta.version, true);
  await mem.destroy();
  s.store = idb;
}

/**
 * Opens IndexedDB, or records why it cannot be (blocked, a private mode without it, a broken
 * factory): the page then runs on the MemoryStore it has, and explain() says so.
 */
async function openOrFault(
  s: EngineState,
  open: () => Promise<DeviceStore | null>,
): Promise<DeviceStore | null> {
  if (s.storageFault !== null) return null;
  try {
    return await open();
  } catch (e) {
    fault(s, e);
    return null;
  }
}
