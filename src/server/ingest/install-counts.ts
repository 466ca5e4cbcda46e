/**
 * The installation view's counters of one process, kept in memory: GET /v1/sites/:site/manifest is
 * unauthenticated, so a request must not cost a database write. Manifest requests (per site, hour
 * and page origin, at most MAX_ORIGINS_PER_HOUR origins a site and hour, the rest OTHER_ORIGIN) and
 * refused reports (per site, hour and reason) are added up here and flushed as one upsert
 * (InstallationStore.addInstallCounts) every `everyMs` (INSTALL_FLUSH_MS), when the installation
 * view is read (this process's counts show at once; another process's within `everyMs`) and on
 * close. A flush that fails keeps its counts for the next one.
 */
import type { ReportRefusalReason } from '../../core/schema.js';
import type { InstallIncrement } from '../storage/sql/installation.js';
import { MAX_ORIGINS_PER_HOUR, OTHER_ORIGIN } from '../storage/sql/installation.js';
import type { Store } from '../storage/store.js';

/** How often a process writes its counts (at most one statement each time). */
export const INSTALL_FLUSH_MS = 30_000;
/** The most distinct counters held between flushes; further new ones are dropped (existing ones still count). */
export const MAX_PENDING_COUNTERS = 10_000;

export type InstallCounter = {
  /** One manifest request of an existing `site` from page `origin` in `hour`. */
  manifestRequest(site: string, origin: string, hour: number): void;
  /** One refused report batch of `site` in `hour` (a site that does not exist is dropped by the flush). */
  refused(site: string, reason: ReportRefusalReason, hour: number): void;
  /** Writes what is pending (after any flush under way); never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
};

export type InstallCounterOptions = {
  store: Pick<Store, 'addInstallCounts'>;
  /** default INSTALL_FLUSH_MS */
  everyMs?: number;
  /** a failed flush (its counts are kept) or counters dropped past MAX_PENDING_COUNTERS */
  onError?: (message: string, detail: Record<string, string | number>) => void;
};

export function createInstallCounter(opts: InstallCounterOptions): InstallCounter {
  const onError = opts.onError ?? (() => undefined);
  let pending = new Map<string, InstallIncrement>();
  /** Per site and hour: the distinct origins pending (OTHER_ORIGIN not included). */
  let origins = new Map<string, number>();
  let dropped = 0;
  let chain: Promise<void> = Promise.resolve();

  const idOf = (r: Omit<InstallIncrement, 'n'>) => JSON.stringify([r.site, r.hour, r.kind, r.key]);
  /** Adds `r` to the pending counters; false when it is new and there is no room. */
  const add = (r: InstallIncrement): boolean => {
    const id = idOf(r);
    const have = pending.get(id);
    if (have) {
      have.n += r.n;
      return true;
    }
    if (pending.size >= MAX_PENDING_COUNTERS) {
      dropped += r.n;
      return false;
    }
    pending.set(id, { ...r });
    if (r.kind === 'origin' && r.key !== OTHER_ORIGIN) {
      const sh = `${r.site}\u0000${r.hour}`;
      origins.set(sh, (origins.get(sh) ?? 0) + 1);
    }
    return true;
  };

  const flushOnce = async (): Promise<void> => {
    if (dropped > 0) {
      onError('installation counters dropped: too many distinct counters between flushes', { dropped });
      dropped = 0;
    }
    if (pending.size === 0) return;
    const rows = [...pending.values()];
    pending = new Map();
    origins = new Map();
    try {
      await opts.store.addInstallCounts(rows);
    } catch (e) {
      onError('writing the installation counters failed (kept for the next flush)', {
        error: e instanceof Error ? e.message : String(e),
        counters: rows.length,
      });
      for (const r of rows) add(r);
    }
  };

  const flush = (): Promise<void> => {
    chain = chain.then(flushOnce);
    return chain;
  };
  const timer = setInterval(() => void flush(), opts.everyMs ?? INSTALL_FLUSH_MS);
  timer.unref();

  return {
    manifestRequest(site, origin, hour) {
      let key = origin;
      if (origin !== OTHER_ORIGIN && !pending.has(idOf({ site, hour, kind: 'origin', key: origin }))) {
        if ((origins.get(`${site}\u0000${hour}`) ?? 0) >= MAX_ORIGINS_PER_HOUR) key = OTHER_ORIGIN;
      }
      add({ site, hour, kind: 'origin', key, n: 1 });
    },
    refused(site, reason, hour) {
      add({ site, hour, kind: 'refused', key: reason, n: 1 });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
