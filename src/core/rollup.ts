/**
 * Daily rollups: one row per (day, event type, prop) holding count / sum / min / max.
 * The row with prop '' counts the events themselves (every field is a count of 1 per event, so
 * sum = count and min = max = 1); a numeric prop's row aggregates its values and a boolean prop's
 * row aggregates 1 (true) / 0 (false). String props are never rolled up.
 * Rows merge associatively, so the worker can add one event at a time or re-fold a whole import.
 */
import { EdsegError } from './errors.js';
import type { Rollup, StoredEvent } from './schema.js';

/** The identity of a rollup row: `${day}|${type}|${prop}`. */
export function rollupKey(r: Pick<Rollup, 'day' | 'type' | 'prop'>): string {
  return `${r.day}|${r.type}|${r.prop}`;
}

/** The rows one event adds: its '' count row, then one row per numeric or boolean prop. */
export function rollupDeltas(ev: StoredEvent): Rollup[] {
  const rows: Rollup[] = [{ day: ev.day, type: ev.type, prop: '', count: 1, sum: 1, min: 1, max: 1 }];
  for (const [prop, v] of Object.entries(ev.props)) {
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (typeof x !== 'number' || !Number.isFinite(x)) continue;
    rows.push({ day: ev.day, type: ev.type, prop, count: 1, sum: x, min: x, max: x });
  }
  return rows;
}

/** `prev` with `delta` added; `prev` undefined means a new row. Both must share one key. */
export function mergeRollup(prev: Rollup | undefined, delta: Rollup): Rollup {
  if (prev === undefined) return { ...delta };
  if (rollupKey(prev) !== rollupKey(delta)) {
    throw new EdsegError(
      'invalid-input',
      `edseg: cannot merge rollup ${rollupKey(delta)} into ${rollupKey(prev)}`,
      'delta',
    );
  }
  return {
    day: prev.day,
    type: prev.type,
    prop: prev.prop,
    count: prev.count + delta.count,
    sum: prev.sum + delta.sum,
    min: Math.min(prev.min, delta.min),
    max: Math.max(prev.max, delta.max),
  };
}

/** The rollups of a list of events, sorted by day, then type, then prop. */
export function rollupEvents(events: StoredEvent[]): Rollup[] {
  const rows = new Map<string, Rollup>();
  for (const ev of events) {
    for (const d of rollupDeltas(ev)) {
      const key = rollupKey(d);
      rows.set(key, mergeRollup(rows.get(key), d));
    }
  }
  return [...rows.values()].sort((a, b) => a.day - b.day || cmp(a.type, b.type) || cmp(a.prop, b.prop));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
