/**
 * Data minimisation by construction (ARCHITECTURE.md, "The manifest"): an event is stored only
 * when some feature of the current manifest reads its type, and then only with the props a
 * feature reads. Everything else is dropped before it reaches storage.
 */
import { dayOf, type EventInput, type FeatureSpec, type StoredEvent } from './schema.js';

/** Event type -> the props some feature reads from it. A type in `types` may read no props. */
export type Vocabulary = { types: Set<string>; props: Map<string, Set<string>> };

/** Feature kinds that read a numeric prop of their `events` (count-like kinds read none). */
const READS_PROP = new Set<FeatureSpec['kind']>(['sum', 'mean', 'ratio']);

/**
 * The event types and props the features read.
 * Contract: a type is read when it is in a non-declared feature's `events` or `denominator`;
 * a prop only when the feature's kind uses it (sum, mean, ratio), and only for its `events`
 * (a ratio's denominator counts events and reads no prop). Declared features read no events.
 */
export function vocabularyOf(features: FeatureSpec[]): Vocabulary {
  const types = new Set<string>();
  const props = new Map<string, Set<string>>();
  for (const f of features) {
    if (f.kind === 'declared') continue;
    for (const t of [...f.events, ...(f.denominator ?? [])]) types.add(t);
    if (f.prop === undefined || !READS_PROP.has(f.kind)) continue;
    for (const t of f.events) {
      const set = props.get(t) ?? new Set<string>();
      set.add(f.prop);
      props.set(t, set);
    }
  }
  return { types, props };
}

/**
 * The event as it may be stored, or null when no feature reads its type.
 * Only props in the vocabulary survive, and only numbers and booleans: every feature kind reads
 * props as numbers, so a string prop is never needed and never stored.
 */
export function minimise(ev: EventInput & { ts: number }, vocab: Vocabulary): StoredEvent | null {
  if (!vocab.types.has(ev.type)) return null;
  const wanted = vocab.props.get(ev.type);
  const props: StoredEvent['props'] = {};
  if (wanted && ev.props) {
    for (const name of wanted) {
      const v = ev.props[name];
      if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) props[name] = v;
    }
  }
  return { type: ev.type, ts: ev.ts, day: dayOf(ev.ts), props };
}
