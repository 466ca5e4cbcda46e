/**
 * The worker's start: what the page talks to first, before the engine (TensorFlow.js, zod, JOSE, the
 * stores) is loaded. On init it sends the manifest request, reads the store with plain IndexedDB
 * (early.ts) and, if the stored decision is exactly what the first recompute would release now,
 * releases it at once; then it loads the engine and hands everything over (Engine.init's `early`).
 * Every other call waits for the engine and goes to it. In the built worker the engine is compiled
 * and evaluated only then (rollup.config.mjs `lazyEngine`), so the early answer pays for neither.
 */
import { EdsegError } from '../src/core/errors.js';
import type { DebugListener, EngineApi, EngineConfig, InitResult } from '../src/core/protocol.js';
import type { ReleasedSegment } from '../src/core/schema.js';
import type { EngineDeps } from './deps.js';
import type { EarlyStart } from './decision.js';
import { earlyRelease, type EarlyDeps } from './early.js';
import { fetchJws } from './manifest-fetch.js';

/** The longest the start waits for the early read before it loads the engine anyway (and releases nothing early). */
export const EARLY_WAIT_MS = 500;

/** What the start needs of the engine it loads. */
export type LoadedEngine = EngineApi & {
  init(
    config: EngineConfig,
    onSegments: (released: ReleasedSegment[]) => void,
    onDebug: DebugListener | undefined,
    early: EarlyStart,
  ): Promise<InitResult>;
};

export type StartDeps = EarlyDeps & Pick<EngineDeps, 'fetch' | 'storageTimeoutMs'>;

/** The browser's defaults for the start (deps.ts `browserDeps` builds on them). */
export function browserStartDeps(): StartDeps {
  const nav = (globalThis as { navigator?: Navigator & { globalPrivacyControl?: boolean } }).navigator;
  return {
    fetch: globalThis.fetch.bind(globalThis),
    now: () => Date.now(),
    origin: (globalThis as { location?: Location }).location?.origin ?? '',
    gpc: () => nav?.globalPrivacyControl === true,
  };
}

/** `p`, or `fallback` once `ms` have passed without it. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      () => (clearTimeout(timer), resolve(fallback)),
    );
  });
}

export class Starter implements EngineApi {
  #init: Promise<InitResult> | null = null;
  #engine: Promise<LoadedEngine> | null = null;

  constructor(
    private readonly deps: StartDeps,
    private readonly load: () => Promise<LoadedEngine>,
  ) {}

  init(
    config: EngineConfig,
    onSegments: (released: ReleasedSegment[]) => void,
    onDebug?: DebugListener,
  ): Promise<InitResult> {
    if (this.#init) return this.#init;
    const fetching = fetchJws(config, this.deps);
    const wait = Math.min(EARLY_WAIT_MS, this.deps.storageTimeoutMs ?? EARLY_WAIT_MS);
    // A read later than `wait` is dropped: the engine, loaded meanwhile, decides from then on.
    const released = within(earlyRelease(config, this.deps), wait, null).then((r) => {
      // The page's listener is its own: whatever it does, the engine still starts.
      if (r)
        try {
          void Promise.resolve(onSegments(r)).catch(() => undefined);
        } catch {
          /* a released callback, a throwing listener */
        }
      return r;
    });
    this.#engine = released.then(() => this.load());
    this.#init = Promise.all([this.#engine, released]).then(([engine, r]) =>
      engine.init(config, onSegments, onDebug, { fetching, released: r }),
    );
    return this.#init;
  }

  async #ready(): Promise<LoadedEngine> {
    if (!this.#engine) throw new EdsegError('closed', 'edseg: the engine was not initialised');
    return this.#engine;
  }

  // Every other call goes to the engine once it is loaded (after init).
  ingest = this.#to('ingest');
  declare = this.#to('declare');
  setConsent = this.#to('setConsent');
  segments = this.#to('segments');
  explain = this.#to('explain');
  flush = this.#to('flush');
  online = this.#to('online');
  exportData = this.#to('exportData');
  forget = this.#to('forget');

  #to<K extends Exclude<keyof EngineApi, 'init' | 'close'>>(name: K): EngineApi[K] {
    return (async (...args: unknown[]) =>
      ((await this.#ready())[name] as (...a: unknown[]) => unknown)(...args)) as EngineApi[K];
  }

  async close(): Promise<void> {
    if (this.#engine) await (await this.#engine).close();
  }
}
