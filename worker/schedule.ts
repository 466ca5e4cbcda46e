/**
 * The engine's scheduling: when its work runs, never what it does. Contracts:
 * - state-changing work runs one piece at a time, in call order (WorkQueue);
 * - two intervals: a flush every reportIntervalMs, retention once a day;
 * - four one-shot timers, each armed at most once at a time: the delivery retry, the manifest's
 *   refresh (or retry), the adopted manifest's expiry and the coalesced recompute;
 * - every jitter is drawn from the engine's Rng (src/core/privacy/random.ts through EngineDeps);
 * - after stop(), nothing is armed again.
 */
import type { Rng } from '../src/core/privacy/random.js';
import type { EngineConfig } from '../src/core/protocol.js';
import { DAY_MS } from '../src/core/schema.js';

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

/** The wait before the next refresh of an adopted manifest: the interval, jittered uniformly by +-25%. */
export function refreshWaitMs(everyMs: number, rng: Rng): number {
  return Math.round(everyMs * 0.75) + rng.int(Math.round(everyMs / 2) + 1);
}

/** The first retry of a manifest that could not be had waits up to this; each further one doubles it. */
export const MANIFEST_RETRY_BASE_MS = 2_000;
/** The soonest a manifest retry runs. */
const MIN_MANIFEST_RETRY_MS = 1_000;

/**
 * The wait before retrying a manifest after `failures` failed loads: exponential backoff with full
 * jitter, uniform in [0, min(everyMs, 2 s * 2^(failures-1))], and at least 1 s.
 */
export function retryWaitMs(failures: number, everyMs: number, rng: Rng): number {
  const cap = Math.min(everyMs, MANIFEST_RETRY_BASE_MS * 2 ** Math.max(0, Math.min(30, failures - 1)));
  return Math.max(MIN_MANIFEST_RETRY_MS, rng.int(Math.floor(cap) + 1));
}

/** State-changing work, run one at a time in call order; `guard` runs before each and throws to refuse it. */
export class WorkQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly guard: () => void) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail
      .catch(() => undefined)
      .then(() => {
        this.guard();
        return fn();
      });
    this.tail = next;
    return next;
  }

  /** Resolves once the work queued so far has run, whatever its outcome. */
  settled(): Promise<unknown> {
    return this.tail.catch(() => undefined);
  }
}

type Timer = 'retry' | 'manifest' | 'expiry' | 'recompute';
type Intervals = Pick<EngineConfig, 'reportIntervalMs' | 'manifestRefreshMs'>;

/** The engine's timers: their waits (backoff and jitter included) and their handles. */
export class Schedule {
  private stopped = false;
  private intervals: ReturnType<typeof setInterval>[] = [];
  private readonly armed = new Map<Timer, ReturnType<typeof setTimeout>>();
  /** manifest loads that failed in a row since the last adopted one (the retry backoff) */
  private manifestFailures = 0;

  /** `config` is read at each use: the engine's options arrive with init(), after construction. */
  constructor(
    private readonly deps: { now: () => number; rng: Rng },
    private readonly config: () => Intervals,
  ) {}

  /** How often the page's reports are tried, and the longest a delivery retry waits. */
  reportInterval(): number {
    return this.config().reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
  }

  /** Starts the intervals: `flush` every reportIntervalMs, `retention` once a day. */
  start(flush: () => void, retention: () => void): void {
    this.intervals.push(setInterval(flush, this.reportInterval()));
    this.intervals.push(setInterval(retention, DAY_MS));
  }

  /** A manifest load ended: adopted (the backoff starts over) or not (one more failure in a row). */
  manifestLoaded(adopted: boolean): void {
    this.manifestFailures = adopted ? 0 : this.manifestFailures + 1;
  }

  /** The adopted manifest expired: retried soon, with backoff, as a load that failed. */
  manifestExpired(): void {
    this.manifestFailures = 1;
  }

  /**
   * Arms the one manifest timer: an adopted manifest is refreshed every manifestRefreshMs (+-25%
   * jitter); while none is adopted, the load is retried with exponential backoff and full jitter.
   */
  manifest(adopted: boolean, run: () => void): void {
    this.clear('manifest');
    if (this.stopped) return;
    const every = this.config().manifestRefreshMs ?? DEFAULT_MANIFEST_REFRESH_MS;
    const wait = adopted
      ? refreshWaitMs(every, this.deps.rng)
      : retryWaitMs(this.manifestFailures, every, this.deps.rng);
    this.arm('manifest', wait, run);
  }

  /** Arms a timer for the adopted manifest's expiry (none when `expiresAt` is null), so it is noticed even when the page asks nothing. */
  expiry(expiresAt: string | null, run: () => void): void {
    this.clear('expiry');
    if (expiresAt === null || this.stopped) return;
    const wait = Math.min(MAX_TIMEOUT_MS, Math.max(0, Date.parse(expiresAt) - this.deps.now()));
    this.arm('expiry', wait, run);
  }

  /**
   * Times one delivery retry for the earliest next attempt still queued (`next`, epoch ms; null: none):
   * at least 1 s away, and never later than the report interval, whose timer tries anyway (and a clock
   * set back cannot overflow it).
   */
  retry(next: number | null, run: () => void): void {
    this.clear('retry');
    if (next === null || this.stopped) return;
    const wait = Math.min(this.reportInterval(), Math.max(MIN_RETRY_MS, next - this.deps.now()));
    this.arm('retry', wait, run);
  }

  /** Arms the recompute, RECOMPUTE_DELAY_MS away, unless one is armed already. */
  recompute(run: () => void): void {
    if (this.armed.has('recompute') || this.stopped) return;
    this.arm('recompute', RECOMPUTE_DELAY_MS, run);
  }

  /** Stops every interval and timer; nothing is armed afterwards. */
  stop(): void {
    this.stopped = true;
    for (const t of this.intervals) clearInterval(t);
    this.intervals = [];
    for (const t of this.armed.values()) clearTimeout(t);
    this.armed.clear();
  }

  private arm(name: Timer, wait: number, run: () => void): void {
    this.armed.set(
      name,
      setTimeout(() => {
        this.armed.delete(name);
        run();
      }, wait),
    );
  }

  private clear(name: Timer): void {
    clearTimeout(this.armed.get(name));
    this.armed.delete(name);
  }
}
