/** Device storage (IndexedDB in the worker), the right-of-access export, and what tabs tell each other. */
import * as z from 'zod/mini';
import { Consent, ReleasedSegment } from './consent.js';
import { Declared, Rollup, StoredEvent } from './events.js';
import { Report } from './report.js';

export const OutboxItem = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.string(),
  report: Report,
  createdAt: /* @__PURE__ */ z.number(),
  attempts: /* @__PURE__ */ z.int(),
  nextAttemptAt: /* @__PURE__ */ z.number(),
  /** the last attempt got no answer (a network error): the `online` event may retry it before nextAttemptAt */
  offline: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

/** One spend of privacy budget: what the accountant sums over the rolling window. */
export const BudgetSpend = /* @__PURE__ */ z.object({
  reportId: /* @__PURE__ */ z.string(),
  site: /* @__PURE__ */ z.string(),
  period: /* @__PURE__ */ z.int(),
  day: /* @__PURE__ */ z.int(),
  epsilon: /* @__PURE__ */ z.number(),
});
export type BudgetSpend = z.infer<typeof BudgetSpend>;

export const AUDIT_KINDS = [
  'consent-changed',
  'manifest-accepted',
  'manifest-refused',
  'segments-released',
  'report-queued',
  'report-sent',
  'report-dropped',
  'retention',
  'events-dropped',
  'storage-compacted',
] as const;
export const AuditEntry = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int()),
  ts: /* @__PURE__ */ z.number(),
  kind: /* @__PURE__ */ z.enum(AUDIT_KINDS),
  detail: /* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), /* @__PURE__ */ z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/**
 * The last decision as the worker stores it (kv `decision`), for the start path's early release
 * (ARCHITECTURE.md "The start path"): the segments it released, everything it was computed from
 * as JSON (src/core/decision.ts `DecisionBasis`, `basisText`), and the time span over which that basis
 * holds by the clock alone (`notBefore` <= now < `validUntil`: the day the features were computed
 * for, the manifest's validity).
 */
export const StoredDecision = /* @__PURE__ */ z.object({
  released: /* @__PURE__ */ z.array(ReleasedSegment),
  basis: /* @__PURE__ */ z.string(),
  notBefore: /* @__PURE__ */ z.number(),
  validUntil: /* @__PURE__ */ z.number(),
});
export type StoredDecision = z.infer<typeof StoredDecision>;

/** Everything stored on the device, as `exportData()` returns it (right of access). */
export const DeviceExport = /* @__PURE__ */ z.object({
  site: /* @__PURE__ */ z.string(),
  exportedAt: /* @__PURE__ */ z.string(),
  persisted: /* @__PURE__ */ z.boolean(),
  events: /* @__PURE__ */ z.array(StoredEvent),
  rollups: /* @__PURE__ */ z.array(Rollup),
  declared: Declared,
  consent: /* @__PURE__ */ z.nullable(Consent),
  manifest: /* @__PURE__ */ z.nullable(
    /* @__PURE__ */ z.object({
      version: /* @__PURE__ */ z.int(),
      kid: /* @__PURE__ */ z.string(),
      acceptedAt: /* @__PURE__ */ z.number(),
      payload: /* @__PURE__ */ z.unknown(),
    }),
  ),
  outbox: /* @__PURE__ */ z.array(OutboxItem),
  budget: /* @__PURE__ */ z.array(BudgetSpend),
  audit: /* @__PURE__ */ z.array(AuditEntry),
  /** the last decision stored for the start path's early release (none before a persisted recompute) */
  decision: /* @__PURE__ */ z.nullable(StoredDecision),
  /** the rollup revision (kv `rollupRevision`, 0 if none), which the decision's basis names */
  rollupRevision: /* @__PURE__ */ z.int(),
});
export type DeviceExport = z.infer<typeof DeviceExport>;

/**
 * The accepted manifest as the worker stores it: its JWS and what identifies it. No HTTP validator
 * the server chose is stored (it could tag the device); `etag` is only read, and ignored, in
 * records written before that rule.
 */
export const StoredManifest = /* @__PURE__ */ z.object({
  jws: /* @__PURE__ */ z.string(),
  version: /* @__PURE__ */ z.int(),
  kid: /* @__PURE__ */ z.string(),
  acceptedAt: /* @__PURE__ */ z.number(),
  /** @deprecated never written; old records may carry it, nothing reads it */
  etag: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
});
export type StoredManifest = z.infer<typeof StoredManifest>;

/** What engines of the same site tell each other across tabs (BroadcastChannel). */
export const TabMessage = /* @__PURE__ */ z.discriminatedUnion('kind', [
  /* @__PURE__ */ z.object({ kind: /* @__PURE__ */ z.literal('consent-changed') }),
  /* @__PURE__ */ z.object({ kind: /* @__PURE__ */ z.literal('forgotten') }),
]);
export type TabMessage = z.infer<typeof TabMessage>;

/**
 * The id the page gives one batch of tracked events: its page session (random hex, drawn once per
 * Segmenter, never from learner data) and the batch's sequence number in that session. The worker
 * stores the ids it has stored with the events, so a batch replayed after a crash is stored once.
 */
export const BatchId = /* @__PURE__ */ z.strictObject({
  session: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.regex(/^[0-9a-f]{16,64}$/)),
  seq: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.nonnegative()),
});
export type BatchId = z.infer<typeof BatchId>;
