/**
 * createSegmenter: the main-thread SDK. Tiny by design: it validates, batches and forwards; the
 * worker owns every piece of learner state, the model and the network reports.
 */
import { proxy, type Remote } from 'comlink';
import { EdsegError } from '../core/errors.js';
import type { EngineApi, Segmenter, SegmentsListener, TimedEvent } from '../core/protocol.js';
import {
  ConsentInput,
  Declared,
  EventInput,
  SegmenterOptions,
  parseOrThrow,
  type Props,
  type ReleasedSegment,
} from '../core/schema.js';
import { installErrorTransfer } from '../core/wire-errors.js';
import { WorkerBridge } from './bridge.js';

const DEFAULT_TIMEOUT_MS = 15_000;

function absolute(url: string, field: string): string {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    throw new EdsegError('invalid-input', `edseg: ${field} is not a URL: ${url}`, field);
  }
}

function defaultWorkerUrl(): string {
  // For bundlers (Vite, webpack 5, Rollup) this pattern makes the worker an emitted asset.
  return new URL('./edseg.worker.js', import.meta.url).href;
}

/** Creates the SDK instance for one site; see README "Configuration". */
export function createSegmenter(options: SegmenterOptions): Segmenter {
  const opts = parseOrThrow(SegmenterOptions, options, 'options');
  const manifestUrl = absolute(opts.manifestUrl, 'options.manifestUrl');
  const collectorUrl = absolute(opts.collectorUrl, 'options.collectorUrl');
  const workerUrl = absolute(opts.workerUrl ?? defaultWorkerUrl(), 'options.workerUrl');
  installErrorTransfer();

  const bridge = new WorkerBridge(workerUrl, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const listeners = new Set<SegmentsListener>();
  let buffer: TimedEvent[] = [];
  let scheduled = false;
  let stopped: EdsegError | null = null;

  const emit = (released: ReleasedSegment[]) => {
    for (const cb of [...listeners]) {
      try {
        cb(released);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  };
  // The callback proxy must stay referenced as long as the worker may call it.
  const onSegments = proxy(emit);

  const nav = globalThis.navigator as (Navigator & { globalPrivacyControl?: boolean }) | undefined;
  const ready = bridge
    .call(
      'init',
      (r) =>
        r.init(
          {
            site: opts.site,
            manifestUrl,
            collectorUrl,
            publicKeys: opts.publicKeys,
            ...(opts.consent ? { consent: opts.consent } : {}),
            ...(nav?.globalPrivacyControl === true ? { pageGpc: true } : {}),
            ...(opts.reportIntervalMs ? { reportIntervalMs: opts.reportIntervalMs } : {}),
            ...(opts.manifestRefreshMs ? { manifestRefreshMs: opts.manifestRefreshMs } : {}),
            ...(opts.maxEpsilonPerReport !== undefined
              ? { maxEpsilonPerReport: opts.maxEpsilonPerReport }
              : {}),
            ...(opts.maxEpsilonWindow !== undefined ? { maxEpsilonWindow: opts.maxEpsilonWindow } : {}),
          },
          onSegments,
        ),
      Math.max(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 30_000),
    )
    .then(() => undefined);
  ready.catch(() => {
    /* surfaced by every later call */
  });

  const alive = () => {
    if (stopped) throw stopped;
  };

  const sendBuffer = (): Promise<void> => {
    scheduled = false;
    if (buffer.length === 0 || stopped) return Promise.resolve();
    const batch = buffer;
    buffer = [];
    return bridge
      .call('track', (r) => r.ingest(batch))
      .catch((e: unknown) => {
        // A failed delivery to the worker puts the batch back; nothing valid is lost.
        if (!stopped && bridge.alive) buffer = batch.concat(buffer);
        throw e;
      });
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      sendBuffer().catch(() => {
        /* retried by the next flush */
      });
    });
  };
  /** Every call first hands the worker the events tracked before it, so the worker sees them in order. */
  const call = async <T>(label: string, fn: (remote: Remote<EngineApi>) => Promise<T>): Promise<T> => {
    alive();
    await sendBuffer();
    return bridge.call(label, fn);
  };

  // Hiding or leaving the page hands the worker what is buffered and has it report and deliver;
  // nothing waits for it (the worker's collector requests are keepalive). Dedicated workers get no
  // `online` event, so the page forwards it.
  const hasDocument = typeof document !== 'undefined';
  const onHide = () => void seg.flush().catch(() => {});
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  const onOnline = () => void bridge.call('online', (r) => r.online()).catch(() => {});
  if (hasDocument) {
    document.addEventListener('visibilitychange', onVisibility);
    addEventListener('pagehide', onHide);
    addEventListener('online', onOnline);
  }
  /** Ends this segmenter: later calls reject with `reason`, and nothing of it stays hooked to the page. */
  const stop = (reason: EdsegError) => {
    stopped = reason;
    if (hasDocument) {
      document.removeEventListener('visibilitychange', onVisibility);
      removeEventListener('pagehide', onHide);
      removeEventListener('online', onOnline);
    }
    bridge.kill(reason);
  };

  const seg: Segmenter = {
    ready,
    track(type, props) {
      alive();
      const ev = parseOrThrow(EventInput, props === undefined ? { type } : { type, props }, 'event');
      buffer.push({ type: ev.type, ...(ev.props ? { props: ev.props as Props } : {}), ts: Date.now() });
      schedule();
    },
    declare(prefs) {
      alive();
      const p = parseOrThrow(Declared, prefs, 'prefs');
      void call('declare', (r) => r.declare(p)).catch(() => {});
    },
    async setConsent(consent) {
      const c = parseOrThrow(ConsentInput, consent, 'consent');
      await call('setConsent', (r) => r.setConsent(c));
    },
    segments: () => call('segments', (r) => r.segments()),
    on(event, cb) {
      if (event !== 'segments')
        throw new EdsegError('invalid-input', `edseg: unknown event "${String(event)}"`, 'event');
      if (typeof cb !== 'function')
        throw new EdsegError('invalid-input', 'edseg: the listener must be a function', 'cb');
      listeners.add(cb);
    },
    off(event, cb) {
      if (event === 'segments') listeners.delete(cb);
    },
    explain: () => call('explain', (r) => r.explain()),
    flush: () => call('flush', (r) => r.flush()),
    exportData: () => call('exportData', (r) => r.exportData()),
    async forget() {
      alive();
      buffer = [];
      try {
        await bridge.call('forget', (r) => r.forget());
      } finally {
        listeners.clear();
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
        await sendBuffer();
        await bridge.call('close', (r) => r.close());
      } finally {
        stop(new EdsegError('closed', 'edseg: this segmenter was closed'));
      }
    },
  };
  return seg;
}
