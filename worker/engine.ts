/**
 * The engine: owns all learner state on the device and runs the one-way flow
 *   manifest (verified) -> minimise -> store -> rollups -> features -> assign -> decide -> release
 *                                                                           \-> report -> outbox -> collector
 * Contracts:
 * - nothing is persisted before a consent record that allows some purpose; until then the MemoryStore holds it;
 * - only event types and props some feature of the current manifest reads are stored;
 * - recompute reads rollups for the largest feature window, never the raw events;
 * - a report is built only through buildReport, spent through the accountant, sent only to collectorUrl;
 * - after forget(), every store is gone and no request is made.
 */
import { EdsegError } from '../src/core/errors.js';
import { minimise } from '../src/core/minimise.js';
import { rollupDeltas } from '../src/core/rollup.js';
import { computeFeatures, rollupWindowDays } from '../src/core/features.js';
import { ready as tfReady } from '../src/core/tf.js';
import { assign, modelInput } from '../src/core/model.js';
import { decide, purposeAllowed } from '../src/core/policy.js';
import type { DebugListener, EngineApi, EngineConfig, InitResult, TimedEvent } from '../src/core/protocol.js';
import {
  BatchId,
  ConsentInput,
  DAY_MS,
  Declared,
  dayOf,
  parseOrThrow,
  type DeviceExport,
  type Explanation,
  type ReleasedSegment,
  type StoredEvent,
} from '../src/core/schema.js';
import {
  fetchJws,
  hasExpired,
  loadManifest,
  refreshManifest,
  refreshWaitMs,
  retryWaitMs,
} from './manifest.js';
import { consentInForce, holdEvents, holdNothing, initialState, type EngineState } from './state.js';
import { isQuotaError } from './store.js';
import { deviceExport, explanation } from './explain.js';
import { deliverOutbox, dropDisallowedReports, maybeReport } from './report.js';
import {
  adoptStoredConsent,
  forgottenElsewhere,
  listenToTabs,
  recordConsent,
  resumePersisted,
} from './consent.js';
import { browserDeps, type AuditLog, type EngineDeps, type TabChannel } from './deps.js';

export { browserDeps, type EngineDeps, type TabChannel, type TabMessage } from './deps.js';

const DEFAULT_REPORT_INTERVAL_MS = 300_000;
const DEFAULT_MANIFEST_REFRESH_MS = 3_600_000;
/** The longest a setTimeout can wait (about 24.8 days); a longer expiry is re-armed when it fires. */
const MAX_TIMEOUT_MS = 2_147_483_647;
/** The soonest a timed retry runs, so a collector answering Retry-After: 0 cannot make the engine spin. */
const MIN_RETRY_MS = 1_000;
/**
 * How long after an ingest the segments are recomputed when nothing asks sooner: the ingests of that
 * time are coalesced into one recompute (segments(), explain(), flush() and exportData() recompute at once).
 */
export const RECOMPUTE_DELAY_MS = 50;

export class Engine implements EngineApi {
  private config!: EngineConfig;
  private readonly state: EngineState = initialState();
  private notify: (released: ReleasedSegment[]) => void = () => {};
  private initDone: Promise<InitResult> | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  /** the one timer for the earliest queued report's next attempt */
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** the one timer for the next manifest refresh (or retry, while none is adopted) */
  private manifestTimer: ReturnType<typeof setTimeout> | undefined;
  /** fires when the adopted manifest expires */
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** manifest loads that failed in a row since the last adopted one (the retry backoff) */
  private manifestFailures = 0;
  /** the JWS the manifest URL answered last: the same answer again is not verified again */
  private seenJws: string | null = null;
  private stopped = false;
  /** events were stored since the last recompute: the segments are recomputed lazily (recomputeIfDirty) */
  private dirty = false;
  private recomputeTimer: ReturnType<typeof setTimeout> | undefined;
  private work: Promise<unknown> = Promise.resolve();
  private tabs: TabChannel | null = null;
  /** the page's debug listener, only when it asked for debug notes (config.debug) */
  private debug: DebugListener | undefined;
  private readonly log: AuditLog = async (kind, detail) => {
    this.debug?.(kind, detail);
    await this.state.store.audit({ ts: this.deps.now(), kind, detail });
  };

  constructor(private readonly deps: EngineDeps = browserDeps()) {}

  // ------------------------------------------------------------------ EngineApi

  init(
    config: EngineConfig,
    onSegments: (released: ReleasedSegment[]) => void,
    onDebug?: DebugListener,
  ): Promise<InitResult> {
    if (this.initDone) return this.initDone;
    this.config = config;
    this.notify = onSegments;
    if (config.debug && onDebug) this.debug = onDebug;
    this.initDone = this.start();
    return this.initDone;
  }

  async ingest(events: TimedEvent[], batch?: BatchId): Promise<void> {
    await this.ready();
    const id = batch === undefined ? undefined : parseOrThrow(BatchId, batch, 'batch');
    await this.serial(async () => {
      await this.noticeExpiry();
      // No manifest yet, so nothing says what may be stored: hold the events in memory until one arrives.
      if (!this.state.current) return holdEvents(this.state, events);
      if (await this.storeEvents(events, id)) this.markDirty();
    });
  }

  async declare(prefs: Declared): Promise<void> {
    await this.ready();
    const p = parseOrThrow(Declared, prefs, 'prefs');
    await this.serial(async () => {
      this.state.declared = { ...this.state.declared, ...p };
      await this.state.store.set('declared', this.state.declared);
      await this.recompute(false);
    });
  }

  async setConsent(input: ConsentInput): Promise<void> {
    await this.ready();
    const c = parseOrThrow(ConsentInput, input, 'consent');
    await this.serial(() => this.applyConsent(c));
  }

  async segments(): Promise<ReleasedSegment[]> {
    await this.ready();
    return this.serial(async () => {
      await this.noticeExpiry();
      await this.recomputeIfDirty();
      await this.decideWithCurrentGpc();
      return this.state.released;
    });
  }

  async explain(): Promise<Explanation> {
    await this.ready();
    return this.serial(async () => {
      await this.noticeExpiry();
      await this.recomputeIfDirty();
      await this.decideWithCurrentGpc();
      return explanation(this.state, this.config, this.deps);
    });
  }

  async flush(): Promise<{ sent: number; pending: number }> {
    await this.ready();
    return this.serial(async () => {
      // Another tab may have changed or withdrawn consent: the report decision reads the stored record.
      await this.syncConsent();
      await this.noticeExpiry();
      await this.recomputeIfDirty();
      await this.decideWithCurrentGpc();
      await maybeReport(this.state, this.config, this.deps, this.log);
      return this.deliver();
    });
  }

  async online(): Promise<void> {
    await this.ready();
    // What failed for want of a network is tried at once (not what a Retry-After holds back).
    await this.serial(() => this.deliver(true));
  }

  async exportData(): Promise<DeviceExport> {
    await this.ready();
    return this.serial(async () => {
      await this.recomputeIfDirty();
      return deviceExport(this.state, this.config, this.deps);
    });
  }

  async forget(): Promise<void> {
    if (this.initDone) await this.initDone.catch(() => undefined);
    this.state.forgotten = true;
    await this.work.catch(() => undefined);
    this.tabs?.postMessage({ kind: 'forgotten' });
    this.stop();
    await this.state.store.destroy();
    // A database may exist from an earlier page even while this page ran on memory.
    // (Where IndexedDB is unavailable there is none to delete.)
    if (!this.state.store.persisted && (await this.deps.storeExists(this.config.site).catch(() => false)))
      await (await this.deps.openStore(this.config.site)).destroy();
    holdNothing(this.state);
  }

  async close(): Promise<void> {
    this.stop();
    await this.work.catch(() => undefined);
    await this.state.store.close();
  }

  // ------------------------------------------------------------------ flow

  private async start(): Promise<InitResult> {
    // The start path runs at once what does not depend on the rest: TF.js's start-up (the assignment
    // engine, needed by the first recompute), the manifest request, and opening the store with its
    // stored state; the manifest is verified and adopted once both the answer and the store are there.
    tfReady().catch(() => undefined); // a failure surfaces in the first recompute, which awaits it again
    const fetching = fetchJws(this.config, this.deps);
    await resumePersisted(this.state, this.config, this.deps);
    const loaded = await loadManifest(
      this.state.store,
      this.config,
      this.deps,
      this.log,
      undefined,
      fetching,
    );
    this.state.current = loaded.current;
    this.state.manifestStatus = loaded.manifestStatus;
    this.seenJws = loaded.fetched;
    if (!loaded.current) this.manifestFailures = 1;
    await this.applyRetention();
    if (this.config.consent && !this.state.consent)
      await this.applyConsent(parseOrThrow(ConsentInput, this.config.consent, 'options.consent'));
    else {
      // GPC may be on now though it was off when the stored consent was recorded.
      await this.redecide();
    }
    this.tabs = listenToTabs(this.deps.channel, this.config, {
      consentChanged: () => void this.serial(() => this.syncConsent()).catch(() => undefined),
      forgotten: () =>
        void forgottenElsewhere(
          this.state,
          () => this.stop(),
          (r) => this.notify(r),
        ),
    });
    const every = this.reportInterval();
    this.timers.push(
      setInterval(() => {
        void this.flush().catch(() => undefined);
      }, every),
    );
    this.timers.push(
      setInterval(() => {
        void this.serial(() => this.applyRetention()).catch(() => undefined);
      }, DAY_MS),
    );
    this.scheduleManifest();
    this.watchExpiry();
    return {
      manifestVersion: this.state.current?.meta.version ?? null,
      persisted: this.state.store.persisted,
    };
  }

  // ------------------------------------------------------------------ the manifest while the page is open

  /**
   * Arms the one manifest timer: an adopted manifest is refreshed every manifestRefreshMs (+-25%
   * jitter); while none is adopted, the load is retried with exponential backoff and full jitter.
   */
  private scheduleManifest(): void {
    clearTimeout(this.manifestTimer);
    if (this.stopped) return;
    const every = this.config.manifestRefreshMs ?? DEFAULT_MANIFEST_REFRESH_MS;
    const wait = this.state.current
      ? refreshWaitMs(every, this.deps.rng)
      : retryWaitMs(this.manifestFailures, every, this.deps.rng);
    this.manifestTimer = setTimeout(() => {
      void this.serial(() => this.refreshManifest())
        .catch(() => undefined)
        .then(() => this.scheduleManifest());
    }, wait);
  }

  /** Fetches the manifest again; a new version is adopted without a reload (re-verified, redecided, the page notified). */
  private async refreshManifest(): Promise<void> {
    const r = await refreshManifest(
      this.state.current,
      this.seenJws,
      this.state.store,
      this.config,
      this.deps,
      this.log,
    );
    this.seenJws = r.fetched ?? this.seenJws;
    this.manifestFailures = r.current ? 0 : this.manifestFailures + 1;
    this.state.manifestStatus = r.manifestStatus;
    if (r.changed) {
      this.state.current = r.current;
      this.watchExpiry();
      // What was held for want of a manifest is minimised by this one and stored.
      const held = this.state.held;
      this.state.held = [];
      await this.storeEvents(held);
      await this.applyRetention();
      await this.redecide();
    }
    await this.dropIfExpired();
  }

  /**
   * Before any decision: an adopted manifest past its expiresAt is fetched again at once (the server
   * re-signs daily, so an open page moves on to the new one); if none comes that checks out, it is dropped.
   */
  private async noticeExpiry(): Promise<void> {
    const cur = this.state.current;
    if (cur && hasExpired(cur, this.deps.now())) await this.refreshManifest();
  }

  /** An adopted manifest past its expiresAt stops releasing and reporting at once, as at start. */
  private async dropIfExpired(): Promise<void> {
    const cur = this.state.current;
    if (!cur || !hasExpired(cur, this.deps.now())) return;
    this.state.current = null;
    this.state.manifestStatus = { status: 'refused', reason: 'expired' };
    await this.log('manifest-refused', {
      reason: 'expired',
      message: `expired at ${cur.manifest.expiresAt}`,
      version: cur.meta.version,
    });
    await this.redecide();
    // Retried soon, with backoff, as a load that failed.
    this.manifestFailures = 1;
    this.scheduleManifest();
  }

  /** Arms a timer for the adopted manifest's expiry, so it is noticed even when the page asks nothing. */
  private watchExpiry(): void {
    clearTimeout(this.expiryTimer);
    const cur = this.state.current;
    if (!cur || this.stopped) return;
    const wait = Math.min(MAX_TIMEOUT_MS, Math.max(0, Date.parse(cur.manifest.expiresAt) - this.deps.now()));
    this.expiryTimer = setTimeout(() => {
      void this.serial(async () => {
        await this.noticeExpiry();
        if (this.state.current === cur) this.watchExpiry(); // a clock that moved: not expired yet
      }).catch(() => undefined);
    }, wait);
  }

  /**
   * Minimises the events by the adopted manifest and writes what is kept, with its rollups, in one
   * transaction; true when something was stored. When the quota is exceeded, the oldest raw events
   * are compacted (their data lives on in the daily rollups) and the write is tried again; if it
   * still does not fit, only the rollups are written. Consent, budget and outbox are never touched.
   */
  private async storeEvents(events: readonly TimedEvent[], batch?: BatchId): Promise<boolean> {
    const cur = this.state.current;
    if (!cur || events.length === 0) return false;
    const kept: StoredEvent[] = [];
    for (const ev of events) {
      const m = minimise(ev, cur.vocab);
      if (m) kept.push(m);
    }
    if (kept.length === 0) return false;
    const store = this.state.store;
    const deltas = kept.flatMap(rollupDeltas);
    try {
      return await store.addEvents(kept, deltas, batch);
    } catch (e) {
      if (!isQuotaError(e)) throw e;
    }
    const compacted = await store.compact(0.5);
    await this.log('storage-compacted', { eventsDeleted: compacted, reason: 'quota-exceeded' }).catch(
      () => undefined,
    );
    try {
      return await store.addEvents(kept, deltas, batch);
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      await store.addEvents([], deltas, batch);
      await this.log('events-dropped', {
        events: kept.length,
        reason: 'quota-exceeded',
        rollups: true,
      }).catch(() => undefined);
    }
    return true;
  }

  private reportInterval(): number {
    return this.config.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
  }

  /** Delivers the outbox (inside serial), then times one retry for the earliest next attempt still queued. */
  private async deliver(online = false): Promise<{ sent: number; pending: number }> {
    const { next, ...result } = await deliverOutbox(this.state, this.config, this.deps, this.log, online);
    clearTimeout(this.retry);
    if (next !== null && !this.stopped) {
      // Never later than the report interval, whose timer tries anyway (and a clock set back cannot overflow it).
      const wait = Math.min(this.reportInterval(), Math.max(MIN_RETRY_MS, next - this.deps.now()));
      this.retry = setTimeout(() => void this.serial(() => this.deliver()).catch(() => undefined), wait);
    }
    return result;
  }

  private async ready(): Promise<void> {
    if (this.state.forgotten)
      throw new EdsegError('forgotten', 'edseg: local data was deleted with forget()');
    if (!this.initDone) throw new EdsegError('closed', 'edseg: the engine was not initialised');
    await this.initDone;
  }

  /** Runs state-changing work one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.work
      .catch(() => undefined)
      .then(() => {
        if (this.state.forgotten)
          throw new EdsegError('forgotten', 'edseg: local data was deleted with forget()');
        return fn();
      });
    this.work = next;
    return next;
  }

  private async applyRetention(): Promise<void> {
    if (!this.state.current) return;
    const today = dayOf(this.deps.now());
    const { rawEventDays, rollupDays } = this.state.current.manifest.retention;
    const r = await this.state.store.prune(today - rawEventDays + 1, today - rollupDays + 1);
    if (r.events || r.rollups)
      await this.log('retention', {
        eventsDeleted: r.events,
        rollupsDeleted: r.rollups,
        rawEventDays,
        rollupDays,
      });
  }

  /** Stored events change the features: recompute within RECOMPUTE_DELAY_MS, or sooner when asked. */
  private markDirty(): void {
    this.dirty = true;
    if (this.recomputeTimer !== undefined || this.stopped) return;
    this.recomputeTimer = setTimeout(() => {
      this.recomputeTimer = undefined;
      void this.serial(() => this.recomputeIfDirty()).catch(() => undefined);
    }, RECOMPUTE_DELAY_MS);
  }

  /** Recomputes (inside serial) if events were stored since the last recompute; notifies on a change. */
  private async recomputeIfDirty(): Promise<void> {
    if (this.dirty) await this.recompute(false);
  }

  /** Features from rollups, one segment per model, then the release decision. */
  private async recompute(forceNotify: boolean): Promise<void> {
    this.dirty = false;
    this.state.gpc = this.gpcNow();
    let released: ReleasedSegment[] = [];
    const cur = this.state.current;
    if (cur) {
      const m = cur.manifest;
      await tfReady(); // once, on the first assignment: no manifest, no tfjs start-up
      const today = dayOf(this.deps.now());
      // Only the rows of the event types the features read, over the largest feature window.
      const rollups = await this.state.store.rollupsSince(
        today - rollupWindowDays(m.features) + 1,
        cur.vocab.types,
      );
      const { normalised } = computeFeatures(rollups, this.state.declared, m.features, today);
      this.state.normalised = normalised;
      const names = m.features.map((f) => f.name);
      // Every consent change (and every change of GPC) recomputes, so each assignment's decision is
      // always the current one. A model whose purpose the consent in force does not allow is not
      // assigned at all: no segment is decided for a purpose the learner did not allow (the features
      // themselves are computed once for all models; they leave only noised, in the feature field).
      const consent = consentInForce(this.state);
      this.state.assignments = m.models.flatMap((model) => {
        const allowed = purposeAllowed(consent, model.purpose);
        if (!allowed.allowed) {
          this.debug?.('model-not-assigned', {
            model: model.id,
            purpose: model.purpose,
            reason: allowed.reason,
          });
          return [];
        }
        const { index } = assign(model, modelInput(model, names, normalised));
        const entry = cur.catalog.get(model.segments[index]!.id)!;
        return [{ ...entry, index, decision: decide(consent, entry.ctx, m.policy) }];
      });
      if (this.debug)
        for (const a of this.state.assignments)
          if (!a.decision.release)
            this.debug('segment-blocked', {
              segment: a.segment.id,
              model: a.model.id,
              reasons: a.decision.reasons,
            });
      released = this.state.assignments
        .filter((a) => a.decision.release)
        .map(({ segment, model }) => ({
          id: segment.id,
          name: segment.name,
          purpose: model.purpose,
          manifestVersion: cur.meta.version,
          model: model.id,
        }));
    } else {
      this.state.assignments = [];
      this.state.normalised = null;
    }
    const changed = JSON.stringify(released) !== JSON.stringify(this.state.released);
    this.state.released = released;
    // The page hears first; the audit entry is written after (not on the path to the answer).
    if (changed || forceNotify) this.notify(released);
    if (changed)
      await this.log('segments-released', {
        segments: released.map((s) => s.id),
        manifestVersion: this.state.current?.meta.version ?? null,
      });
  }

  private async applyConsent(input: ConsentInput): Promise<void> {
    await recordConsent(this.state, input, this.config, this.deps, this.log);
    await this.redecide();
    if (this.state.store.persisted) this.tabs?.postMessage({ kind: 'consent-changed' });
  }

  /** Another tab's consent, if it stored a different one, and the segments under it. */
  private async syncConsent(): Promise<void> {
    if (await adoptStoredConsent(this.state, this.config, this.deps)) await this.recompute(true);
  }

  /** Global Privacy Control now: the page's (read at its start) or the worker's own, read at this call. */
  private gpcNow(): boolean {
    return this.config.pageGpc === true || this.deps.gpc();
  }

  /** Every decision reads GPC anew: when it changed since the last one, the segments are recomputed. */
  private async decideWithCurrentGpc(): Promise<void> {
    if (this.gpcNow() === this.state.gpc) return;
    await this.redecide();
  }

  /** The consent in force changed: recompute and notify, and drop the queued reports it no longer allows, unsent. */
  private async redecide(): Promise<void> {
    await this.recompute(true);
    await dropDisallowedReports(this.state, this.log);
  }

  /** Stops the timers and leaves the tabs' channel. */
  private stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    clearTimeout(this.retry);
    clearTimeout(this.manifestTimer);
    clearTimeout(this.expiryTimer);
    clearTimeout(this.recomputeTimer);
    this.recomputeTimer = undefined;
    this.tabs?.close();
    this.tabs = null;
  }
}
