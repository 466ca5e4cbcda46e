/**
 * The destinations of edseg/activate: one factory per tool, each checking its options and the tool's
 * object at once (an EdsegError naming the field), each delivering a list of segment ids (and names,
 * when its options ask) through the tool's own public API. Nothing else of edseg's is ever handed over.
 */
import { EdsegError } from '../core/errors.js';
import type { Purpose } from '../core/schema.js';

const PURPOSE_LIST: readonly Purpose[] = ['instruction', 'analytics', 'marketing', 'advertising'];
const NAME_RE = /^[A-Za-z_$][A-Za-z0-9_$.:-]{0,63}$/;

/** What every destination's options share. */
export type DestinationOptions = {
  /** the purposes this tool is declared for: only released segments of these purposes reach it (required) */
  purposes: Purpose[];
  /** also hand over the segments' names (default false: ids only) */
  names?: boolean;
};
/** Options of the trait-setting destinations: the trait or property name (default `edseg_segments`). */
export type TraitOptions = DestinationOptions & { trait?: string };
/** Options of the dataLayer destination. */
export type DataLayerOptions = DestinationOptions & {
  /** the array to push to (default `window[name]`, created when missing) */
  dataLayer?: unknown[];
  /** the global's name when no array is given (default `dataLayer`, as GTM's) */
  name?: string;
};

/** What one hand-over carries: the ids, and the names when the destination's options ask. */
export type Delivery = { segments: string[]; names?: string[] };

/** A destination made by one of the factories below; `activate()` accepts nothing else. */
export type Destination = {
  readonly kind: 'dataLayer' | 'segment' | 'posthog' | 'rudderstack' | 'amplitude';
  readonly purposes: readonly Purpose[];
  readonly names: boolean;
  /** hands the current list to the tool (an empty list withdraws everything) */
  deliver(d: Delivery): void;
};

const made = new WeakSet<Destination>();
/** Whether `d` came from one of this module's factories. */
export const isDestination = (d: unknown): d is Destination =>
  typeof d === 'object' && d !== null && made.has(d as Destination);

const invalid = (where: string, field: string, message: string): never => {
  throw new EdsegError('invalid-input', `edseg/activate: ${where}: ${field} ${message}`, field);
};

function checkOptions(where: string, options: unknown, extra: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    invalid(where, 'options', 'must be an object with purposes, e.g. { purposes: ["instruction"] }');
  const o = options as Record<string, unknown>;
  const p = o.purposes;
  if (p === undefined)
    invalid(where, 'options.purposes', 'is required: the purposes this tool is declared for');
  if (!Array.isArray(p) || p.length === 0)
    invalid(where, 'options.purposes', `must be a non-empty array of ${PURPOSE_LIST.join(', ')}`);
  (p as unknown[]).forEach((x, i) => {
    if (!PURPOSE_LIST.includes(x as Purpose))
      invalid(where, `options.purposes.${i}`, `must be one of ${PURPOSE_LIST.join(', ')}`);
  });
  if (o.names !== undefined && typeof o.names !== 'boolean')
    invalid(where, 'options.names', 'must be a boolean');
  for (const k of Object.keys(o))
    if (!['purposes', 'names', ...extra].includes(k)) invalid(where, `options.${k}`, 'is not an option');
  return o;
}

function nameOption(where: string, o: Record<string, unknown>, key: string, fallback: string): string {
  const v = o[key] ?? fallback;
  if (typeof v !== 'string' || !NAME_RE.test(v))
    invalid(where, `options.${key}`, 'must be a name: a letter, then up to 63 letters, digits, _ $ . : -');
  return v as string;
}

function method(where: string, field: string, tool: unknown, name: string): void {
  if (typeof tool !== 'object' && typeof tool !== 'function')
    invalid(where, field, 'must be the tool object');
  if (tool === null || typeof (tool as Record<string, unknown>)[name] !== 'function')
    invalid(where, field, `must have a ${name}() method`);
}

function destination(
  kind: Destination['kind'],
  o: Record<string, unknown>,
  deliver: (d: Delivery) => void,
): Destination {
  const d: Destination = Object.freeze({
    kind,
    purposes: Object.freeze([...(o.purposes as Purpose[])]),
    names: o.names === true,
    deliver,
  });
  made.add(d);
  return d;
}

/** GTM-style: pushes `{ event: 'edseg.segments', edseg: { segments: [ids], names? } }` to the dataLayer. */
export function dataLayer(options: DataLayerOptions): Destination {
  const where = 'dataLayer(options)';
  const o = checkOptions(where, options, ['dataLayer', 'name']);
  if (o.dataLayer !== undefined && !Array.isArray(o.dataLayer))
    invalid(where, 'options.dataLayer', 'must be an array');
  const name = nameOption(where, o, 'name', 'dataLayer');
  const given = o.dataLayer as unknown[] | undefined;
  return destination('dataLayer', o, (d) => {
    const g = globalThis as unknown as Record<string, unknown>;
    // Resolved at each push: the tag manager may load after activate().
    const layer = given ?? (Array.isArray(g[name]) ? (g[name] as unknown[]) : (g[name] = []));
    layer.push({ event: 'edseg.segments', edseg: { ...d } });
  });
}

const traits = (o: Record<string, unknown>, trait: string, d: Delivery): Record<string, string[]> => ({
  [trait]: d.segments,
  ...(o.names === true ? { [`${trait}_names`]: d.names ?? [] } : {}),
});

/** Segment (analytics-next): `analytics.identify({ edseg_segments: [ids] })`, the user's traits. */
export function segment(
  analytics: { identify: (...a: never[]) => unknown },
  options: TraitOptions,
): Destination {
  const where = 'segment(analytics, options)';
  method(where, 'analytics', analytics, 'identify');
  const o = checkOptions(where, options, ['trait']);
  const trait = nameOption(where, o, 'trait', 'edseg_segments');
  const identify = analytics.identify as unknown as (t: object) => unknown;
  return destination('segment', o, (d) => void identify.call(analytics, traits(o, trait, d)));
}

/** PostHog: `posthog.setPersonProperties({ edseg_segments: [ids] })`, the person's properties. */
export function posthog(
  ph: { setPersonProperties: (...a: never[]) => unknown },
  options: TraitOptions,
): Destination {
  const where = 'posthog(posthog, options)';
  method(where, 'posthog', ph, 'setPersonProperties');
  const o = checkOptions(where, options, ['trait']);
  const trait = nameOption(where, o, 'trait', 'edseg_segments');
  const set = ph.setPersonProperties as unknown as (p: object) => unknown;
  return destination('posthog', o, (d) => void set.call(ph, traits(o, trait, d)));
}

/**
 * RudderStack (analytics-js v3): `rudderanalytics.identify({ edseg_segments: [ids] })`, the user's traits.
 * Its SDK merges traits into the stored ones deeply, arrays index by index, so a shorter list would keep
 * the withdrawn ids behind it: the trait is unset (`null`) first, then set, and left unset when empty.
 */
export function rudderstack(
  rudderanalytics: { identify: (...a: never[]) => unknown },
  options: TraitOptions,
): Destination {
  const where = 'rudderstack(rudderanalytics, options)';
  method(where, 'rudderanalytics', rudderanalytics, 'identify');
  const o = checkOptions(where, options, ['trait']);
  const trait = nameOption(where, o, 'trait', 'edseg_segments');
  const identify = rudderanalytics.identify as unknown as (t: object) => unknown;
  return destination('rudderstack', o, (d) => {
    const set = traits(o, trait, d);
    identify.call(rudderanalytics, Object.fromEntries(Object.keys(set).map((k) => [k, null])));
    if (d.segments.length > 0) identify.call(rudderanalytics, set);
  });
}

/** The part of Amplitude's browser SDK this uses: its Identify class and identify(). */
export type AmplitudeLike = {
  Identify: new () => { set(key: string, value: string[]): unknown; unset(key: string): unknown };
  identify: (...a: never[]) => unknown;
};

/**
 * Amplitude (analytics-browser): a user property through `amplitude.identify(new amplitude.Identify()…)`:
 * set to the ids, unset when there are none.
 */
export function amplitude(amp: AmplitudeLike, options: TraitOptions): Destination {
  const where = 'amplitude(amplitude, options)';
  method(where, 'amplitude', amp, 'identify');
  if (typeof amp.Identify !== 'function') invalid(where, 'amplitude', 'must have the Identify class');
  const o = checkOptions(where, options, ['trait']);
  const trait = nameOption(where, o, 'trait', 'edseg_segments');
  const identify = amp.identify as unknown as (i: unknown) => unknown;
  return destination('amplitude', o, (d) => {
    const id = new amp.Identify();
    for (const [k, v] of Object.entries(traits(o, trait, d)))
      if (v.length > 0) id.set(k, v);
      else id.unset(k);
    identify.call(amp, id);
  });
}
