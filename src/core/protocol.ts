/**
 * The two contracts, types only: the public `Segmenter` API (what 'edseg' exports, packages/edseg/README.md "API"),
 * written here once, and the page <-> worker protocol, the engine's interface exposed over the worker RPC,
 * derived from it. The page never holds learner data beyond what it forwards; the worker owns all state.
 */
import type { EdsegError } from './errors.js';
import type {
  BatchId,
  ConsentInput,
  Declared,
  DeviceExport,
  EngineConfig,
  EventInput,
  Explanation,
  ReleasedSegment,
} from './schema.js';

/** What `on('segments', cb)` calls with the released segments. */
export type SegmentsListener = (released: ReleasedSegment[]) => void;
/** What `on('error', cb)` calls with: the worker could not start (`worker-unavailable`) or was given up (`worker-crashed`). */
export type ErrorListener = (error: EdsegError) => void;
/** The events a Segmenter emits. */
export type SegmenterEvent = 'segments' | 'error';
/**
 * A debug note from the worker (only when `debug: true`): an audit kind ('manifest-refused',
 * 'report-queued', 'report-sent', 'report-dropped', ...), 'segment-blocked' (a consent rule) or
 * 'model-not-assigned' (consent does not allow the model's purpose), with its detail.
 * The page prints it as one `[edseg]` console line.
 */
export type DebugListener = (kind: string, detail: Record<string, unknown>) => void;

/** The public API: what `createSegmenter` returns and the script tag exposes as `window.edseg`. */
export interface Segmenter {
  /** Records an engagement event; throws EdsegError synchronously on invalid input, naming the field. */
  track(type: string, props?: Record<string, number | string | boolean>): void;
  /** Zero-party data (e.g. { goal: 'exam' }), kept on the device. */
  declare(prefs: Record<string, string>): void;
  /** Records the learner's consent; takes effect at once (segments recomputed, `segments` fired). */
  setConsent(consent: ConsentInput): Promise<void>;
  /** The segments that consent and the site policy allow. */
  segments(): Promise<ReleasedSegment[]>;
  /** Calls `cb` whenever the released list changes, and on every consent change. */
  on(event: 'segments', cb: SegmentsListener): void;
  /** Calls `cb` once if no worker can start or it is given up after repeated crashes (at once if already so). */
  on(event: 'error', cb: ErrorListener): void;
  /** Stops calling `cb`. */
  off(event: 'segments', cb: SegmentsListener): void;
  off(event: 'error', cb: ErrorListener): void;
  /** Per segment: assigned?, released?, channel, reason codes; and the privacy budget spent. */
  explain(): Promise<Explanation>;
  /** Builds this period's report if due and allowed, then delivers the outbox. */
  flush(): Promise<{ sent: number; pending: number }>;
  /** Everything stored on this device, as JSON. */
  exportData(): Promise<DeviceExport>;
  /** Deletes all local data, stops the worker; nothing is sent afterwards. */
  forget(): Promise<void>;
  /** Stops the worker, keeping local data. */
  close(): Promise<void>;
  /** Resolves once the worker has loaded (or refused) the manifest. */
  readonly ready: Promise<void>;
}

/** An event as the page hands it to the worker: validated, with the time `track` was called. */
export type TimedEvent = EventInput & { ts: number };

export type { EngineConfig } from './schema.js';

/**
 * What `init` resolves with: the manifest version loaded (null if refused) and whether storage persists;
 * `storageBlocked`: why the store was not used (another page of the site holds it: the page runs on
 * memory and tries it again later); `manifestRefused`: why no manifest was adopted, when one was
 * answered and refused; `warning`: the worker's console warning for that refusal, naming the cause and
 * its fix (worker/warning.ts). The page warns once for each (src/client/segmenter.ts).
 */
export type InitResult = {
  manifestVersion: number | null;
  persisted: boolean;
  storageBlocked?: string;
  manifestRefused?: string;
  warning?: string;
};

/** The Segmenter calls the page forwards as they are: same arguments, same result. */
type Forwarded = 'setConsent' | 'segments' | 'explain' | 'flush' | 'exportData' | 'forget' | 'close';

/**
 * The engine's interface: the Segmenter's forwarded calls, plus the three that differ from the page's:
 * `init` (createSegmenter's options and its `ready`; the engine calls back one `onSegments`, the page
 * keeps the `on`/`off` listeners), `ingest` (`track` batches timestamped events), and `declare` (the
 * page's is fire-and-forget, the engine's resolves once done).
 * Must hold: every method resolves only after its effect is durable where consent allows persistence.
 */
export interface EngineApi extends Pick<Segmenter, Forwarded> {
  /** Loads the manifest and the stored state for one site; `onDebug` is given only when config.debug is true. */
  init(config: EngineConfig, onSegments: SegmentsListener, onDebug?: DebugListener): Promise<InitResult>;
  /**
   * Takes a batch of tracked events, in order: the page sends one batch per microtask (every track()
   * of one task in one message) and, after a worker crash, sends again the batches not acknowledged.
   * With `batch` (the page's id for it), a batch the worker already stored is not stored again: a
   * replay of a batch stored before the crash but not acknowledged is exactly-once.
   */
  ingest(events: TimedEvent[], batch?: BatchId): Promise<void>;
  /** Stores validated zero-party data. */
  declare(prefs: Declared): Promise<void>;
  /** The page saw the `online` event (dedicated workers get none): delivers what failed offline. */
  online(): Promise<void>;
  /**
   * What the page released early at this start (src/client/early.ts; null: nothing), once its read
   * is over, after an init whose `config.early` was 'pending'; the engine only logs it. Ignored otherwise.
   */
  earlyReleased(released: ReleasedSegment[] | null): Promise<void>;
}
