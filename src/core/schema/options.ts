/** SDK configuration: the pinned public keys, createSegmenter's options and what the worker's init takes. */
import * as z from 'zod/mini';
import { Identifier } from './atoms.js';
import { MAX_EPSILON_PER_REPORT, MAX_EPSILON_WINDOW } from './checks.js';
import { ConsentInput } from './consent.js';

/** An ES256 public key as a JWK; `kid` is required so a manifest's header can name it. */
export const PublicJwk = /* @__PURE__ */ z.looseObject({
  kty: /* @__PURE__ */ z.literal('EC'),
  crv: /* @__PURE__ */ z.literal('P-256'),
  x: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)),
  y: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)),
  kid: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)),
  d: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.never()),
});
export type PublicJwk = z.infer<typeof PublicJwk>;

export const SegmenterOptions = /* @__PURE__ */ z.object({
  site: Identifier,
  manifestUrl: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)),
  collectorUrl: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)),
  publicKeys: /* @__PURE__ */ z.array(PublicJwk).check(/* @__PURE__ */ z.minLength(1)),
  workerUrl: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1))),
  consent: /* @__PURE__ */ z.optional(ConsentInput),
  /** ms before a call to the worker is rejected with `worker-timeout` (default 15000) */
  timeoutMs: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(100))),
  /** ms between automatic report/delivery attempts while the page is open (default 300000) */
  reportIntervalMs: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1000))),
  /** ms between refreshes of the manifest while the page is open, jittered by +-25% (default 3600000) */
  manifestRefreshMs: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1000))),
  /** the most one report may spend (default and upper limit 8): a manifest asking more is refused */
  maxEpsilonPerReport: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0), /* @__PURE__ */ z.lte(MAX_EPSILON_PER_REPORT)),
  ),
  /** the most this device spends in any 28 days (default and upper limit 32): a manifest allowing more is refused */
  maxEpsilonWindow: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0), /* @__PURE__ */ z.lte(MAX_EPSILON_WINDOW)),
  ),
  /** prefixed console lines ([edseg]) for refusals, blocked segments and reports (default false) */
  debug: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
});
export type SegmenterOptions = z.infer<typeof SegmenterOptions>;

/** What the worker's init takes (src/core/protocol.ts): the options the worker needs, and the page's GPC. */
export const EngineConfig = /* @__PURE__ */ z.extend(
  /* @__PURE__ */ z.omit(SegmenterOptions, { workerUrl: true, timeoutMs: true }),
  {
    /** navigator.globalPrivacyControl as the page sees it (the worker also reads its own) */
    pageGpc: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
    /**
     * 'pending': the page is reading its store for an early release (src/client/early.ts) and calls
     * `earlyReleased` once the read is over; the worker waits for it before its first recompute, and
     * only logs it
     */
    early: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.literal('pending')),
  },
);
export type EngineConfig = z.infer<typeof EngineConfig>;
