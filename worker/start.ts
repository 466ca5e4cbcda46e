/**
 * The worker's start: what the page talks to first, before the engine (TensorFlow.js, the plain
 * checks, the WebCrypto manifest verifier, the stores) is loaded. On init it sends the manifest
 * request at once, then loads the engine and hands it the request (Engine.init's `early`). Every
 * other call waits for the engine and goes to it. In the built worker the engine is compiled and
 * evaluated only then (rollup.config.mjs `lazyEngine`). The stored decision is released early by the
 * page itself, while this worker loads (src/client/early.ts; ARCHITECTURE.md "The start path").
 */
import { EdsegError } from '../src/core/errors.js';
import type { DebugListener, EngineApi, EngineConfig, InitResult } from '../src/core/protocol.js';
import type { ReleasedSegment } from '../src/core/schema.js';
import type { EngineDeps } from './deps.js';
import { fetchJws } from './manifest-fetch.js';

/** What the worker's start did before the engine was loaded, handed to Engine.init. */
export type EarlyStart = {
  /** the manifest request, sent at once */
  fetching: Promise<string | null>;
};

/** What the start needs of the engine it loads. */
export type LoadedEngine = EngineApi & {
  init(
    config: EngineConfig,
    onSegments: (released: ReleasedSegment[]) => void,
    onDebug: DebugListener | undefined,
    early: EarlyStart,
  ): Promise<InitResult>;
};

export type StartDeps = Pick<EngineDeps, 'fetch' | 'now' | 'origin' | 'gpc'>;

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
    this.#engine = this.load();
    this.#init = this.#engine.then((engine) => engine.init(config, onSegments, onDebug, { fetching }));
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
