/**
 * The manifest while the page is open: its refresh (or the retry while none is adopted), the adopted
 * one's expiry, and what a change means for the engine (events held for want of a manifest stored,
 * retention applied, the segments redecided). The engine owns the state and the work queue; this
 * module runs inside that queue and never on its own.
 */
import type { EngineConfig } from '../src/core/protocol.js';
import type { AuditLog, EngineDeps } from './deps.js';
import { applyRetention, storeEvents } from './events.js';
import { hasExpired, refreshManifest } from './manifest.js';
import type { Schedule, WorkQueue } from './schedule.js';
import type { EngineState } from './state.js';

/** What the keeper needs of the engine. */
export type KeeperHost = {
  state: EngineState;
  config: () => EngineConfig;
  deps: EngineDeps;
  log: AuditLog;
  schedule: Schedule;
  work: WorkQueue;
  /** the consent or the manifest in force changed: recompute, notify, drop the reports it no longer allows */
  redecide: () => Promise<void>;
};

export class ManifestKeeper {
  /** the JWS the manifest URL answered last: the same answer again is not verified again */
  seenJws: string | null = null;

  readonly #host: KeeperHost;

  constructor(host: KeeperHost) {
    this.#host = host;
  }

  /** Arms the manifest timer: a refresh of the adopted one, or a retry with backoff while none is. */
  schedule(): void {
    const { schedule, work, state } = this.#host;
    schedule.manifest(state.current !== null, () => {
      void work
        .run(() => this.#refresh())
        .catch(() => undefined)
        .then(() => this.schedule());
    });
  }

  /** Fetches the manifest again; a new version is adopted without a reload (re-verified, redecided, the page notified). */
  async #refresh(): Promise<void> {
    const { state: s, deps, log, schedule } = this.#host;
    const r = await refreshManifest(s.current, this.seenJws, s.store, this.#host.config(), deps, log);
    this.seenJws = r.fetched ?? this.seenJws;
    schedule.manifestLoaded(r.current !== null);
    s.manifestStatus = r.manifestStatus;
    if (r.changed) {
      s.current = r.current;
      this.watchExpiry();
      // What was held for want of a manifest is minimised by this one and stored.
      const held = s.held;
      s.held = [];
      await storeEvents(s, log, held);
      await applyRetention(s, deps, log);
      await this.#host.redecide();
    }
    await this.#dropIfExpired();
  }

  /**
   * Before any decision: an adopted manifest past its expiresAt is fetched again at once (the server
   * re-signs daily, so an open page moves on to the new one); if none comes that checks out, it is dropped.
   */
  async noticeExpiry(): Promise<void> {
    const cur = this.#host.state.current;
    if (cur && hasExpired(cur, this.#host.deps.now())) await this.#refresh();
  }

  /** An adopted manifest past its expiresAt stops releasing and reporting at once, as at start. */
  async #dropIfExpired(): Promise<void> {
    const { state: s, deps, log, schedule } = this.#host;
    const cur = s.current;
    if (!cur || !hasExpired(cur, deps.now())) return;
    s.current = null;
    s.manifestStatus = { status: 'refused', reason: 'expired' };
    await log('manifest-refused', {
      reason: 'expired',
      message: `expired at ${cur.manifest.expiresAt}`,
      version: cur.meta.version,
    });
    await this.#host.redecide();
    schedule.manifestExpired();
    this.schedule();
  }

  /** Arms a timer for the adopted manifest's expiry, so it is noticed even when the page asks nothing. */
  watchExpiry(): void {
    const { state: s, schedule, work } = this.#host;
    const cur = s.current;
    schedule.expiry(cur?.manifest.expiresAt ?? null, () => {
      void work
        .run(async () => {
          await this.noticeExpiry();
          if (s.current === cur) this.watchExpiry(); // a clock that moved: not expired yet
        })
        .catch(() => undefined);
    });
  }
}
