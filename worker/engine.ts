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
import type { JWK } from 'jose';
import { EdsegError } from '../src/core/errors.js';
import { verifyManifest, type ManifestRefusal } from '../src/core/manifest.js';
import { vocabularyOf, minimise, type Vocabulary } from '../src/core/minimise.js';
import { rollupDeltas } from '../src/core/rollup.js';
import { computeFeatures, rollupWindowDays } from '../src/core/features.js';
import { ready as tfReady } from '../src/core/tf.js';
import { assign, modelInput } from '../src/core/model.js';
import {
  decide,
  purposeAllowed,
  segmentContexts,
  type Decision,
  type SegmentContext,
} from '../src/core/policy.js';
import { buildReport, type ModelAssignment } from '../src/core/privacy/report.js';
import { budgetInUse } from '../src/core/privacy/accountant.js';
import { cryptoRng, type Rng } from '../src/core/privacy/random.js';
import type { EngineApi, EngineConfig, InitResult, TimedEvent } from '../src/core/protocol.js';
import {
  ConsentInput,
  DAY_MS,
  Declared,
  PURPOSES,
  dayOf,
  periodOf,
  parseOrThrow,
  type AuditEntry,
  type BlockCode,
  type Consent,
  type DeviceExport,
  type Explanation,
  type Manifest,
  type Model,
  type OutboxItem,
  type ReleasedSegment,
  type Segment,
  type StoredEvent,
} from '../src/core/schema.js';
import { MemoryStore, type DeviceStore } from './store.js';
import { IdbStore, dbExists } from './idb.js';
import { deliver } from './outbox.js';

export type EngineDeps = {
  fetch: typeof fetch;
  now: () => number;
  /** the page origin (a same-origin worker's own location.origin) */
  origin: string;
  /** navigator.globalPrivacyControl as the worker sees it */
  gpc: boolean;
  rng: Rng;
  /** opens the persistent store; tests may pass a factory over fake-indexeddb */
  openStore: (site: string) => Promise<DeviceStore>;
  storeExists: (site: string) => Promise<boolean>;
  /** the channel other tabs' engines of this site listen on (BroadcastChannel in browsers and Node) */
  channel: (name: string) => TabChannel | null;
};

import type { StoredManifest, TabMessage } from '../src/core/schema.js';
/** What engines of the same site tell each other across tabs. */
export type { TabMessage };
export type TabChannel = {
  postMessage(m: TabMessage): void;
  onmessage: ((ev: { data: TabMessage }) => void) | null;
  close(): void;
};

/** A segment of the manifest with what the policy needs to know of it. */
type CatalogEntry = { ctx: SegmentContext; segment: Segment; model: Model };
/** One model's segment for this learner, and the policy's decision on it under the current consent. */
type Assignment = CatalogEntry & { index: number; decision: Decision };

const DEFAULT_REPORT_INTERVAL_MS = 300_000;

/** Browser defaults for the engine's effects. */
export function browserDeps(): EngineDeps {
  const nav = (globalThis as { navigator?: Navigator & { globalPrivacyControl?: boolean } }).navigator;
  return {
    fetch: globalThis.fetch.bind(globalThis),
    now: () => Date.now(),
    origin: (globalThis as { location?: Location }).location?.origin ?? '',
    gpc: nav?.globalPrivacyControl === true,
    rng: cryptoRng,
    openStore: (site) => IdbStore.open(site),
    storeExists: (site) => dbExists(site),
    channel: (name) =>
      typeof BroadcastChannel === 'function' ? (new BroadcastChannel(name) as unknown as TabChannel) : null,
  };
}

export class Engine implements EngineApi {
  private config!: EngineConfig;
  private store: DeviceStore = new MemoryStore();
  private notify: (released: ReleasedSegment[]) => void = () => {};
  private initDone: Promise<InitResult> | null = null;
  private manifest: Manifest | null = null;
  private manifestMeta: StoredManifest | null = null;
  private manifestStatus: {
    status: 'accepted' | 'missing' | 'refused';
    reason?: ManifestRefusal | 'network';
  } = { status: 'missing' };
  private vocab: Vocabulary = { types: new Set(), props: new Map() };
  private catalog = new Map<string, CatalogEntry>();
  private consent: Consent | null = null;
  private declared: Declared = {};
  private assignments: Assignment[] = [];
  private released: ReleasedSegment[] = [];
  private normalised: number[] | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private forgotten = false;
  private work: Promise<unknown> = Promise.resolve();
  private tabs: TabChannel | null = null;

  constructor(private readonly deps: EngineDeps = browserDeps()) {}

  // ------------------------------------------------------------------ EngineApi

  init(config: EngineConfig, onSegments: (released: ReleasedSegment[]) => void): Promise<InitResult> {
    if (this.initDone) return this.initDone;
    this.config = config;
    this.notify = onSegments;
    this.initDone = this.start();
    return this.initDone;
  }

  async ingest(events: TimedEvent[]): Promise<void> {
    await this.ready();
    await this.serial(async () => {
      if (!this.manifest) return; // no manifest, no feature reads anything: minimisation keeps nothing
      const kept: StoredEvent[] = [];
      for (const ev of events) {
        const m = minimise(ev, this.vocab);
        if (m) kept.push(m);
      }
      if (kept.length === 0) return;
      await this.store.addEvents(kept, kept.flatMap(rollupDeltas));
      await this.recompute(false);
    });
  }

  async declare(prefs: Declared): Promise<void> {
    await this.ready();
    const p = parseOrThrow(Declared, prefs, 'prefs');
    await this.serial(async () => {
      this.declared = { ...this.declared, ...p };
      await this.store.set('declared', this.declared);
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
    return this.serial(async () => this.released);
  }

  async explain(): Promise<Explanation> {
    await this.ready();
    return this.serial(() => this.explanation());
  }

  private async explanation(): Promise<Explanation> {
    const today = dayOf(this.deps.now());
    const blocked = this.blocked();
    const reporting = this.manifest?.reporting;
    const retention = this.manifest?.retention ?? null;
    const [spends, counts, recent] = await Promise.all([
      this.store.budget(),
      this.store.counts(),
      retention ? this.store.rollupsSince(today - retention.rawEventDays + 1) : [],
    ]);
    const window = reporting
      ? budgetInUse(spends, this.config.site, today, reporting.budget.windowDays)
      : { spent: 0, reports: 0 };
    const lastPeriod = spends
      .filter((s) => s.site === this.config.site)
      .reduce<number | null>((m, s) => (m === null || s.period > m ? s.period : m), null);
    // Events per type come from the rollups' event-count rows over the raw-event window: no scan of raw events.
    const events: Record<string, number> = {};
    for (const r of recent) if (r.prop === '') events[r.type] = (events[r.type] ?? 0) + r.count;
    return {
      site: this.config.site,
      origin: this.deps.origin,
      manifest: {
        status: this.manifestStatus.status,
        ...(this.manifestMeta && this.manifest
          ? { version: this.manifestMeta.version, expiresAt: this.manifest.expiresAt }
          : {}),
        ...(this.manifestStatus.reason ? { reason: this.manifestStatus.reason } : {}),
      },
      ...(blocked ? { blocked } : {}),
      consent: this.consent,
      persisted: this.store.persisted,
      stored: { events, rollups: counts.rollups, pending: counts.outbox, declared: this.declared, retention },
      segments: [...this.catalog.values()].map(({ ctx, segment }) => {
        const assigned = this.assignments.some((a) => a.segment.id === ctx.id);
        const d = decide(this.consent, ctx, this.manifest!.policy);
        const released = assigned && !blocked && d.release;
        return {
          id: ctx.id,
          name: segment.name,
          model: ctx.model,
          purpose: ctx.purpose,
          usesEducationRecord: ctx.usesEducationRecord,
          assigned,
          released,
          channel: released ? d.channel : 'none',
          reasons: blocked ? [blocked] : d.reasons,
        };
      }),
      budget: {
        windowDays: reporting?.budget.windowDays ?? 0,
        spent: window.spent,
        cap: reporting?.budget.maxEpsilon ?? 0,
        reportsInWindow: window.reports,
        lastPeriod,
      },
    };
  }

  async flush(): Promise<{ sent: number; pending: number }> {
    await this.ready();
    return this.serial(async () => {
      // Another tab may have changed or withdrawn consent: the report decision reads the stored record.
      await this.syncConsent();
      await this.maybeReport();
      return this.deliverOutbox();
    });
  }

  async exportData(): Promise<DeviceExport> {
    await this.ready();
    return this.serial(async () => {
      const s = this.store;
      const [events, rollups, outbox, budget, audit] = await Promise.all([
        s.events(),
        s.rollups(),
        s.outbox(),
        s.budget(),
        s.auditLog(),
      ]);
      return {
        site: this.config.site,
        exportedAt: new Date(this.deps.now()).toISOString(),
        persisted: s.persisted,
        events,
        rollups,
        declared: this.declared,
        consent: this.consent,
        manifest:
          this.manifest && this.manifestMeta
            ? {
                version: this.manifestMeta.version,
                kid: this.manifestMeta.kid,
                acceptedAt: this.manifestMeta.acceptedAt,
                payload: this.manifest,
              }
            : null,
        outbox,
        budget,
        audit,
      };
    });
  }

  async forget(): Promise<void> {
    if (this.initDone) await this.initDone.catch(() => undefined);
    this.forgotten = true;
    await this.work.catch(() => undefined);
    this.tabs?.postMessage({ kind: 'forgotten' });
    this.stop();
    await this.store.destroy();
    // A database may exist from an earlier page even while this page ran on memory.
    if (!this.store.persisted && (await this.deps.storeExists(this.config.site)))
      await (await this.deps.openStore(this.config.site)).destroy();
    this.holdNothing();
  }

  async close(): Promise<void> {
    this.stop();
    await this.work.catch(() => undefined);
    await this.store.close();
  }

  // ------------------------------------------------------------------ flow

  private async start(): Promise<InitResult> {
    const site = this.config.site;
    if (await this.deps.storeExists(site)) {
      this.store = await this.deps.openStore(site);
      const [consent, declared] = await Promise.all([
        this.store.get<Consent>('consent'),
        this.store.get<Declared>('declared'),
      ]);
      this.consent = consent ?? null;
      this.declared = declared ?? {};
    }
    await this.loadManifest();
    await this.applyRetention();
    if (this.config.consent && !this.consent)
      await this.applyConsent(parseOrThrow(ConsentInput, this.config.consent, 'options.consent'));
    else await this.recompute(true);
    this.listenToTabs();
    const every = this.config.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
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
    return { manifestVersion: this.manifestMeta?.version ?? null, persisted: this.store.persisted };
  }

  private async ready(): Promise<void> {
    if (this.forgotten) throw new EdsegError('forgotten', 'edseg: local data was deleted with forget()');
    if (!this.initDone) throw new EdsegError('closed', 'edseg: the engine was not initialised');
    await this.initDone;
  }

  /** Runs state-changing work one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.work
      .catch(() => undefined)
      .then(() => {
        if (this.forgotten) throw new EdsegError('forgotten', 'edseg: local data was deleted with forget()');
        return fn();
      });
    this.work = next;
    return next;
  }

  private async log(kind: AuditEntry['kind'], detail: Record<string, unknown>): Promise<void> {
    await this.store.audit({ ts: this.deps.now(), kind, detail });
  }

  /** Fetches, verifies and adopts the manifest; falls back to the last good one (re-verified) on failure. */
  private async loadManifest(): Promise<void> {
    const cached = (await this.store.get<StoredManifest>('manifest')) ?? null;
    const opts = () => ({
      publicKeys: this.config.publicKeys as JWK[],
      site: this.config.site,
      origin: this.deps.origin,
      now: new Date(this.deps.now()),
    });
    let fetched: { jws: string; etag?: string } | null = null;
    try {
      const res = await this.deps.fetch(this.config.manifestUrl, {
        credentials: 'omit',
        cache: 'no-cache',
        referrerPolicy: 'no-referrer',
        headers: cached?.etag ? { 'If-None-Match': cached.etag } : {},
      });
      if (res.status === 200)
        fetched = {
          jws: (await res.text()).trim(),
          ...(res.headers.get('etag') ? { etag: res.headers.get('etag')! } : {}),
        };
      else if (res.status !== 304) this.manifestStatus = { status: 'missing', reason: 'network' };
    } catch {
      this.manifestStatus = { status: 'missing', reason: 'network' };
    }
    if (fetched) {
      const r = await verifyManifest(fetched.jws, {
        ...opts(),
        ...(cached ? { minVersion: cached.version } : {}),
      });
      if (r.ok) {
        const meta: StoredManifest = {
          jws: fetched.jws,
          version: r.manifest.version,
          kid: r.kid,
          acceptedAt: this.deps.now(),
          ...(fetched.etag ? { etag: fetched.etag } : {}),
        };
        await this.store.set('manifest', meta);
        if (!cached || cached.version !== meta.version || cached.kid !== meta.kid)
          await this.log('manifest-accepted', { version: meta.version, kid: meta.kid });
        this.adopt(r.manifest, meta);
        return;
      }
      await this.log('manifest-refused', { reason: r.reason, message: r.message });
      this.manifestStatus = { status: 'refused', reason: r.reason };
    }
    if (cached) {
      // The last good manifest must still check out against today's keys, site, origin and clock.
      const r = await verifyManifest(cached.jws, opts());
      if (r.ok) {
        this.adopt(r.manifest, cached);
        return;
      }
      await this.log('manifest-refused', { reason: r.reason, message: r.message, cached: true });
      this.manifestStatus = { status: 'refused', reason: r.reason };
    }
    this.manifest = null;
    this.manifestMeta = null;
    this.catalog = new Map();
  }

  private adopt(manifest: Manifest, meta: StoredManifest): void {
    this.manifest = manifest;
    this.manifestMeta = meta;
    this.manifestStatus = { status: 'accepted' };
    this.vocab = vocabularyOf(manifest.features);
    this.catalog = new Map(
      segmentContexts(manifest).map((ctx) => {
        const model = manifest.models.find((m) => m.id === ctx.model)!;
        return [ctx.id, { ctx, model, segment: model.segments.find((s) => s.id === ctx.id)! }];
      }),
    );
  }

  /** Why nothing at all may be released, if so. */
  private blocked(): BlockCode | undefined {
    if (this.forgotten) return 'forgotten';
    if (this.manifest) return undefined;
    const reason = this.manifestStatus.reason;
    if (reason === 'origin-not-allowed') return 'origin-not-allowed';
    if (reason === 'site-mismatch') return 'site-mismatch';
    if (reason === 'expired') return 'manifest-expired';
    return this.manifestStatus.status === 'refused' ? 'manifest-refused' : 'manifest-missing';
  }

  private async applyRetention(): Promise<void> {
    if (!this.manifest) return;
    const today = dayOf(this.deps.now());
    const { rawEventDays, rollupDays } = this.manifest.retention;
    const r = await this.store.prune(today - rawEventDays + 1, today - rollupDays + 1);
    if (r.events || r.rollups)
      await this.log('retention', {
        eventsDeleted: r.events,
        rollupsDeleted: r.rollups,
        rawEventDays,
        rollupDays,
      });
  }

  /** Features from rollups, one segment per model, then the release decision. */
  private async recompute(forceNotify: boolean): Promise<void> {
    let released: ReleasedSegment[] = [];
    if (this.manifest && this.manifestMeta) {
      const m = this.manifest;
      await tfReady(); // once, on the first assignment: no manifest, no tfjs start-up
      const today = dayOf(this.deps.now());
      const rollups = await this.store.rollupsSince(today - rollupWindowDays(m.features) + 1);
      const { normalised } = computeFeatures(rollups, this.declared, m.features, today);
      this.normalised = normalised;
      const names = m.features.map((f) => f.name);
      // Every consent change recomputes, so each assignment's decision is always the current one.
      this.assignments = m.models.map((model) => {
        const { index } = assign(model, modelInput(model, names, normalised));
        const entry = this.catalog.get(model.segments[index]!.id)!;
        return { ...entry, index, decision: decide(this.consent, entry.ctx, m.policy) };
      });
      released = this.assignments
        .filter((a) => a.decision.release)
        .map(({ segment, model }) => ({
          id: segment.id,
          name: segment.name,
          purpose: model.purpose,
          manifestVersion: this.manifestMeta!.version,
          model: model.id,
        }));
    } else {
      this.assignments = [];
      this.normalised = null;
    }
    const changed = JSON.stringify(released) !== JSON.stringify(this.released);
    this.released = released;
    if (changed)
      await this.log('segments-released', {
        segments: released.map((s) => s.id),
        manifestVersion: this.manifestMeta?.version ?? null,
      });
    if (changed || forceNotify) this.notify(released);
  }

  private async applyConsent(input: ConsentInput): Promise<void> {
    const before = this.consent;
    const consent: Consent = {
      ...input,
      gpc: this.deps.gpc || this.config.pageGpc === true,
      updatedAt: this.deps.now(),
    };
    this.consent = consent;
    const persist = PURPOSES.some((p) => purposeAllowed(consent, p).allowed);
    if (persist && !this.store.persisted) await this.migrateToPersistent();
    await this.store.set('consent', consent);
    await this.log('consent-changed', { before, after: consent, persisted: this.store.persisted });
    await this.recompute(true);
    await this.dropDisallowedReports();
    if (this.store.persisted) this.tabs?.postMessage({ kind: 'consent-changed' });
  }

  /** Adopts the consent record another tab stored (the store holds the latest write of any tab). */
  private async syncConsent(): Promise<void> {
    if (!this.store.persisted) {
      // Another tab may have created the database with a consent record since this page started:
      // what this page held in memory moves there, as on a local consent.
      if (!(await this.deps.storeExists(this.config.site))) return;
      await this.migrateToPersistent();
    }
    const stored = (await this.store.get<Consent>('consent')) ?? null;
    if (!stored || JSON.stringify(stored) === JSON.stringify(this.consent)) return;
    this.consent = stored;
    this.declared = (await this.store.get<Declared>('declared')) ?? this.declared;
    await this.recompute(true);
  }

  /** Consent changes and forget() in one tab take effect in every other tab of this site at once. */
  private listenToTabs(): void {
    this.tabs = this.deps.channel(`edseg:${this.config.site}`);
    if (!this.tabs) return;
    this.tabs.onmessage = (ev) => {
      if (ev.data.kind === 'consent-changed')
        void this.serial(() => this.syncConsent()).catch(() => undefined);
      if (ev.data.kind === 'forgotten') void this.forgottenElsewhere();
    };
  }

  /** Another tab deleted everything: stop, hold nothing, release nothing. */
  private async forgottenElsewhere(): Promise<void> {
    if (this.forgotten) return;
    this.forgotten = true;
    this.stop();
    await this.store.close().catch(() => undefined);
    this.holdNothing();
    this.notify([]);
  }

  /** Stops the timers and leaves the tabs' channel. */
  private stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.tabs?.close();
    this.tabs = null;
  }

  /** After forget(), here or in another tab: no learner state left in this engine. */
  private holdNothing(): void {
    this.store = new MemoryStore();
    this.consent = null;
    this.declared = {};
    this.assignments = [];
    this.released = [];
    this.normalised = null;
  }

  /** Moves what the page held in memory into IndexedDB, once consent allows persistence. */
  private async migrateToPersistent(): Promise<void> {
    const mem = this.store;
    const idb = await this.deps.openStore(this.config.site);
    const events = await mem.events();
    // The page's rollups merge into whatever other tabs already rolled up.
    if (events.length) await idb.addEvents(events, await mem.rollups());
    for (const key of ['manifest', 'declared']) {
      const v = await mem.get(key);
      if (v !== undefined) await idb.set(key, v);
    }
    for (const a of await mem.auditLog()) {
      const { id: _id, ...rest } = a;
      await idb.audit(rest);
    }
    for (const item of await mem.outbox()) await idb.putOutbox(item);
    await mem.destroy();
    this.store = idb;
  }

  /** The channel for each model's assigned segment under the current consent and policy. */
  private channels(): ModelAssignment[] {
    return this.assignments.map((a) => ({
      model: a.model.id,
      index: a.index,
      k: a.model.segments.length,
      segmentId: a.segment.id,
      channel: a.decision.channel,
    }));
  }

  /** A withdrawal stops reports not yet sent: drop every queued field the current consent no longer allows. */
  private async dropDisallowedReports(): Promise<void> {
    const items = await this.store.outbox();
    if (items.length === 0) return;
    const analytics = purposeAllowed(this.consent, 'analytics').allowed && !this.blocked();
    const now = new Map(this.channels().map((c) => [c.model, c.channel]));
    const drop = items.filter(
      (it) => !analytics || it.report.segments.some((f) => now.get(f.model) !== f.channel),
    );
    if (drop.length === 0) return;
    await this.store.removeOutbox(drop.map((d) => d.id));
    for (const d of drop)
      await this.log('report-dropped', { reportId: d.report.id, reason: 'consent-changed' });
  }

  /** Builds, spends for and queues this period's report, if due and allowed. */
  private async maybeReport(): Promise<void> {
    const m = this.manifest;
    if (!m || !this.manifestMeta || this.blocked() || !this.consent || !this.store.persisted) return;
    if (!purposeAllowed(this.consent, 'analytics').allowed) return;
    const today = dayOf(this.deps.now());
    const period = periodOf(today, m.reporting.periodDays);
    if ((await this.store.budget()).some((s) => s.site === this.config.site && s.period === period)) return;
    const report = buildReport({
      site: this.config.site,
      manifestVersion: this.manifestMeta.version,
      period,
      assignments: this.channels(),
      features: this.normalised,
      reporting: m.reporting,
      rng: this.deps.rng,
    });
    if (!report) return;
    const item: OutboxItem = {
      id: report.id,
      report,
      createdAt: this.deps.now(),
      attempts: 0,
      nextAttemptAt: 0,
    };
    const decision = await this.store.spendAndQueue(
      { site: this.config.site, day: today, period, epsilon: report.epsilon },
      m.reporting.budget,
      item,
    );
    if (decision.ok) {
      await this.log('report-queued', {
        reportId: report.id,
        period,
        channels: Object.fromEntries(report.segments.map((f) => [f.model, f.channel])),
        epsilon: report.epsilon,
      });
    }
  }

  private async deliverOutbox(): Promise<{ sent: number; pending: number }> {
    if (this.forgotten) return { sent: 0, pending: 0 };
    // One tab delivers at a time, so two tabs never post the same queued report.
    const store = this.store;
    return store.exclusive('outbox', () =>
      deliver(store, {
        url: this.config.collectorUrl,
        fetch: this.deps.fetch,
        now: this.deps.now,
        log: (kind, detail) => this.log(kind, detail),
      }),
    );
  }
}
