/**
 * The events the page holds: tracked and not yet handed to the worker (or held while no worker
 * runs), and the batches handed to it and not yet acknowledged, which a restarted worker is sent
 * again. At most MAX_HELD_EVENTS in all: beyond it the oldest tracked events are dropped and counted.
 */
import type { TimedEvent } from '../core/protocol.js';
import type { BatchId } from '../core/schema.js';
import { PREFIX } from './debug.js';

/** The most events held on the page: not yet acknowledged by the worker, or with no worker at all. */
export const MAX_HELD_EVENTS = 5_000;

/** A batch handed to the worker, with the id a replay keeps (the worker skips one it stored before). */
export type Batch = { events: TimedEvent[]; id: BatchId };

export type Held = {
  /** tracked, not yet handed to the worker (or held while no worker runs), oldest first */
  events: TimedEvent[];
  /** batches handed to the worker, not yet acknowledged: sent again to a restarted worker */
  unacked: Set<Batch>;
  /** tracked events dropped, oldest first, to stay within MAX_HELD_EVENTS */
  dropped: number;
};

/** Nothing held yet. */
export const noneHeld = (): Held => ({ events: [], unacked: new Set(), dropped: 0 });

/**
 * Drops the oldest held events past MAX_HELD_EVENTS (unacknowledged batches count too); in debug
 * mode a console line says how many.
 */
export function trim(h: Held, debug: boolean): void {
  const n = h.events.length + [...h.unacked].reduce((sum, b) => sum + b.events.length, 0);
  if (n <= MAX_HELD_EVENTS) return;
  const over = Math.min(h.events.length, n - MAX_HELD_EVENTS);
  h.events = h.events.slice(over);
  h.dropped += over;
  if (debug) console.info(`${PREFIX} ${over} tracked events dropped (at most ${MAX_HELD_EVENTS} are held)`);
}

/** Puts events the worker did not take back at the head, in order, then trims. */
export function holdAgain(h: Held, events: TimedEvent[], debug: boolean): void {
  h.events = events.concat(h.events);
  trim(h, debug);
}

/** The unacknowledged batches, oldest first: no longer counted as with the worker. */
export function takeUnacked(h: Held): Batch[] {
  const batches = [...h.unacked];
  h.unacked.clear();
  return batches;
}
