/** The engine's effects, passed in so tests can replace each one, and the browser's defaults for them. */
import { cryptoRng, type Rng } from '../src/core/privacy/random.js';
import type { AuditEntry, TabMessage } from '../src/core/schema.js';
import type { DeviceStore } from './store.js';
import { IdbStore, dbExists } from './idb.js';
import { versionFloor, type VersionFloor } from './floor.js';
import { browserStartDeps } from './start.js';

/** Everything the engine does to the world goes through these: network, clock, randomness, stores, tabs. */
export type EngineDeps = {
  fetch: typeof fetch;
  now: () => number;
  /** the page origin (a same-origin worker's own location.origin) */
  origin: string;
  /** navigator.globalPrivacyControl as the worker sees it */
  gpc: () => boolean;
  rng: Rng;
  /** opens the persistent store; tests may pass a factory over fake-indexeddb */
  openStore: (site: string) => Promise<DeviceStore>;
  storeExists: (site: string) => Promise<boolean>;
  /** the highest manifest version accepted per site, kept apart from the learner's store (forget() leaves it) */
  floor: VersionFloor;
  /** the channel other tabs' engines of this site listen on (BroadcastChannel in browsers and Node) */
  channel: (name: string) => TabChannel | null;
  /** the time limit on opening the store and on each of its first reads (default STORAGE_TIMEOUT_MS) */
  storageTimeoutMs?: number;
};

/** How long the start path waits for IndexedDB to open, and for each first read, before it runs on memory. */
export const STORAGE_TIMEOUT_MS = 3_000;

/** What engines of the same site tell each other across tabs (the schema's TabMessage). */
export type { TabMessage };
/** The part of a BroadcastChannel the engine uses. */
export type TabChannel = {
  postMessage(m: TabMessage): void;
  onmessage: ((ev: { data: TabMessage }) => void) | null;
  close(): void;
};

/** Appends an entry to the audit log of the engine's current store. */
export type AuditLog = (kind: AuditEntry['kind'], detail: Record<string, unknown>) => Promise<void>;

/** Browser defaults for the engine's effects. */
export function browserDeps(): EngineDeps {
  return {
    ...browserStartDeps(),
    rng: cryptoRng,
    openStore: (site) => IdbStore.open(site),
    storeExists: (site) => dbExists(site),
    floor: versionFloor(typeof indexedDB === 'undefined' ? undefined : indexedDB),
    channel: (name) =>
      typeof BroadcastChannel === 'function' ? (new BroadcastChannel(name) as unknown as TabChannel) : null,
  };
}
