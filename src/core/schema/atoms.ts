/**
 * Shared atoms of every schema module: purposes, age bands, identifiers, bounded text, dates.
 *
 * Written with `zod/mini` (tree-shakable, no JIT) because the schemas ship in the browser bundles;
 * `jitless` keeps zod from calling `new Function`, so a strict CSP never sees a violation. Every
 * schema module imports this one, so the setup below runs before any schema is built or parsed.
 */
import * as z from 'zod/mini';
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { AGE_BANDS, IDENTIFIER_MESSAGE, IDENTIFIER_RE, PURPOSES } from './plain.js';

// `config` is imported by name: the bundler treats every `z.*` call as pure (tree-shakable), this one is not.
config({ ...en(), jitless: true });

export const Purpose = /* @__PURE__ */ z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;

export const AgeBand = /* @__PURE__ */ z.enum(AGE_BANDS);
export type AgeBand = z.infer<typeof AgeBand>;

/** A segment's minimum age band; `unknown` is not a band a segment can ask for. */
export const MinAgeBand = /* @__PURE__ */ z.enum(['under13', 'teen', 'adult']);
export type MinAgeBand = z.infer<typeof MinAgeBand>;

/** An identifier: a letter, then up to 63 letters, digits, _ . : - */
export const Identifier = /* @__PURE__ */ z
  .string()
  .check(/* @__PURE__ */ z.regex(IDENTIFIER_RE, IDENTIFIER_MESSAGE));
/** A string of at most `max` characters. */
export const Text = (max: number) => /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.maxLength(max));
/** An ISO 8601 date-time with an offset. */
export const IsoDate = /* @__PURE__ */ z.iso.datetime({ offset: true });
/** Any number (zod rejects NaN and the infinities). */
export const Finite = /* @__PURE__ */ z.number();
