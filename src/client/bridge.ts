/**
 * The bridge to the worker: starts it, talks to it over the RPC (rpc.ts), restarts it when it crashes.
 * Contracts:
 * - the worker runs on the page's origin: a same-origin URL is used as it is; a URL on another origin
 *   (a CDN) is loaded by a bootstrap worker made from a blob that importScripts it (needs the page's
 *   CSP to allow `worker-src blob:`; a strict page names a same-origin copy instead);
 * - every call rejects with `worker-timeout` after `timeoutMs`; when one times out once the worker has
 *   answered its init, a liveness probe asks the worker for a property (the RPC answers it outside the
 *   engine's queue): no answer means the worker stopped answering, and it is restarted like a crashed one;
 * - a worker that dies (error event, unreadable message, stopped answering) is restarted: init is sent
 *   again, then `onRestart` replays what was not acknowledged; the calls pending on the dead worker
 *   reject with `worker-crashed`; after MAX_CRASHES crashes within CRASH_WINDOW_MS it is given up;
 * - when no worker can start (none ever answered init) or one is given up, `onDown` is called once
 *   with `worker-unavailable` or `worker-crashed`, and every pending and later call rejects with it;
 * - the remote stays referenced for the worker's lifetime; `close(reason)` stops it on purpose and
 *   rejects every pending and later call;
 * - the first worker is created once `hooks.after` resolves (the page's early read is
 *   over): calls made before wait and reach it after init, in order; one closed or suspended before
 *   then creates none (until `resume()`);
 * - `suspend()` (the page enters the back/forward cache) terminates the worker, so that no storage
 *   work of it is frozen with the page (its IndexedDB transactions abort and release the store): the
 *   calls pending on it reject with `worker-crashed`, later calls wait; `resume()` (pageshow with
 *   `persisted`) starts a new worker and sends init; it is not counted as a crash; a call made as
 *   the page is shown, before its first worker is created, waits for it too.
 */
import { wrap, releaseProxy, type Remote } from './rpc.js';
import { EdsegError } from '../core/errors.js';
import type { EngineApi } from '../core/protocol.js';

export const MAX_CRASHES = 3;
export const CRASH_WINDOW_MS = 60_000;
/** the longest a liveness probe waits (at most the call timeout) */
export const PROBE_MS = 2_000;

type Pending = { reject: (e: EdsegError) => void };

/** One worker and its RPC endpoint. */
class Link {
  readonly remote: Remote<EngineApi>;
  readonly pending = new Set<Pending>();
  dead = false;
  /** a liveness probe is out (see WorkerBridge.probe) */
  probing = false;

  constructor(
    readonly worker: Worker,
    onDeath: (why: string) => void,
  ) {
    this.remote = wrap<EngineApi>(worker);
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      onDeath(ev.message || 'the worker script could not be loaded');
    });
    worker.addEventListener('messageerror', () => onDeath('a message from the worker could not be read'));
  }

  end(reason: EdsegError): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of [...this.pending]) p.reject(reason);
    this.pending.clear();
    try {
      this.remote[releaseProxy]();
    } catch {
      /* already released */
    }
    this.worker.terminate();
  }
}

export type BridgeHooks = {
  /** Sends init on a fresh worker; resolving means the worker is up. Called for the first start and every restart. */
  init: (remote: Remote<EngineApi>) => Promise<unknown>;
  /** Right after init is sent on a restarted worker: replay what the dead one did not acknowledge. */
  onRestart: (crashes: number, why: string) => void;
  /** No worker can start, or the worker was given up after repeated crashes. Called once. */
  onDown: (reason: EdsegError) => void;
  /** The first worker is created once this resolves (at once without it). */
  after?: Promise<unknown>;
};

/** The URL a `new Worker()` on this page can load for `workerUrl`, and how it was made. */
export function workerSource(
  workerUrl: string,
  pageOrigin: string | undefined,
): { url: string; blob: boolean } {
  if (!pageOrigin || new URL(workerUrl).origin === pageOrigin) return { url: workerUrl, blob: false };
  const code = `importScripts(${JSON.stringify(workerUrl)});`;
  return { url: URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), blob: true };
}

export class WorkerBridge {
  #link: Link | null = null;
  #down: EdsegError | null = null;
  /** some worker has answered init: later deaths are crashes, not a failure to load */
  #everUp = false;
  #crashes: number[] = [];
  /** set while the page is in the back/forward cache: resolves when it is shown again */
  #suspended = false;
  #wake: Promise<void> = Promise.resolve();
  #wakeUp = () => {};
  /** until the first worker is created (`hooks.after`): calls wait for it */
  #gate: Promise<void> | null;
  /** the worker suspend() terminated (a start waiting on it begins again once the page is shown) */
  #suspendedLink: Link | null = null;
  readonly #source: { url: string; blob: boolean };
  /** resolves when the first worker is up, rejects when none can start */
  readonly started: Promise<unknown>;

  readonly #workerUrl: string;
  readonly #timeoutMs: number;
  readonly #initTimeoutMs: number;
  readonly #hooks: BridgeHooks;
  readonly #now: () => number;

  constructor(
    workerUrl: string,
    timeoutMs: number,
    initTimeoutMs: number,
    hooks: BridgeHooks,
    now: () => number = () => Date.now(),
  ) {
    this.#workerUrl = workerUrl;
    this.#timeoutMs = timeoutMs;
    this.#initTimeoutMs = initTimeoutMs;
    this.#hooks = hooks;
    this.#now = now;
    this.#source = workerSource(workerUrl, globalThis.location?.origin);
    const gate = (hooks.after ?? Promise.resolve()).then(() => void (this.#gate = null));
    this.#gate = gate;
    // Registered before any call's: the worker exists when the calls that waited go on.
    this.started = gate.then(() => this.#start());
  }

  get alive(): boolean {
    return this.#down === null;
  }

  /** Why the bridge is down (given up, or closed on purpose); null while it runs. */
  get downReason(): EdsegError | null {
    return this.#down;
  }

  /** Runs one remote call on the current worker with a timeout; `label` names the call in errors. */
  call<T>(
    label: string,
    fn: (remote: Remote<EngineApi>) => Promise<T>,
    timeoutMs = this.#timeoutMs,
  ): Promise<T> {
    // Until the first worker is created; while the page is hidden; shown again before the first
    // worker answered, until the start (waiting on #wake, ahead of this call) creates it.
    const wait =
      this.#gate ?? (!this.#down && (this.#suspended || (!this.#link && !this.#everUp)) && this.#wake);
    if (wait) return wait.then(() => this.call(label, fn, timeoutMs));
    const link = this.#link;
    if (this.#down || !link)
      return Promise.reject(this.#down ?? new EdsegError('closed', 'edseg: no worker'));
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { reject };
      const timer = setTimeout(() => {
        entry.reject(new EdsegError('worker-timeout', `edseg: ${label}() timed out after ${timeoutMs} ms`));
        if (this.#everUp && link === this.#link)
          this.#probe(link, `${label}() got no answer in ${timeoutMs} ms`);
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        link.pending.delete(entry);
      };
      entry.reject = (e) => {
        settle();
        reject(e);
      };
      link.pending.add(entry);
      fn(link.remote).then(
        (v) => {
          settle();
          resolve(v);
        },
        (e: unknown) => {
          settle();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Stops the worker on purpose; pending and later calls reject with `reason`. */
  close(reason: EdsegError): void {
    if (this.#down) return;
    this.#down = reason;
    this.#link?.end(reason);
    this.#link = null;
    this.#wakeUp(); // calls waiting for a restore now reject with `reason`
    if (this.#source.blob) URL.revokeObjectURL(this.#source.url);
  }

  /**
   * The page enters the back/forward cache: the worker is terminated (none of its storage work stays
   * frozen with the page, holding the store against the next page of the site). Pending calls reject
   * with `worker-crashed`; later calls wait for resume().
   */
  suspend(): void {
    if (this.#down || this.#suspended) return;
    this.#suspended = true;
    this.#wake = new Promise<void>((r) => (this.#wakeUp = r));
    const link = this.#link;
    this.#link = null;
    this.#suspendedLink = link;
    link?.end(
      new EdsegError(
        'worker-crashed',
        'edseg: the page entered the back/forward cache; this call did not complete',
      ),
    );
  }

  /**
   * The page is shown again from the back/forward cache: a new worker is started and sent init
   * (the first start, if the page was hidden before its worker answered, retries by itself).
   * Resolves once the new worker answered init.
   */
  resume(): Promise<unknown> {
    if (!this.#suspended || this.#down) return Promise.resolve();
    this.#suspended = false;
    this.#wakeUp();
    if (!this.#everUp) return this.started.catch(() => undefined);
    const link = this.#spawn();
    if (!link) return Promise.resolve();
    return this.call('init', this.#hooks.init, this.#initTimeoutMs).catch((e: unknown) => {
      // No answer to init after a restore: a worker that cannot start is one more crash.
      if ((e as EdsegError).code === 'worker-timeout') this.#died(link, (e as Error).message);
    });
  }

  #spawn(): Link | null {
    let worker: Worker;
    try {
      worker = new Worker(this.#source.url, { name: 'edseg' });
    } catch (e) {
      this.#giveUp(`new Worker() threw ${(e as Error).name}: ${(e as Error).message}`);
      return null;
    }
    const link: Link = new Link(worker, (why) => this.#died(link, why));
    this.#link = link;
    return link;
  }

  async #start(): Promise<unknown> {
    // Hidden into the back/forward cache, or closed, before the worker was created.
    while (this.#suspended && !this.#down) await this.#wake;
    if (this.#down) throw this.#down;
    const link = this.#spawn();
    if (!link) throw this.#down;
    try {
      return await this.call('init', this.#hooks.init, this.#initTimeoutMs);
    } catch (e) {
      // Hidden into the back/forward cache before the worker answered: start again once shown.
      if (link === this.#suspendedLink) {
        await this.#wake;
        return await this.#start();
      }
      // No answer to init: no worker can start. An error the engine threw is an answer: the worker is up.
      // A worker that answers the liveness probe did load: its script is not what failed.
      if ((e as EdsegError).code === 'worker-timeout')
        this.#died(link, (e as Error).message, link === this.#link && (await this.#answers(link)));
      throw this.#down ?? e;
    } finally {
      if (!this.#down) this.#everUp = true;
    }
  }

  /**
   * A call timed out: a slow call (a flush on a slow network) is not a hung worker. Asks the worker
   * for a property, which the RPC answers at once outside the engine's queue; no answer within
   * PROBE_MS (any answer counts, even an error) means it is hung: it is restarted as a crashed one.
   */
  #probe(link: Link, why: string): void {
    if (link.probing) return;
    link.probing = true;
    void this.#answers(link).then((yes) => {
      link.probing = false;
      if (!yes) this.#died(link, `${why}, nor a liveness probe in ${Math.min(this.#timeoutMs, PROBE_MS)} ms`);
    });
  }

  /** Whether the worker answers a liveness probe within PROBE_MS (its script loaded and runs). */
  #answers(link: Link): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.min(this.#timeoutMs, PROBE_MS));
      const yes = () => {
        clearTimeout(timer);
        resolve(true);
      };
      void Promise.resolve((link.remote as unknown as Record<string, unknown>).edsegProbe).then(yes, yes);
    });
  }

  #died(link: Link, why: string, loaded = false): void {
    if (link.dead || link !== this.#link || this.#down) return;
    if (!this.#everUp) {
      const reason = this.#unavailable(why, loaded);
      link.end(reason);
      this.#link = null;
      this.#fail(reason);
      return;
    }
    const t = this.#now();
    this.#crashes = this.#crashes.filter((c) => t - c < CRASH_WINDOW_MS).concat(t);
    const crashed = new EdsegError(
      'worker-crashed',
      `edseg: the worker stopped (${why}); it was restarted, this call did not complete`,
    );
    link.end(crashed);
    if (this.#crashes.length >= MAX_CRASHES) {
      this.#link = null;
      this.#fail(
        new EdsegError(
          'worker-crashed',
          `edseg: the worker stopped ${this.#crashes.length} times within ${CRASH_WINDOW_MS / 1000} s (last: ${why}); segments stay empty until the page is reloaded`,
        ),
      );
      return;
    }
    const next = this.#spawn();
    if (!next) return;
    this.call('init', this.#hooks.init, this.#initTimeoutMs).catch(() => {
      /* a restart that fails is one more crash, seen through the error event or the timeout */
    });
    this.#hooks.onRestart(this.#crashes.length, why);
  }

  #unavailable(why: string, loaded = false): EdsegError {
    if (loaded)
      return new EdsegError(
        'worker-unavailable',
        `edseg: the worker loaded but did not start (${why}); another page may hold this site's storage. Segments stay empty until a reload.`,
      );
    const how = this.#source.blob
      ? `it loads ${this.#workerUrl} from another origin through a blob: worker, so the page's CSP must allow worker-src blob:, or`
      : 'check that the URL serves edseg.worker.js, or';
    return new EdsegError(
      'worker-unavailable',
      `edseg: no worker could start (${why}); ${how} copy edseg.worker.js to this site and set data-worker / workerUrl to it. Segments stay empty meanwhile.`,
    );
  }

  #giveUp(why: string): void {
    this.#link = null;
    this.#fail(this.#unavailable(why));
  }

  #fail(reason: EdsegError): void {
    if (this.#down) return;
    this.#down = reason;
    if (this.#source.blob) URL.revokeObjectURL(this.#source.url);
    this.#hooks.onDown(reason);
  }
}
