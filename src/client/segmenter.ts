/**
 * createSegmenter: the main-thread SDK. Tiny by design: it checks (plain checks from
 * src/core/schema/checks.ts, no zod on the main thread), batches and forwards; the worker owns every
 * piece of learner state, the model and the network reports.
 *
 * Where no worker runs (no Worker or no IndexedDB: server-side rendering, Node, jsdom; a worker that
 * cannot start; one given up after repeated crashes) the segmenter is inert and stays callable:
 * track() and declare() still check their input and go to a bounded memory queue, segments()
 * resolves [], explain() says why in `blocked` ('no-worker', 'worker-unavailable', 'worker-crashed').
 */
import { proxy, type Remote } from './rpc.js';
import { EdsegError } from '../core/errors.js';
import type {
  DebugListener,
  EngineApi,
  ErrorListener,
  InitResult,
  Segmenter,
  SegmentsListener,
  EngineConfig,
  TimedEvent,
} from '../core/protocol.js';
import { checkConsent, checkDeclared, checkEvent, checkOptions } from '../core/schema/checks.js';
import type {
  BatchId,
  BlockCode,
  ConsentInput,
  Props,
  ReleasedSegment,
  SegmenterOptions,
} from '../core/schema.js';
import { WorkerBridge } from './bridge.js';
import { PREFIX, debugLine } from './debug.js';
import { pageEarly, pageEarlyDeps } from './early.js';
import { absolute, canRunWorker, pageSession } from './env.js';
import { holdAgain, noneHeld, takeUnacked, trim } from './held.js';
import { inertExplanation, inertExport, type Inert } from './inert.js';

const DEFAULT_TIMEOUT_MS = 15_000;
/** The longest the worker's creation waits for the early read (ARCHITECTURE.md "The start path"). */
export const SPAWN_WAIT_MS = 50;

function defaultWorkerUrl(): string {
  // For bundlers (Vite, webpack 5, Rollup) this pattern makes the worker an emitted asset.
  return new URL('./edseg.worker.js', import.meta.url).href;
}

/** Creates the SDK instance for one site; see packages/edseg/README.md "Configuration". */
export function createSegmenter(options: SegmenterOptions): Segmenter {
  return segmenterFor(checkOptions<SegmenterOptions>(options));
}

/**
 * The segmenter for checked options; with `unavailable`, an inert one that says so (the script tag's
 * answer to a configuration it cannot start with, so the host page's calls still never throw).
 */
export function segmenterFor(opts: SegmenterOptions, unavailable?: EdsegError): Segmenter {
  const debug = opts.debug === true;
  const segmentsListeners = new Set<SegmentsListener>();
  const errorListeners = new Set<ErrorListener>();
  /** the tracked events not yet handed to the worker, and the batches it did not acknowledge yet */
  const held = noneHeld();
  /** this Segmenter's page session for batch ids: random, never from learner data */
  const session = pageSession();
  let nextSeq = 0;
  let scheduled = false;
  let stopped: EdsegError | null = null;
  /** set once no worker runs: why, and the error the `error` event carried (null for 'no-worker') */
  let inert: Inert | null = null;
  let declared: Record<string, string> = {};
  let pendingDeclares: Record<string, string>[] = [];
  let lastConsent: ConsentInput | undefined;
  /** the segments last emitted, and whether a restored page's new worker is starting (see onShow) */
  let lastEmitted: string | null = null;
  let resuming = false;
  /** the stored decision the page releases itself while the worker loads (early.ts) */
  let early: ReturnType<typeof pageEarly> | null = null;
  const endEarly = () => early?.end();
  /** the batches not acknowledged when the page entered the back/forward cache, replayed on restore */
  let parked: ReturnType<typeof takeUnacked> = [];

  const later = (fn: () => void) => void Promise.resolve().then(fn);
  const emitTo = <T>(set: Set<(v: T) => void>, v: T) => {
    for (const cb of [...set]) {
      try {
        cb(v);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  };

  const live = !unavailable && canRunWorker();
  const manifestUrl = live ? absolute(opts.manifestUrl, 'options.manifestUrl') : opts.manifestUrl;
  const collectorUrl = live ? absolute(opts.collectorUrl, 'options.collectorUrl') : opts.collectorUrl;
  const workerUrl = live ? absolute(opts.workerUrl ?? defaultWorkerUrl(), 'options.workerUrl') : '';

  /** The page gets segments; `released` as JSON is what it last got. */
  const emit = (released: ReleasedSegment[], json: string) => {
    lastEmitted = json;
    emitTo(segmentsListeners, released);
  };
  /** No worker will confirm or replace what was released early: the page keeps none of it. */
  const retractEarly = () => {
    if (early?.take() && lastEmitted !== '[]') emit([], '[]');
  };

  const goInert = (code: BlockCode, error: EdsegError | null) => {
    if (inert) return;
    inert = { code, error };
    retractEarly();
    for (const b of takeUnacked(held).reverse()) holdAgain(held, b.events, debug);
    if (error) {
      console.warn(`${PREFIX} ${error.message}`);
      later(() => emitTo(errorListeners, error));
    }
  };

  /** One console warning for what the started worker could not do: its storage, its manifest. */
  const warnAtStart = (r: InitResult | undefined) => {
    if (r?.storageBlocked)
      console.warn(
        `${PREFIX} the worker started, but this site's storage is held by another page (${r.storageBlocked}); data is kept in memory, storage tried again later`,
      );
    // The refused manifest's warning, composed by the worker (worker/warning.ts); with debug too. An
    // older self-hosted worker sends only the reason.
    const refused =
      r?.warning ??
      (r?.manifestRefused &&
        `${PREFIX} nothing is released: the manifest was refused (${r.manifestRefused})`);
    if (refused) console.warn(refused);
  };

  let bridge: WorkerBridge | null = null;
  let ready: Promise<void>;
  if (live) {
    const nav = globalThis.navigator as (Navigator & { globalPrivacyControl?: boolean }) | undefined;
    // The callbacks' proxies must stay referenced as long as a worker may call them.
    const onSegments = proxy((released: ReleasedSegment[]) => {
      const json = JSON.stringify(released);
      // The worker's first recompute agrees with the early release, or a worker restarted after a
      // back/forward-cache restore recomputes what the page already has: the page has these.
      if ((early?.take() || resuming) && json === lastEmitted) return;
      emit(released, json);
    });
    const onDebug: DebugListener | undefined = debug
      ? proxy((kind: string, detail: Record<string, unknown>) => console.info(debugLine(kind, detail)))
      : undefined;
    const { workerUrl: _w, timeoutMs: _t, ...forWorker } = opts;
    // `early`: the worker waits for what the early read released, until that message is sent (below).
    const config: EngineConfig = {
      ...forWorker,
      manifestUrl,
      collectorUrl,
      ...(nav?.globalPrivacyControl === true ? { pageGpc: true } : {}),
      early: 'pending',
    };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // While the worker loads, the page releases the stored decision if it is exactly what the
    // worker's first recompute would release now (early.ts, src/core/decision.ts).
    early = pageEarly(config, pageEarlyDeps(), (r) => {
      if (stopped || inert) return false;
      if (debug && r.length)
        console.info(debugLine('segments-released', { segments: r.map((x) => x.id), early: true }));
      emit(r, JSON.stringify(r));
      return true;
    });
    bridge = new WorkerBridge(workerUrl, timeoutMs, Math.max(timeoutMs, 30_000), {
      init: (r) => r.init(lastConsent ? { ...config, consent: lastConsent } : config, onSegments, onDebug),
      onRestart: (crashes, why) => {
        if (debug)
          console.info(`${PREFIX} the worker stopped (${why}); restarted (${crashes} in the last minute)`);
        // What the dead worker did not acknowledge goes to the new one, in order, before anything newer.
        for (const b of takeUnacked(held)) send(b.events, b.id);
        for (const p of pendingDeclares) void forward('declare', (r) => r.declare(p)).catch(() => {});
      },
      onDown: (reason) =>
        goInert(reason.code === 'worker-crashed' ? 'worker-crashed' : 'worker-unavailable', reason),
      // Created once the early read is over, or after SPAWN_WAIT_MS: the worker script's load and
      // start would contend with the read for the page's thread and the storage (WebKit).
      after: Promise.race([early.settled, new Promise((r) => setTimeout(r, SPAWN_WAIT_MS))]),
    });
    // Once the read is over, the worker is told what it released (it logs it); its init, sent first,
    // said `pending`; a worker started after this call reached one (a restart) is not told to wait.
    const tell = (b: Remote<EngineApi>, x: ReleasedSegment[] | null) => {
      delete config.early;
      return b.earlyReleased(x);
    };
    void early.settled.then((x) => bridge?.call('early', (b) => tell(b, x)).catch(() => {}));
    ready = bridge.started.then(
      (r) => warnAtStart(r as InitResult | undefined),
      (e: unknown) => {
        if (!bridge?.alive && e === bridge?.downReason) return; // inert: ready resolves, segments() gives []
        retractEarly(); // the engine did not start: nothing will confirm what was released early
        throw e;
      },
    );
  } else {
    goInert(unavailable ? 'worker-unavailable' : 'no-worker', unavailable ?? null);
    ready = Promise.resolve();
  }
  ready.catch(() => {}); // surfaced by every later call

  const alive = () => {
    if (stopped) throw stopped;
  };

  /**
   * Hands one batch to the worker; it stays unacknowledged until the worker has taken it. A replay
   * keeps the batch's id, so the worker skips it if it stored it before it crashed.
   */
  const send = (events: TimedEvent[], id: BatchId = { session, seq: nextSeq++ }) => {
    const batch = { events, id };
    held.unacked.add(batch);
    bridge!
      .call('track', (r) => r.ingest(events, id))
      .then(
        () => held.unacked.delete(batch),
        () => {
          // Replayed to a restarted worker (onRestart) or held by goInert already; else put back in order.
          if (held.unacked.delete(batch) && !stopped) holdAgain(held, events, debug);
        },
      );
  };
  const sendBuffer = () => {
    scheduled = false;
    if (held.events.length === 0 || stopped || inert || !bridge) return;
    const batch = held.events;
    held.events = [];
    send(batch);
  };
  /** The inert answer of a call, when no worker runs. */
  const inertAnswer = (label: string): unknown => {
    switch (label) {
      case 'segments':
        return [];
      case 'explain':
        return inertExplanation(opts, inert, held, declared, lastConsent);
      case 'flush':
        return { sent: 0, pending: 0 };
      case 'exportData':
        return inertExport(opts.site, declared, lastConsent);
      default:
        return undefined;
    }
  };
  /**
   * Every call first hands the worker the events tracked before it (not awaited: the worker takes
   * its messages in order), so one round trip answers it.
   */
  const forward = async <T>(label: string, fn: (remote: Remote<EngineApi>) => Promise<T>): Promise<T> => {
    alive();
    sendBuffer();
    if (inert || !bridge) return inertAnswer(label) as T;
    try {
      return await bridge.call(label, fn);
    } catch (e) {
      // The worker turned out unable to start while this call waited: answer as an inert segmenter.
      if (inert && e === bridge.downReason) return inertAnswer(label) as T;
      throw e;
    }
  };

  // Hiding the page (a tab switch, or before leaving) has the worker report and deliver; nothing waits
  // for it (its collector requests are keepalive). Leaving into the back/forward cache (pagehide with
  // `persisted`) terminates the worker instead, so no IndexedDB work of it is frozen with the page,
  // holding the store the site's next page needs (Firefox, WebKit); what it did not acknowledge goes
  // to the new worker when the page is shown again (ARCHITECTURE.md "Navigation and the back/forward
  // cache"). No listener for the unload event, ever: it bars the back/forward cache. Dedicated
  // workers get no `online` event, so the page forwards it.
  const hasDocument = typeof document !== 'undefined' && typeof addEventListener === 'function';
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') void seg.flush().catch(() => {});
  };
  const onHide = (ev: Event) => {
    if (!(ev as PageTransitionEvent).persisted) return void seg.flush().catch(() => {});
    endEarly(); // no store read stays frozen with the page
    if (stopped || inert || !bridge) return;
    parked = parked.concat(takeUnacked(held));
    bridge.suspend();
  };
  const onShow = (ev: Event) => {
    if (!(ev as PageTransitionEvent).persisted || stopped || inert || !bridge) return;
    resuming = true;
    const restarted = bridge.resume();
    // In order, before anything newer: the batches the closed worker did not acknowledge, then
    // the preferences it had not stored.
    const replay = parked;
    parked = [];
    for (const b of replay) send(b.events, b.id);
    sendBuffer();
    for (const p of pendingDeclares) void forward('declare', (r) => r.declare(p)).catch(() => {});
    void restarted.finally(() => (resuming = false));
  };
  const onOnline = () => void forward('online', (r) => r.online()).catch(() => {});
  /** The page events this segmenter listens to, and on what: added now, removed by stop(). */
  const hooked: [EventTarget, string, (ev: Event) => void][] =
    hasDocument && live
      ? [
          [document, 'visibilitychange', onVisibility],
          [globalThis, 'pagehide', onHide],
          [globalThis, 'pageshow', onShow],
          [globalThis, 'online', onOnline],
        ]
      : [];
  for (const [target, type, fn] of hooked) target.addEventListener(type, fn);
  /** Ends this segmenter: later calls reject with `reason`, and nothing of it stays hooked to the page. */
  const stop = (reason: EdsegError) => {
    stopped = reason;
    endEarly();
    for (const [target, type, fn] of hooked) target.removeEventListener(type, fn);
    bridge?.close(reason);
  };

  const seg: Segmenter = {
    ready,
    track(type, props) {
      if (stopped) throw stopped;
      const p = checkEvent(type, props);
      const ts = Date.now();
      held.events.push(p ? { type, props: p as Props, ts } : { type, ts });
      if (inert) trim(held, debug);
      else if (!scheduled) {
        scheduled = true;
        queueMicrotask(sendBuffer);
      }
    },
    declare(prefs) {
      alive();
      const p = { ...checkDeclared(prefs) };
      declared = { ...declared, ...p };
      endEarly(); // the early read decided on the preferences stored before these
      if (inert) return;
      pendingDeclares.push(p);
      forward('declare', (r) => r.declare(p)).then(
        () => (pendingDeclares = pendingDeclares.filter((x) => x !== p)),
        () => {},
      );
    },
    async setConsent(consent) {
      checkConsent(consent);
      endEarly(); // the early read decided on the consent stored before this one
      await forward('setConsent', (r) => r.setConsent(consent));
      lastConsent = consent;
    },
    segments: () => forward('segments', (r) => r.segments()),
    on(event: 'segments' | 'error', cb: SegmentsListener | ErrorListener) {
      if (event !== 'segments' && event !== 'error')
        throw new EdsegError('invalid-input', `edseg: unknown event "${String(event)}"`, 'event');
      if (typeof cb !== 'function')
        throw new EdsegError('invalid-input', 'edseg: the listener must be a function', 'cb');
      if (event === 'segments') segmentsListeners.add(cb as SegmentsListener);
      else {
        errorListeners.add(cb as ErrorListener);
        const error = inert?.error;
        if (error) later(() => (cb as ErrorListener)(error));
      }
    },
    off(event: 'segments' | 'error', cb: SegmentsListener | ErrorListener) {
      if (event === 'segments') segmentsListeners.delete(cb as SegmentsListener);
      if (event === 'error') errorListeners.delete(cb as ErrorListener);
    },
    explain: () => forward('explain', (r) => r.explain()),
    flush: () => forward('flush', (r) => r.flush()),
    exportData: () => forward('exportData', (r) => r.exportData()),
    async forget() {
      alive();
      held.events = [];
      held.unacked.clear();
      declared = {};
      endEarly();
      try {
        if (bridge && !inert) await bridge.call('forget', (r) => r.forget());
      } finally {
        // Nothing is released any more: the page's listeners (edseg/activate's too) hear it once, last.
        emitTo(segmentsListeners, []);
        segmentsListeners.clear();
        errorListeners.clear();
        stop(
          new EdsegError(
            'forgotten',
            'edseg: this segmenter was reset with forget(); create a new one to start again',
          ),
        );
      }
    },
    async close() {
      if (stopped) return;
      try {
        sendBuffer();
        if (bridge && !inert) await bridge.call('close', (r) => r.close());
      } finally {
        stop(new EdsegError('closed', 'edseg: this segmenter was closed'));
      }
    },
  };
  return seg;
}
