/**
 * The main thread's checks: the few shapes the page checks synchronously (track's event, declare's
 * preferences, createSegmenter's options, setConsent's consent), in plain code without zod, so the
 * main-thread script stays small and track() costs microseconds. They are the zod schemas of this
 * folder (events.ts, options.ts, consent.ts) written out by hand: the limits below are the ones those
 * schemas are built from, and test/unit/core/schema-checks.test.ts proves on generated inputs that each
 * check accepts exactly what its schema accepts and names the same field when it refuses.
 * Imports nothing, so importing it pulls no zod into a bundle.
 */
import { EdsegError } from '../errors.js';

/** An identifier: a letter, then up to 63 letters, digits, _ . : - */
export const IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
export const IDENTIFIER_MESSAGE = 'must be 1-64 characters: a letter, then letters, digits, _ . : -';
/** The most props one event may carry. */
export const MAX_PROPS = 32;
/** The longest string prop value, and the longest declared value. */
export const PROP_TEXT_MAX = 256;
export const DECLARED_TEXT_MAX = 128;
export const PROP_VALUE_MESSAGE = 'must be a finite number, a string of at most 256 characters, or a boolean';
/** The device's epsilon ceilings (PRIVACY.md "Ceilings"): options may only lower them. */
export const MAX_EPSILON_PER_REPORT = 8;
export const MAX_EPSILON_WINDOW = 32;
const PURPOSE_LIST = ['instruction', 'analytics', 'marketing', 'advertising'];
const AGE_BAND_LIST = ['under13', 'teen', 'adult', 'unknown'];

/** Thrown at the first failing field, in the wording parseOrThrow uses. */
function fail(root: string, path: string | undefined, message: string): never {
  const field = path === undefined ? root : `${root}.${path}`;
  throw new EdsegError('invalid-input', `edseg: invalid ${root}: ${field}: ${message}`, field);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string | undefined, key: string | number) =>
  path === undefined ? String(key) : `${path}.${key}`;

function object(root: string, path: string | undefined, v: unknown): Record<string, unknown> {
  if (!isObject(v)) fail(root, path, 'expected an object');
  return v;
}
/** The keys a zod record reads: own enumerable keys, without `__proto__` (which z.record drops). */
const recordKeys = (v: Record<string, unknown>): string[] => Object.keys(v).filter((k) => k !== '__proto__');

function strict(
  root: string,
  path: string | undefined,
  v: Record<string, unknown>,
  keys: readonly string[],
): void {
  for (const k in v) if (!keys.includes(k)) fail(root, path, `unrecognized key "${k}"`);
}
function string(root: string, path: string | undefined, v: unknown, min: number, max = Infinity): string {
  if (typeof v !== 'string') fail(root, path, 'expected a string');
  if (v.length < min) fail(root, path, `must be at least ${min} character${min === 1 ? '' : 's'}`);
  if (v.length > max) fail(root, path, `must be at most ${max} characters`);
  return v;
}
function identifier(root: string, path: string | undefined, v: unknown): string {
  if (typeof v !== 'string') fail(root, path, 'expected a string');
  if (!IDENTIFIER_RE.test(v)) fail(root, path, IDENTIFIER_MESSAGE);
  return v;
}
function number(
  root: string,
  path: string | undefined,
  v: unknown,
  min: number,
  max: number,
  int = false,
): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(root, path, 'expected a finite number');
  if (int && !Number.isSafeInteger(v)) fail(root, path, 'expected an integer');
  if (v < min) fail(root, path, `must be at least ${min}`);
  if (v > max) fail(root, path, `must be at most ${max}`);
  return v;
}
function boolean(root: string, path: string | undefined, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(root, path, 'expected a boolean');
  return v;
}
function oneOf(root: string, path: string | undefined, v: unknown, values: readonly string[]): string {
  if (typeof v !== 'string' || !values.includes(v))
    fail(root, path, `must be one of ${values.map((x) => `"${x}"`).join(', ')}`);
  return v;
}
function purposes(root: string, path: string | undefined, v: unknown): string[] {
  if (!Array.isArray(v)) fail(root, path, 'expected an array');
  v.forEach((p, i) => oneOf(root, join(path, i), p, PURPOSE_LIST));
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

const CONSENT_KEYS = ['ageBand', 'schoolAuthorized', 'parental', 'self', 'optOut'] as const;

/** The checks of setConsent(consent) and options.consent: `ConsentInput` (consent.ts). */
export function checkConsent(consent: unknown, root = 'consent', at?: string): void {
  const c = object(root, at, consent);
  if (c.ageBand !== undefined) oneOf(root, join(at, 'ageBand'), c.ageBand, AGE_BAND_LIST);
  if (c.schoolAuthorized !== undefined) boolean(root, join(at, 'schoolAuthorized'), c.schoolAuthorized);
  if (c.parental !== undefined) {
    const path = join(at, 'parental');
    const p = object(root, path, c.parental);
    boolean(root, join(path, 'verified'), p.verified);
    if (p.method !== undefined) string(root, join(path, 'method'), p.method, 0, 100);
    if (p.at !== undefined) string(root, join(path, 'at'), p.at, 0, 40);
    purposes(root, join(path, 'purposes'), p.purposes);
    if (p.thirdParty !== undefined) purposes(root, join(path, 'thirdParty'), p.thirdParty);
    strict(root, path, p, ['verified', 'method', 'at', 'purposes', 'thirdParty']);
  }
  if (c.self !== undefined) {
    const path = join(at, 'self');
    const s = object(root, path, c.self);
    purposes(root, join(path, 'purposes'), s.purposes);
    if (s.at !== undefined) string(root, join(path, 'at'), s.at, 0, 40);
    strict(root, path, s, ['purposes', 'at']);
  }
  if (c.optOut !== undefined) purposes(root, join(at, 'optOut'), c.optOut);
  // zod reports unknown keys after the known ones
  strict(root, at, c, CONSENT_KEYS);
}

const JWK_KEYS = ['kty', 'crv', 'x', 'y', 'kid'] as const;
export const OPTION_KEYS = [
  'site',
  'manifestUrl',
  'collectorUrl',
  'publicKeys',
  'workerUrl',
  'consent',
  'timeoutMs',
  'reportIntervalMs',
  'manifestRefreshMs',
  'maxEpsilonPerReport',
  'maxEpsilonWindow',
  'debug',
] as const;

/**
 * The checks of createSegmenter(options): `SegmenterOptions` (options.ts), pinned keys included.
 * Returns the options with unknown keys stripped, as the schema's parse does.
 */
export function checkOptions<T>(options: unknown): T {
  const o = object('options', undefined, options);
  identifier('options', 'site', o.site);
  string('options', 'manifestUrl', o.manifestUrl, 1);
  string('options', 'collectorUrl', o.collectorUrl, 1);
  if (!Array.isArray(o.publicKeys)) fail('options', 'publicKeys', 'expected an array');
  if (o.publicKeys.length < 1) fail('options', 'publicKeys', 'must hold at least 1 key');
  o.publicKeys.forEach((k, i) => {
    const path = `publicKeys.${i}`;
    const jwk = object('options', path, k);
    if (jwk.kty !== 'EC') fail('options', `${path}.kty`, 'must be "EC"');
    if (jwk.crv !== 'P-256') fail('options', `${path}.crv`, 'must be "P-256"');
    for (const f of JWK_KEYS.slice(2)) string('options', `${path}.${f}`, jwk[f], 1);
    if (jwk.d !== undefined) fail('options', `${path}.d`, 'a private key must never be pinned');
  });
  if (o.workerUrl !== undefined) string('options', 'workerUrl', o.workerUrl, 1);
  if (o.consent !== undefined) checkConsent(o.consent, 'options', 'consent');
  if (o.timeoutMs !== undefined) number('options', 'timeoutMs', o.timeoutMs, 100, Infinity, true);
  if (o.reportIntervalMs !== undefined)
    number('options', 'reportIntervalMs', o.reportIntervalMs, 1000, Infinity, true);
  if (o.manifestRefreshMs !== undefined)
    number('options', 'manifestRefreshMs', o.manifestRefreshMs, 1000, Infinity, true);
  if (o.maxEpsilonPerReport !== undefined)
    number('options', 'maxEpsilonPerReport', o.maxEpsilonPerReport, 0, MAX_EPSILON_PER_REPORT);
  if (o.maxEpsilonWindow !== undefined)
    number('options', 'maxEpsilonWindow', o.maxEpsilonWindow, 0, MAX_EPSILON_WINDOW);
  if (o.debug !== undefined) boolean('options', 'debug', o.debug);
  return pick(o, OPTION_KEYS) as T;
}
