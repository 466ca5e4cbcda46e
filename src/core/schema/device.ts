/** Device storage (IndexedDB in the worker), the right-of-access export, and what tabs tell each other. */
import * as z from 'zod/mini';
import { Consent } from './consent.js';
import { Declared, Rollup, StoredEvent } from './events.js';
import { Report } from './report.js';

export const OutboxItem = /* @__PURE__ */ z.object({
  id: z.string(),
  report: Report,
  createdAt: z.number(),
  attempts: z.int(),
  nextAttemptAt: z.number(),
  /** the last attempt got no answer (a network error): the `online` event may retry it before nextAttemptAt */
  offline: z.optional(z.boolean()),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

/** One spend of privacy budget: what the accountant sums over the rolling window. */
export const BudgetSpend = /* @__PURE__ */ z.object({
  reportId: z.string(),
  site: z.string(),
  period: z.int(),
  day: z.int(),
  epsilon: z.number(),
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
  id: z.optional(z.int()),
  ts: z.number(),
  kind: z.enum(AUDIT_KINDS),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Everything stored on the device, as `exportData()` returns it (right of access). */
export const DeviceExport = /* @__PURE__ */ z.object({
  site: z.string(),
  exportedAt: z.string(),
  persisted: z.boolean(),
  events: z.array(StoredEvent),
  rollups: z.array(Rollup),
  declared: Declared,
  consent: z.nullable(Consent),
  manifest: z.nullable(
    z.object({ version: z.int(), kid: z.string(), acceptedAt: z.number(), payload: z.unknown() }),
  ),
  outbox: z.array(OutboxItem),
  budget: z.array(BudgetSpend),
  audit: z.array(AuditEntry),
});
export type DeviceExport = z.infer<typeof DeviceExport>;

/**
 * The accepted manifest as the worker stores it: its JWS and what identifies it. No HTTP validator
 * the server chose is stored (it could tag the device); `etag` is only read, and ignored, in
 * records written before that rule.
 */
export const StoredManifest = /* @__PURE__ */ z.object({
  jws: z.string(),
  version: z.int(),
  kid: z.string(),
  acceptedAt: z.number(),
  /** @deprecated never written; old records may carry it, nothing reads it */
  etag: z.optional(z.string()),
});
export type StoredManifest = z.infer<typeof StoredManifest>;

/** What engines of the same site tell each other across tabs (BroadcastChannel). */
export const TabMessage = /* @__PURE__ */ z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('consent-changed') }),
  z.object({ kind: z.literal('forgotten') }),
]);
export type TabMessage = z.infer<typeof TabMessage>;

/**
 * The id the page gives one batch of tracked events: its page session (random hex, drawn once per
 * Segmenter, never from learner data) and the batch's sequence number in that session. The worker
 * stores the ids it has stored with the events, so a batch replayed after a crash is stored once.
 */
export const BatchId = /* @__PURE__ */ z.strictObject({
  session: z.string().check(z.regex(/^[0-9a-f]{16,64}$/)),
  seq: z.int().check(z.nonnegative()),
});
export type BatchId = z.infer<typeof BatchId>;
