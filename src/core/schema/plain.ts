/**
 * The building blocks of the plain checks (checks.ts, manifest-check.ts): each checks one value at
 * `root.path` and throws an EdsegError('invalid-input') naming that field at the first failure, in the
 * order zod reports issues (an object's fields in declaration order, then its unknown keys; an array's
 * items, then its length). Not re-exported by the barrel: these are not shapes.
 */
import { EdsegError } from '../errors.js';

/** An identifier: a letter, then up to 63 letters, digits, _ . : - */
export const IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
export const IDENTIFIER_MESSAGE = 'must be 1-64 characters: a letter, then letters, digits, _ . : -';

/** The purposes and age bands (atoms.ts builds their schemas from these; the worker reads them from here, zod-free). */
export const PURPOSES = ['instruction', 'analytics', 'marketing', 'advertising'] as const;
export const AGE_BANDS = ['under13', 'teen', 'adult', 'unknown'] as const;

/** Thrown at the first failing field, in the wording parseOrThrow uses. */
export function fail(root: string, path: string | undefined, message: string): never {
  const field = path === undefined ? root : `${root}.${path}`;
  throw new EdsegError('invalid-input', `edseg: invalid ${root}: ${field}: ${message}`, field);
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const join = (path: string | undefined, key: string | number) =>
  path === undefined ? String(key) : `${path}.${key}`;

export function object(root: string, path: string | undefined, v: unknown): Record<string, unknown> {
  if (!isObject(v)) fail(root, path, 'expected an object');
  return v;
}
/** The keys a zod record reads: own enumerable keys, without `__proto__` (which z.record drops). */
export const recordKeys = (v: Record<string, unknown>): string[] =>
  Object.keys(v).filter((k) => k !== '__proto__');

export function strict(
  root: string,
  path: string | undefined,
  v: Record<string, unknown>,
  keys: readonly string[],
): void {
  for (const k in v) if (!keys.includes(k)) fail(root, path, `unrecognized key "${k}"`);
}
export function string(
  root: string,
  path: string | undefined,
  v: unknown,
  min: number,
  max = Infinity,
): string {
  if (typeof v !== 'string') fail(root, path, 'expected a string');
  if (v.length < min) fail(root, path, `must be at least ${min} character${min === 1 ? '' : 's'}`);
  if (v.length > max) fail(root, path, `must be at most ${max} characters`);
  return v;
}
export function identifier(root: string, path: string | undefined, v: unknown): string {
  if (typeof v !== 'string') fail(root, path, 'expected a string');
  if (!IDENTIFIER_RE.test(v)) fail(root, path, IDENTIFIER_MESSAGE);
  return v;
}
export function number(
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
export function boolean(root: string, path: string | undefined, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(root, path, 'expected a boolean');
  return v;
}
export function oneOf(root: string, path: string | undefined, v: unknown, values: readonly string[]): string {
  if (typeof v !== 'string' || !values.includes(v))
    fail(root, path, `must be one of ${values.map((x) => `"${x}"`).join(', ')}`);
  return v;
}
/** One field's check: throws naming `root.path`, else returns. */
export type Check = (root: string, path: string, v: unknown) => unknown;
/** The check of an optional field: an absent (undefined) value passes. */
export const opt =
  (check: Check): Check =>
  (root, path, v) =>
    v === undefined || check(root, path, v);
export const text =
  (min: number, max?: number): Check =>
  (root, path, v) =>
    string(root, path, v, min, max);
export const num =
  (min: number, max: number, int?: boolean): Check =>
  (root, path, v) =>
    number(root, path, v, min, max, int);

/**
 * The checks of an object's fields, in the order zod reports them; with `exact`, an unknown key fails
 * after the known ones (z.strictObject). Returns the object.
 */
export function fields(
  root: string,
  path: string | undefined,
  v: unknown,
  checks: Record<string, Check>,
  exact?: boolean,
): Record<string, unknown> {
  const o = object(root, path, v);
  for (const [k, check] of Object.entries(checks)) check(root, join(path, k), o[k]);
  if (exact) strict(root, path, o, Object.keys(checks));
  return o;
}
