/** Consent (COMPLIANCE.md) and the policy's answers: reason codes, channels, release and explanation. */
import * as z from 'zod/mini';
import { AgeBand, Purpose, Text } from './atoms.js';
import { Declared } from './events.js';
import { Retention } from './manifest.js';

export const ConsentInput = /* @__PURE__ */ z.strictObject({
  ageBand: z.optional(AgeBand),
  /** FERPA school-official basis / COPPA school consent: educational purposes only */
  schoolAuthorized: z.optional(z.boolean()),
  parental: z.optional(
    z.strictObject({
      verified: z.boolean(),
      method: z.optional(Text(100)),
      at: z.optional(Text(40)),
      purposes: z.array(Purpose),
      /**
       * the purposes for which the parent consented, separately, to disclosure to third parties (COPPA as
       * amended 2025): under 13 or unknown age, nothing reaches a page's tool (edseg/activate) without it
       */
      thirdParty: z.optional(z.array(Purpose)),
    }),
  ),
  /** the learner's own consent (teen or adult) */
  self: z.optional(z.strictObject({ purposes: z.array(Purpose), at: z.optional(Text(40)) })),
  optOut: z.optional(z.array(Purpose)),
});
export type ConsentInput = z.infer<typeof ConsentInput>;

/** The consent record as the worker holds it: the input plus what the SDK fills in. */
export const Consent = /* @__PURE__ */ z.object({
  ...ConsentInput.shape,
  /** navigator.globalPrivacyControl, read in the worker */
  gpc: z.optional(z.boolean()),
  updatedAt: z.optional(z.number()),
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
  id: z.string(),
  name: z.string(),
  purpose: Purpose,
  manifestVersion: z.int(),
  model: z.string(),
});
export type ReleasedSegment = z.infer<typeof ReleasedSegment>;

export const SegmentExplanation = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  purpose: Purpose,
  usesEducationRecord: z.boolean(),
  assigned: z.boolean(),
  released: z.boolean(),
  channel: Channel,
  /** the policy's reasons (the first decides), or the block code alone when nothing can be released */
  reasons: z.array(z.union([ReasonCode, BlockCode])),
});
export type SegmentExplanation = z.infer<typeof SegmentExplanation>;

export const Explanation = /* @__PURE__ */ z.object({
  site: z.string(),
  origin: z.string(),
  manifest: z.object({
    status: z.enum(['accepted', 'missing', 'refused']),
    version: z.optional(z.int()),
    reason: z.optional(z.string()),
    expiresAt: z.optional(z.string()),
  }),
  /** set when nothing can be released at all, with why */
  blocked: z.optional(BlockCode),
  consent: z.nullable(Consent),
  persisted: z.boolean(),
  /**
   * where this page keeps its data: IndexedDB, or memory for this page only, because consent does not
   * allow persistence (`consent`), IndexedDB could not be used (`unavailable`, with the browser's error),
   * or another page of the site holds the store (`blocked`: it did not open or answer its first reads in
   * time; the store is tried again at the next report interval and by the next page)
   */
  storage: z.object({
    mode: z.enum(['indexeddb', 'memory']),
    reason: z.optional(z.enum(['consent', 'unavailable', 'blocked'])),
    error: z.optional(z.string()),
  }),
  /** events tracked while no manifest was adopted: held in memory only, stored once one arrives; the oldest dropped beyond 5,000 */
  held: z.object({ events: z.int(), dropped: z.int() }),
  /** what this device keeps, in counts (exportData() has the records themselves) */
  stored: z.object({
    /** events per type over the raw-event retention window, from the daily rollups */
    events: z.record(z.string(), z.int()),
    rollups: z.int(),
    /** reports waiting to be sent */
    pending: z.int(),
    declared: Declared,
    retention: z.nullable(Retention),
  }),
  segments: z.array(SegmentExplanation),
  budget: z.object({
    windowDays: z.int(),
    spent: z.number(),
    cap: z.number(),
    reportsInWindow: z.int(),
    lastPeriod: z.nullable(z.int()),
    /**
     * the first day (YYYY-MM-DD, UTC) this device may report again for the site, when it is still to
     * come: its store was deleted (forget(), or found gone) after a spend whose windows are still open
     */
    quietUntil: z.optional(z.string()),
  }),
});
export type Explanation = z.infer<typeof Explanation>;
