/**
 * The main thread's checks: the few shapes the page checks synchronously (track's event, declare's
 * preferences, createSegmenter's options, setConsent's consent), in plain code without zod, so the
 * main-thread script stays small and track() costs microseconds. They are the zod schemas of this
 * folder (events.ts, options.ts, consent.ts) written out by hand: the limits below are the ones those
 * schemas are built from, and test/unit/core/schema-checks.test.ts proves on generated inputs that each
 * check accepts exactly what its schema accepts and names the same field when it refuses.
 * Imports only plain.ts (the checks' building blocks), so importing it pulls no zod into a bundle.
 */
import {
  AGE_BANDS,
  PURPOSES,
  IDENTIFIER_MESSAGE,
  IDENTIFIER_RE,
  boolean,
  fail,
  fields,
  identifier,
  isObject,
  join,
  num,
  object,
  oneOf,
  opt,
  recordKeys,
  string,
  text,
  type Check,
} from './plain.js';

export { IDENTIFIER_MESSAGE, IDENTIFIER_RE };

/** The most props one event may carry. */
export const MAX_PROPS = 32;
/** The longest string prop value, and the longest declared value. */
export const PROP_TEXT_MAX = 256;
export const DECLARED_TEXT_MAX = 128;
export const PROP_VALUE_MESSAGE = 'must be a finite number, a string of at most 256 characters, or a boolean';
/** The device's epsilon ceilings (PRIVACY.md "Ceilings"): options may only lower them. */
export const MAX_EPSILON_PER_REPORT = 8;
export const MAX_EPSILON_WINDOW = 32;

function purposes(root: string, path: string | undefined, v: unknown): string[] {
  if (!Array.isArray(v)) fail(root, path, 'expected an array');
  v.forEach((p, i) => oneOf(root, join(path, i), p, PURPOSES));
  return v as string[];
}
/** Copies the keys of `v` that `keys` names, so unknown keys are stripped as zod strips them. */
function pick(v: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in v) out[k] = v[k];
  return out;
}

/**
 * The checks of track(type, props): `EventInput` (events.ts) for { type, props }. Throws at the first
 * bad field; returns a copy of the props (so the caller's object can change afterwards), or undefined.
 */
export function checkEvent(
  type: unknown,
  props: unknown,
): Record<string, number | string | boolean> | undefined {
  identifier('event', 'type', type);
  if (props === undefined) return undefined;
  if (!isObject(props)) fail('event', 'props', 'expected an object');
  const out: Record<string, number | string | boolean> = {};
  let n = 0;
  for (const k of recordKeys(props)) {
    if (!IDENTIFIER_RE.test(k)) fail('event', `props.${k}`, IDENTIFIER_MESSAGE);
    const v = props[k];
    if (
      typeof v === 'number'
        ? !Number.isFinite(v)
        : typeof v === 'string'
          ? v.length > PROP_TEXT_MAX
          : typeof v !== 'boolean'
    )
      fail('event', `props.${k}`, PROP_VALUE_MESSAGE);
    out[k] = v as number | string | boolean;
    n++;
  }
  if (n > MAX_PROPS) fail('event', 'props', `at most ${MAX_PROPS} props`);
  return out;
}

/** The checks of declare(prefs): `Declared` (events.ts). */
export function checkDeclared(prefs: unknown): Record<string, string> {
  const p = object('prefs', undefined, prefs);
  const out: Record<string, string> = {};
  for (const k of recordKeys(p)) {
    if (!IDENTIFIER_RE.test(k)) fail('prefs', k, IDENTIFIER_MESSAGE);
    out[k] = string('prefs', k, p[k], 0, DECLARED_TEXT_MAX);
  }
  return out;
}

const PARENTAL: Record<string, Check> = {
  verified: boolean,
  method: opt(text(0, 100)),
  at: opt(text(0, 40)),
  purposes,
  thirdParty: opt(purposes),
};
const SELF: Record<string, Check> = { purposes, at: opt(text(0, 40)) };
const CONSENT: Record<string, Check> = {
  ageBand: opt((root, path, v) => oneOf(root, path, v, AGE_BANDS)),
  schoolAuthorized: opt(boolean),
  parental: opt((root, path, v) => fields(root, path, v, PARENTAL, true)),
  self: opt((root, path, v) => fields(root, path, v, SELF, true)),
  optOut: opt(purposes),
};

/** The checks of setConsent(consent) and options.consent: `ConsentInput` (consent.ts). */
export function checkConsent<T = unknown>(consent: unknown, root = 'consent', at?: string): T {
  return fields(root, at, consent, CONSENT, true) as T;
}

/** A pinned public key: `PublicJwk` (atoms.ts); a private key (with `d`) is refused. */
const publicKeys: Check = (root, path, v) => {
  if (!Array.isArray(v)) fail(root, path, 'expected an array');
  if (v.length < 1) fail(root, path, 'must hold at least 1 key');
  v.forEach((k, i) => {
    const at = join(path, i);
    const jwk = object(root, at, k);
    if (jwk.kty !== 'EC') fail(root, `${at}.kty`, 'must be "EC"');
    if (jwk.crv !== 'P-256') fail(root, `${at}.crv`, 'must be "P-256"');
    for (const f of ['x', 'y', 'kid']) string(root, `${at}.${f}`, jwk[f], 1);
    if (jwk.d !== undefined) fail(root, `${at}.d`, 'a private key must never be pinned');
  });
};

/**
 * The check of what the page says it released early (`earlyReleased`): `ReleasedSegment[]`
 * (consent.ts) as far as the worker reads it, an array of objects with a string `id` (it logs the ids).
 */
export function checkReleased<T>(v: unknown, root: string): T[] {
  if (!Array.isArray(v)) fail(root, undefined, 'expected an array');
  v.forEach((s, i) => string(root, `${i}.id`, object(root, String(i), s).id, 0));
  return v as T[];
}

const OPTIONS = {
  site: identifier,
  manifestUrl: text(1),
  collectorUrl: text(1),
  publicKeys,
  workerUrl: opt(text(1)),
  consent: opt((root, path, v) => checkConsent(v, root, path)),
  timeoutMs: opt(num(100, Infinity, true)),
  reportIntervalMs: opt(num(1000, Infinity, true)),
  manifestRefreshMs: opt(num(1000, Infinity, true)),
  maxEpsilonPerReport: opt(num(0, MAX_EPSILON_PER_REPORT)),
  maxEpsilonWindow: opt(num(0, MAX_EPSILON_WINDOW)),
  debug: opt(boolean),
} satisfies Record<string, Check>;
export const OPTION_KEYS = Object.keys(OPTIONS) as (keyof typeof OPTIONS)[];

/**
 * The checks of createSegmenter(options): `SegmenterOptions` (options.ts), pinned keys included.
 * Returns the options with unknown keys stripped, as the schema's parse does.
 */
export function checkOptions<T>(options: unknown): T {
  return pick(fields('options', undefined, options, OPTIONS), OPTION_KEYS) as T;
}
