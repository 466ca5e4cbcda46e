/**
 * What the engine holds, as one record that the engine's modules read and write in place: a module
 * reads a field when the engine's flow would have, so a change made meanwhile (another tab's forget())
 * is seen where it was before.
 */
import type { TimedEvent } from '../src/core/protocol.js';
import type { BlockCode, Consent, Declared, ReleasedSegment } from '../src/core/schema.js';
import type { Assignment, CurrentManifest, ManifestStatus } from './manifest.js';
import { MemoryStore, type DeviceStore } from './store.js';
import type { DecisionBasis } from '../src/core/decision.js';

/** The learner's store, consent and preferences, the current manifest, and what was assigned and released. */
export type EngineState = {
  store: DeviceStore;
  current: CurrentManifest | null;
  manifestStatus: ManifestStatus;
  consent: Consent | null;
  declared: Declared;
  assignments: Assignment[];
  released: ReleasedSegment[];
  normalised: number[] | null;
  /** what the last assignment read besides the manifest and the config (segments.ts), for saveDecision */
  basis: Pick<DecisionBasis, 'jws' | 'consent' | 'gpc' | 'declared' | 'revision' | 'day'> | null;
  forgotten: boolean;
  /** Global Privacy Control as last read (page or worker): every decision reads it anew */
  gpc: boolean;
  /** events tracked while no manifest is adopted, in memory only, until one says what may be stored */
  held: TimedEvent[];
  /** how many held events were dropped, oldest first, to keep `held` within MAX_HELD */
  heldDropped: number;
  /** why IndexedDB could not be used (the page then runs on memory), or null */
  storageFault: string | null;
  /** the fault is a time limit (another page holds the store): the store is tried again later */
  storageBlocked: boolean;
};

/** The most events held in memory while no manifest is adopted (the oldest are dropped beyond it). */
export const MAX_HELD = 5_000;

/** A fresh engine's state: memory store, no manifest, no consent. */
export function initialState(): EngineState {
  return {
    store: new MemoryStore(),
    current: null,
    manifestStatus: { status: 'missing' },
    consent: null,
    declared: {},
    assignments: [],
    released: [],
    normalised: null,
    basis: null,
    forgotten: false,
    gpc: false,
    held: [],
    heldDropped: 0,
    storageFault: null,
    storageBlocked: false,
  };
}

/** After forget(), here or in another tab: no learner state left in this engine. */
export function holdNothing(s: EngineState): void {
  s.store = new MemoryStore();
  s.consent = null;
  s.declared = {};
  s.assignments = [];
  s.released = [];
  s.normalised = null;
  s.basis = null;
  s.held = [];
}

/** Holds events in memory while no manifest is adopted: at most MAX_HELD, the oldest dropped and counted. */
export function holdEvents(s: EngineState, events: readonly TimedEvent[]): void {
  for (const e of events) s.held.push(e);
  const over = s.held.length - MAX_HELD;
  if (over > 0) {
    s.held.splice(0, over);
    s.heldDropped += over;
  }
}

/**
 * The consent record the rules read: the stored one, with Global Privacy Control on when it is on
 * now (in the page at start, or in the worker at this decision), whatever was stored with it.
 */
export function consentInForce(s: Readonly<EngineState>): Consent | null {
  if (s.consent === null) return null;
  return s.gpc && s.consent.gpc !== true ? { ...s.consent, gpc: true } : s.consent;
}

/** Why nothing at all may be released, if so. */
export function whyBlocked(s: Readonly<EngineState>): BlockCode | undefined {
  if (s.forgotten) return 'forgotten';
  if (s.current) return undefined;
  const reason = s.manifestStatus.reason;
  if (reason === 'origin-not-allowed') return 'origin-not-allowed';
  if (reason === 'site-mismatch') return 'site-mismatch';
  if (reason === 'expired') return 'manifest-expired';
  return s.manifestStatus.status === 'refused' ? 'manifest-refused' : 'manifest-missing';
}
