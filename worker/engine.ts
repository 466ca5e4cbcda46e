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
import { ready as tfReady } from '../src/core/tf.js';
import type { DebugListener, EngineApi, EngineConfig, InitResult, TimedEvent } from '../src/core/protocol.js';
import { checkBatchId, checkReleased } from '../src/core/schema.js';
import type {
  BatchId,
  ConsentInput,
  Declared,
  DeviceExport,
  Explanation,
  ReleasedSegment,
} from '../src/core/schema.js';
import { fetchJws, loadManifest } from './manifest.js';
import { ManifestKeeper } from './manifest-keeper.js';
import { setupWarning } from './warning.js';
import { holdEvents, holdNothing, initialState, type EngineState } from './state.js';
import { applyRetention, storeEvents } from './events.js';
import { assignSegments, saveDecision } from './segments.js';
import type { EarlyStart } from './start.js';
import { Schedule, WorkQueue } from './schedule.js';
import { deviceExport, explanation } from './explain.js';
import { deliverOutbox, dropDisallowedReports, maybeReport } from './report.js';
import {
  FRESH_SINCE_KEY,
  adoptStoredConsent,
  forgottenElsewhere,
  listenToTabs,
  recordConsent,
  resumePersisted,
} from './consent.js';
import { browserDeps, type AuditLog, type EngineDeps, type TabChannel } from './deps.js';

export { browserDeps, type EngineDeps, type TabChannel, type TabMessage } from './deps.js';

const forgotten = () => new EdsegError('forgotten', 'edseg: local data was deleted with forget()');

export class Engine implements EngineApi {
  #config!: EngineConfig;
  readonly #state: EngineState = initialState();
  #notify: (released: ReleasedSegment[]) => void = () => {};
  #initDone: Promise<InitResult> | null = null;
  /** what the page released early (config.early, earlyReleased): logged, never trusted */
  #early?: Promise<ReleasedSegment[] | null>;
  #earlyKnown?: (r: ReleasedSegment[] | null) => void;
  /** the timers: intervals, delivery retry, manifest refresh and expiry, the coalesced recompute */
  readonly #schedule: Schedule;
  /** state-changing work, one at a time in call order; none once forget() ran */
  readonly #work = new WorkQueue(() => {
    if (this.#state.forgotten) throw forgotten();
  });
  /** the manifest while the page is open: refresh, retry, expiry (manifest-keeper.ts) */
  readonly #keeper: ManifestKeeper;
  /** events were stored since the last recompute: the segments are recomputed lazily (recomputeIfDirty) */
  #dirty = false;
  #tabs: TabChannel | null = null;
  /** the page's debug listener, only when it asked for debug notes (config.debug) */
  #debug: DebugListener | undefined;
  readonly #log: AuditLog = async (kind, detail) => {
    this.#debug?.(kind, detail);
    await this.#state.store.audit({ ts: this.#deps.now(), kind, detail });
  };

  readonly #deps: EngineDeps;

  constructor(deps: EngineDeps = browserDeps()) {
    this.#deps = deps;
    this.#schedule = new Schedule(deps, () => this.#config);
    this.#keeper = new ManifestKeeper({
      state: this.#state,
      config: () => this.#config,
      deps,
      log: this.#log,
      schedule: this.#schedule,
      work: this.#work,
      redecide: () => this.#redecide(),
    });
  }

  // ------------------------------------------------------------------ EngineApi

  /**
   * `early`: what the worker's start (start.ts) did before loading the engine: the manifest request
   * it sent. (A stored decision is released early by the page itself, src/client/early.ts; the
   * first recompute always notifies, and the page drops it if it is what the page already has.
   * With `config.early`, the engine waits for `earlyReleased`, what the page released so: it logs it,
   * and its first recompute logs only a change from it.)
   */
  init(
    config: EngineConfig,
    onSegments: (released: ReleasedSegment[]) => void,
    onDebug?: DebugListener,
    early?: EarlyStart,
  ): Promise<InitResult> {
    if (this.#initDone) return this.#initDone;
    if (config.early === 'pending') this.#early = new Promise((r) => (this.#earlyKnown = r));
    this.#config = config;
    this.#notify = onSegments;
    if (config.debug && onDebug) this.#debug = onDebug;
    this.#initDone = this.#start(early);
    return this.#initDone;
  }

  async earlyReleased(released: ReleasedSegment[] | null): Promise<void> {
    try {
      this.#earlyKnown?.(released && checkReleased<ReleasedSegment>(released, 'earlyReleased'));
    } finally {
      this.#earlyKnown?.(null); // refused: the start goes on, nothing logged (a promise settles once)
    }
  }

  async ingest(events: TimedEvent[], batch?: BatchId): Promise<void> {
    await this.#ready();
    const id = batch === undefined ? undefined : checkBatchId(batch);
    await this.#work.run(async () => {
      await this.#keeper.noticeExpiry();
      // No manifest yet, so nothing says what may be stored: hold the events in memory until one arrives.
      if (!this.#state.current) return holdEvents(this.#state, events);
      if (await storeEvents(this.#state, this.#log, events, id)) this.#markDirty();
    });
  }

  // declare, setConsent and init's options.consent take what the page checked (src/client/segmenter.ts,
  // checks.ts) and sent: the page is the engine's only caller, and the checks are not repeated here.
  async declare(prefs: Declared): Promise<void> {
    await this.#ready();
    await this.#work.run(async () => {
      this.#state.declared = { ...this.#state.declared, ...prefs };
      await this.#state.store.set('declared', this.#state.declared);
      await this.#recompute(false);
    });
  }

  async setConsent(input: ConsentInput): Promise<void> {
    await this.#ready();
    await this.#work.run(() => this.#applyConsent(input));
  }

  async segments(): Promise<ReleasedSegment[]> {
    await this.#ready();
    return this.#work.run(async () => {
      await this.#keeper.noticeExpiry();
      await this.#recomputeIfDirty();
      await this.#decideWithCurrentGpc();
      return this.#state.released;
    });
  }

  async explain(): Promise<Explanation> {
    await this.#ready();
    return this.#work.run(async () => {
      await this.#keeper.noticeExpiry();
      await this.#recomputeIfDirty();
      await this.#decideWithCurrentGpc();
      return explanation(this.#state, this.#config, this.#deps);
    });
  }

  async flush(): Promise<{ sent: number; pending: number }> {
    await this.#ready();
    return this.#work.run(async () => {
      // Another tab may have changed or withdrawn consent: the report decision reads the stored record.
      await this.#syncConsent();
      await this.#keeper.noticeExpiry();
      await this.#recomputeIfDirty();
      await this.#decideWithCurrentGpc();
      await maybeReport(this.#state, this.#config, this.#deps, this.#log);
      return this.#deliver();
    });
  }

  async online(): Promise<void> {
    await this.#ready();
    // What failed for want of a network is tried at once (not what a Retry-After holds back).
    await this.#work.run(() => this.#deliver(true));
  }

  async exportData(): Promise<DeviceExport> {
    await this.#ready();
    return this.#work.run(async () => {
      await this.#recomputeIfDirty();
      return deviceExport(this.#state, this.#config, this.#deps);
    });
  }

  async forget(): Promise<void> {
    if (this.#initDone) await this.#initDone.catch(() => undefined);
    this.#state.forgotten = true;
    await this.#work.settled();
    this.#tabs?.postMessage({ kind: 'forgotten' });
    this.#stop();
    const site = this.#config.site;
    // A database may exist from an earlier page even while this page ran on memory.
    // (Where IndexedDB is unavailable there is none to delete.)
    const store = this.#state.store.persisted
      ? this.#state.store
      : (await this.#deps.storeExists(site).catch(() => false))
        ? await this.#deps.openStore(site)
        : null;
    if (store) {
      // Before the deletion, beside the rollback floor: the last day this device spent for the site,
      // so that consenting again spends nothing more inside that spend's budget windows.
      // With none, under freshStore 'wait', the day a fresh store was created stands for it (report.ts).
      const days = (await store.budget()).filter((sp) => sp.site === site).map((sp) => sp.day);
      const fresh =
        this.#state.current?.manifest.reporting.budget.freshStore === 'wait'
          ? await store.get<number>(FRESH_SINCE_KEY)
          : undefined;
      await this.#deps.floor.noteLastSpend(site, days.length ? Math.max(...days) : (fresh ?? null), true);
      await store.destroy();
    }
    if (store !== this.#state.store) await this.#state.store.destroy();
    holdNothing(this.#state);
  }

  async close(): Promise<void> {
    this.#stop();
    await this.#work.settled();
    await this.#state.store.close();
  }

  // ------------------------------------------------------------------ flow

  async #start(early: EarlyStart | undefined): Promise<InitResult> {
    // The start path runs at once what does not depend on the rest: TF.js's start-up (the assignment
    // engine, needed by the first recompute), the manifest request, and opening the store with its
    // stored state; the manifest is verified and adopted once both the answer and the store are there.
    tfReady().catch(() => undefined); // a failure surfaces in the first recompute, which awaits it again
    const fetching = early?.fetching ?? fetchJws(this.#config, this.#deps);
    await resumePersisted(this.#state, this.#config, this.#deps);
    const loaded = await loadManifest(
      this.#state.store,
      this.#config,
      this.#deps,
      this.#log,
      undefined,
      fetching,
    );
    this.#state.current = loaded.current;
    this.#state.manifestStatus = loaded.manifestStatus;
    this.#keeper.seenJws = loaded.fetched;
    this.#schedule.manifestLoaded(loaded.current !== null);
    await applyRetention(this.#state, this.#deps, this.#log);
    const byPage = await this.#early;
    if (byPage) {
      // The page has these already: the log says so, and the first recompute logs only a change.
      this.#state.released = byPage;
      if (byPage.length)
        await this.#log('segments-released', { segments: byPage.map((r) => r.id), early: true });
    }
    if (this.#config.consent && !this.#state.consent) await this.#applyConsent(this.#config.consent);
    else {
      // GPC may be on now though it was off when the stored consent was recorded.
      await this.#redecide();
    }
    this.#tabs = listenToTabs(this.#deps.channel, this.#config, {
      consentChanged: () => void this.#work.run(() => this.#syncConsent()).catch(() => undefined),
      forgotten: () =>
        void forgottenElsewhere(
          this.#state,
          () => this.#stop(),
          (r) => this.#notify(r),
        ),
    });
    this.#schedule.start(
      () => void this.flush().catch(() => undefined),
      () =>
        void this.#work.run(() => applyRetention(this.#state, this.#deps, this.#log)).catch(() => undefined),
    );
    this.#keeper.schedule();
    this.#keeper.watchExpiry();
    const refusal = loaded.refusal; // set exactly when the manifest status is 'refused'
    return {
      manifestVersion: this.#state.current?.meta.version ?? null,
      persisted: this.#state.store.persisted,
      ...(this.#state.storageBlocked && this.#state.storageFault
        ? { storageBlocked: this.#state.storageFault }
        : {}),
      ...(refusal
        ? { manifestRefused: refusal.reason, warning: setupWarning(refusal, this.#config, this.#deps.origin) }
        : {}),
    };
  }

  /** Delivers the outbox (inside the work queue), then times one retry for the earliest next attempt still queued. */
  async #deliver(online = false): Promise<{ sent: number; pending: number }> {
    const { next, ...result } = await deliverOutbox(this.#state, this.#config, this.#deps, this.#log, online);
    this.#schedule.retry(next, () => void this.#work.run(() => this.#deliver()).catch(() => undefined));
    return result;
  }

  async #ready(): Promise<void> {
    if (this.#state.forgotten) throw forgotten();
    if (!this.#initDone) throw new EdsegError('closed', 'edseg: the engine was not initialised');
    await this.#initDone;
  }

  /** Stored events change the features: recompute within RECOMPUTE_DELAY_MS, or sooner when asked. */
  #markDirty(): void {
    this.#dirty = true;
    this.#schedule.recompute(
      () => void this.#work.run(() => this.#recomputeIfDirty()).catch(() => undefined),
    );
  }

  /** Recomputes (inside the work queue) if events were stored since the last recompute; notifies on a change. */
  async #recomputeIfDirty(): Promise<void> {
    if (this.#dirty) await this.#recompute(false);
  }

  /** Features from rollups, one segment per model, then the release decision. */
  async #recompute(forceNotify: boolean): Promise<void> {
    this.#dirty = false;
    this.#state.gpc = this.#gpcNow();
    const released = await assignSegments(this.#state, this.#deps, this.#debug);
    const changed = JSON.stringify(released) !== JSON.stringify(this.#state.released);
    this.#state.released = released;
    // The page hears first; the audit entry is written after (not on the path to the answer).
    if (changed || forceNotify) this.#notify(released);
    if (changed)
      await this.#log('segments-released', {
        segments: released.map((s) => s.id),
        manifestVersion: this.#state.current?.meta.version ?? null,
      });
    // For the next start's early release (src/core/decision.ts); a store that cannot take it keeps an
    // older decision, whose own basis no longer matches.
    await saveDecision(this.#state, this.#config, this.#deps, released).catch(() => undefined);
  }

  async #applyConsent(input: ConsentInput): Promise<void> {
    await recordConsent(this.#state, input, this.#config, this.#deps, this.#log);
    await this.#redecide();
    if (this.#state.store.persisted) this.#tabs?.postMessage({ kind: 'consent-changed' });
  }

  /** Another tab's consent, if it stored a different one, and the segments under it. */
  async #syncConsent(): Promise<void> {
    if (await adoptStoredConsent(this.#state, this.#config, this.#deps)) await this.#recompute(true);
  }

  /** Global Privacy Control now: the page's (read at its start) or the worker's own, read at this call. */
  #gpcNow(): boolean {
    return this.#config.pageGpc === true || this.#deps.gpc();
  }

  /** Every decision reads GPC anew: when it changed since the last one, the segments are recomputed. */
  async #decideWithCurrentGpc(): Promise<void> {
    if (this.#gpcNow() === this.#state.gpc) return;
    await this.#redecide();
  }

  /** The consent in force changed: recompute and notify, and drop the queued reports it no longer allows, unsent. */
  async #redecide(notify = true): Promise<void> {
    await this.#recompute(notify);
    await dropDisallowedReports(this.#state, this.#log);
  }

  /** Stops the timers and leaves the tabs' channel. */
  #stop(): void {
    this.#schedule.stop();
    this.#tabs?.close();
    this.#tabs = null;
  }
}
