/** Consent (COMPLIANCE.md) and the policy's answers: reason codes, channels, release and explanation. */
import * as z from 'zod/mini';
import { AgeBand, Purpose, Text } from './atoms.js';
import { Declared } from './events.js';
import { Retention } from './manifest.js';

// The fields as a plain object, extended without a spread (a property read or a spread is a side effect to a
// bundler): unused, both schemas drop out of a bundle, as they do from the worker's.
const consentFields = {
  ageBand: /* @__PURE__ */ z.optional(AgeBand),
  /** FERPA school-official basis / COPPA school consent: educational purposes only */
  schoolAuthorized: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
  parental: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({
      verified: /* @__PURE__ */ z.boolean(),
      method: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(100)),
      at: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(40)),
      purposes: /* @__PURE__ */ z.array(Purpose),
      /**
       * the purposes for which the parent consented, separately, to disclosure to third parties (COPPA as
       * amended 2025): under 13 or unknown age, nothing reaches a page's tool (edseg/activate) without it
       */
      thirdParty: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(Purpose)),
    }),
  ),
  /** the learner's own consent (teen or adult) */
  self: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.strictObject({
      purposes: /* @__PURE__ */ z.array(Purpose),
      at: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(40)),
    }),
  ),
  optOut: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(Purpose)),
};
export const ConsentInput = /* @__PURE__ */ z.strictObject(consentFields);
export type ConsentInput = z.infer<typeof ConsentInput>;

/** The consent record as the worker holds it: the input plus what the SDK fills in. */
export const Consent = /* @__PURE__ */ z.extend(/* @__PURE__ */ z.object(consentFields), {
  /** navigator.globalPrivacyControl, read in the worker */
  gpc: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
  updatedAt: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number()),
});
export type Consent = z.infer<typeof Consent>;

export const REASON_CODES = [
  'no-consent',
  'opted-out',
  'site-not-allowed',
  'gpc',
  'ferpa-education-record',
  'coppa-separate-consent',
  'coppa-parental-consent',
  'no-basis',
  'age',
  'allowed',
] as const;
export const ReasonCode = /* @__PURE__ */ z.enum(REASON_CODES);
export type ReasonCode = z.infer<typeof ReasonCode>;

export const Channel = /* @__PURE__ */ z.enum(['clear', 'ldp', 'none']);
export type Channel = z.infer<typeof Channel>;

/** Why nothing at all can be released (manifest-level), as opposed to a per-segment reason. */
export const BLOCK_CODES = [
  'manifest-missing',
  'manifest-refused',
  'origin-not-allowed',
  'site-mismatch',
  'manifest-expired',
  'forgotten',
  /** no Worker or no IndexedDB here (server-side rendering, Node, old browsers): the SDK is inert */
  'no-worker',
  /** no worker could start (blocked by CSP, a URL that does not load): see packages/edseg/README.md "The worker URL" */
  'worker-unavailable',
  /** the worker crashed repeatedly and was given up until the page is reloaded */
  'worker-crashed',
] as const;
export const BlockCode = /* @__PURE__ */ z.enum(BLOCK_CODES);
export type BlockCode = z.infer<typeof BlockCode>;

export const ReleasedSegment = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.string(),
  name: /* @__PURE__ */ z.string(),
  purpose: Purpose,
  manifestVersion: /* @__PURE__ */ z.int(),
  model: /* @__PURE__ */ z.string(),
});
export type ReleasedSegment = z.infer<typeof ReleasedSegment>;

export const SegmentExplanation = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.string(),
  name: /* @__PURE__ */ z.string(),
  model: /* @__PURE__ */ z.string(),
  purpose: Purpose,
  usesEducationRecord: /* @__PURE__ */ z.boolean(),
  assigned: /* @__PURE__ */ z.boolean(),
  released: /* @__PURE__ */ z.boolean(),
  channel: Channel,
  /** the policy's reasons (the first decides), or the block code alone when nothing can be released */
  reasons: /* @__PURE__ */ z.array(/* @__PURE__ */ z.union([ReasonCode, BlockCode])),
});
export type SegmentExplanation = z.infer<typeof SegmentExplanation>;

export const Explanation = /* @__PURE__ */ z.object({
  site: /* @__PURE__ */ z.string(),
  origin: /* @__PURE__ */ z.string(),
  manifest: /* @__PURE__ */ z.object({
    status: /* @__PURE__ */ z.enum(['accepted', 'missing', 'refused']),
    version: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int()),
    reason: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
    expiresAt: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  }),
  /** set when nothing can be released at all, with why */
  blocked: /* @__PURE__ */ z.optional(BlockCode),
  consent: /* @__PURE__ */ z.nullable(Consent),
  persisted: /* @__PURE__ */ z.boolean(),
  /**
   * where this page keeps its data: IndexedDB, or memory for this page only, because consent does not
   * allow persistence (`consent`), IndexedDB could not be used (`unavailable`, with the browser's error),
   * or another page of the site holds the store (`blocked`: it did not open or answer its first reads in
   * time; the store is tried again at the next report interval and by the next page)
   */
  storage: /* @__PURE__ */ z.object({
    mode: /* @__PURE__ */ z.enum(['indexeddb', 'memory']),
    reason: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['consent', 'unavailable', 'blocked'])),
    error: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  }),
  /** events tracked while no manifest was adopted: held in memory only, stored once one arrives; the oldest dropped beyond 5,000 */
  held: /* @__PURE__ */ z.object({ events: /* @__PURE__ */ z.int(), dropped: /* @__PURE__ */ z.int() }),
  /** what this device keeps, in counts (exportData() has the records themselves) */
  stored: /* @__PURE__ */ z.object({
    /** events per type over the raw-event retention window, from the daily rollups */
    events: /* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), /* @__PURE__ */ z.int()),
    rollups: /* @__PURE__ */ z.int(),
    /** reports waiting to be sent */
    pending: /* @__PURE__ */ z.int(),
    declared: Declared,
    retention: /* @__PURE__ */ z.nullable(Retention),
  }),
  segments: /* @__PURE__ */ z.array(SegmentExplanation),
  budget: /* @__PURE__ */ z.object({
    windowDays: /* @__PURE__ */ z.int(),
    spent: /* @__PURE__ */ z.number(),
    cap: /* @__PURE__ */ z.number(),
    reportsInWindow: /* @__PURE__ */ z.int(),
    lastPeriod: /* @__PURE__ */ z.nullable(/* @__PURE__ */ z.int()),
    /**
     * the first day (YYYY-MM-DD, UTC) this device may report again for the site, when it is still to
     * come: its store was deleted (forget(), or found gone) after a spend whose windows are still open
     */
    quietUntil: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
  }),
});
export type Explanation = z.infer<typeof Explanation>;
