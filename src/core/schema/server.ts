/**
 * Provider side: the reference server's /v1 answers and its storage records (records and table rows).
 * admin.ts holds the admin API's shapes; both stay out of the browser bundles (scripts/size.mjs checks).
 */
import * as z from 'zod/mini';
import { FeatureSpec } from './feature-spec.js';
import { Manifest, Model, Reporting, Retention, SitePolicy } from './manifest.js';
import { PublicJwk } from './options.js';

// Only the reference server (src/server) and the refinement step (src/core/refine.ts) use these;
// the browser bundles must drop them. Rollup does not treat a `.check(…)` chain nested in a
// schema's arguments as pure (it keeps the unused schema alive, and with it FeatureSpec, Model…),
// so here every such chain carries its own `/* @__PURE__ */` too.

/** The body of every 4xx/5xx JSON answer of /v1 and /admin/api; `field` names the input at fault. */
export const ApiError = /* @__PURE__ */ z.object({ error: z.string(), field: z.optional(z.string()) });
export type ApiError = z.infer<typeof ApiError>;

/** GET /v1/keys: every public signing key, newest first, each with kid, alg ES256 and use sig. */
export const PublicJwks = /* @__PURE__ */ z.object({ keys: z.array(PublicJwk) });
export type PublicJwks = z.infer<typeof PublicJwks>;

/** POST /v1/reports answers 202 with this: reports stored, and reports skipped as already stored (by id). */
export const ReportsAccepted = /* @__PURE__ */ z.object({ accepted: z.int(), duplicates: z.int() });
export type ReportsAccepted = z.infer<typeof ReportsAccepted>;

/** An ES256 private key as a JWK, as the server stores it; loose, since jose may add members (kid, alg). */
export const PrivateJwk = /* @__PURE__ */ z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: /* @__PURE__ */ z.string().check(z.minLength(1)),
  y: /* @__PURE__ */ z.string().check(z.minLength(1)),
  d: /* @__PURE__ */ z.string().check(z.minLength(1)),
});
export type PrivateJwk = z.infer<typeof PrivateJwk>;

/** What an admin edits between publishes (sites.definition); the manifest is this plus version, dates, site and policy. */
export const SiteDefinition = /* @__PURE__ */ z.object({
  features: /* @__PURE__ */ z.array(FeatureSpec).check(z.minLength(1)),
  models: /* @__PURE__ */ z.array(Model).check(z.minLength(1)),
  reporting: Reporting,
  retention: Retention,
});
export type SiteDefinition = z.infer<typeof SiteDefinition>;

/** A site as the store returns it. */
export const SiteRecord = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  definition: SiteDefinition,
  /** the working policy; live once published */
  policy: SitePolicy,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** when an owner disabled the site, or null */
  disabledAt: z.nullable(z.string()),
});
export type SiteRecord = z.infer<typeof SiteRecord>;

/** One line of the site list: a site and its newest published version (null: nothing published). */
export const SiteSummary = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  /** the working origins (live once published) */
  origins: z.array(z.string()),
  currentVersion: z.nullable(z.int()),
  publishedAt: z.nullable(z.string()),
  /** when the site was disabled (it then serves no manifest and takes no report), or null */
  disabledAt: z.nullable(z.string()),
});
export type SiteSummary = z.infer<typeof SiteSummary>;

/** A published version: the manifest, its JWS (never rewritten) and who published it when. */
export const PublishedVersion = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  manifest: Manifest,
  jws: z.string(),
  kid: z.string(),
  publishedAt: z.string(),
  publishedBy: z.string(),
  /** the series the version belongs to: versions with the same models and reporting pool their reports (src/server/estimates/series.ts) */
  series: z.string(),
});
export type PublishedVersion = z.infer<typeof PublishedVersion>;

/** A published version without its documents, as version lists show it. */
export const VersionSummary = /* @__PURE__ */ z.omit(PublishedVersion, { manifest: true, jws: true });
export type VersionSummary = z.infer<typeof VersionSummary>;

/** A signing key pair as stored. The private JWK sits in the database: see docs/SERVER.md. */
export const SigningKeyRecord = /* @__PURE__ */ z.object({
  kid: z.string(),
  createdAt: z.string(),
  publicJwk: PublicJwk,
  privateJwk: PrivateJwk,
});
export type SigningKeyRecord = z.infer<typeof SigningKeyRecord>;

/** One audit-log entry (also the audit_log row): who did what, when, to which site and version. */
export const AuditRecord = /* @__PURE__ */ z.object({
  id: z.int(),
  at: z.string(),
  actor: z.string(),
  /** publish, policy-update, refine, key-rotate */
  action: z.string(),
  site: z.nullable(z.string()),
  version: z.nullable(z.int()),
  summary: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** An audit entry to append; the store assigns the id. */
export const AuditInput = /* @__PURE__ */ z.omit(AuditRecord, { id: true });
export type AuditInput = z.infer<typeof AuditInput>;

/** A row of the sites table (migrations.ts); jsonb columns come back parsed. */
export const SiteRow = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  definition: SiteDefinition,
  policy: SitePolicy,
  created_at: z.string(),
  updated_at: z.string(),
  disabled_at: z.nullable(z.string()),
});
export type SiteRow = z.infer<typeof SiteRow>;

/** A row of the site_versions table. */
export const VersionRow = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  manifest: Manifest,
  jws: z.string(),
  kid: z.string(),
  published_at: z.string(),
  published_by: z.string(),
  series: z.string(),
});
export type VersionRow = z.infer<typeof VersionRow>;

/** A row of the signing_keys table. */
export const SigningKeyRow = /* @__PURE__ */ z.object({
  kid: z.string(),
  created_at: z.string(),
  public_jwk: PublicJwk,
  private_jwk: PrivateJwk,
});
export type SigningKeyRow = z.infer<typeof SigningKeyRow>;

/**
 * One row of sums the collector keeps per site, series and period (the report_totals table,
 * src/server/storage/totals.ts), read by src/core/privacy/estimate-stats.ts:
 * - model '' and oracle '': `n` reports;
 * - model '' and oracle a feature mechanism (at `eps`): the feature-bearing reports (`n` = `nf`), and
 *   per feature `dim` the sums `s`, `ss` of the noised value and its square;
 * - a model id, oracle clear | grr | oue, the fields' `k` and `eps` (0 for clear): with value '' every
 *   report of that stratum, else those indicating `value` (clear: the segment id; grr: the value;
 *   oue: a set bit's index); dim -1 counts them (`n`, and `nf` that carry features), dim j sums
 *   feature j over the feature-bearing ones.
 */
export const ReportTotal = /* @__PURE__ */ z.object({
  period: z.int(),
  model: z.string(),
  oracle: z.string(),
  k: z.int(),
  eps: z.number(),
  value: z.string(),
  dim: z.int(),
  n: z.number(),
  nf: z.number(),
  s: z.number(),
  ss: z.number(),
});
export type ReportTotal = z.infer<typeof ReportTotal>;
