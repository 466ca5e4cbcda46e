/**
 * Provider side: the admin API's requests and answers (src/server/admin), refinement proposals
 * included. Server-only like server.ts, and for the reason given there every `.check(…)` chain
 * nested in a schema's arguments carries its own pure annotation.
 */
import * as z from 'zod/mini';
import { Identifier, MinAgeBand, Purpose, Text } from './atoms.js';
import { FeatureKind } from './feature-spec.js';
import { Manifest, Reporting, SegmentDoc, SitePolicy } from './manifest.js';
import { PublicJwk } from './options.js';
import { Estimate } from './report.js';
import { AuditRecord, SiteDefinition, SiteSummary, VersionSummary } from './server.js';

/** The console's session cookie (HMAC-signed, see src/server/admin/auth.ts): who logged in, and until when (ms since the epoch). */
export const AdminSession = /* @__PURE__ */ z.object({ actor: z.string(), exp: z.number() });
export type AdminSession = z.infer<typeof AdminSession>;

/** GET /admin/api/sites. */
export const SiteList = /* @__PURE__ */ z.object({ sites: z.array(SiteSummary) });
export type SiteList = z.infer<typeof SiteList>;

/**
 * One segment as the console lists it (src/server/sites/catalog.ts): its model's purpose and features,
 * its documentation, the DERIVED education-record flag, and the site policy's verdict.
 */
export const CatalogSegment = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  modelKind: z.enum(['centroids', 'softmax', 'mlp']),
  purpose: Purpose,
  minAgeBand: MinAgeBand,
  features: z.array(
    z.object({
      name: z.string(),
      kind: FeatureKind,
      windowDays: z.int(),
      educationRecord: z.boolean(),
      description: z.nullable(z.string()),
    }),
  ),
  usesEducationRecord: z.boolean(),
  /** the features that make it an education record, by name */
  educationRecordFeatures: z.array(z.string()),
  documentation: SegmentDoc,
  allowed: z.boolean(),
  clear: z.boolean(),
});
export type CatalogSegment = z.infer<typeof CatalogSegment>;

/** GET /admin/api/sites/:site: everything the console shows about one site. */
export const SiteView = /* @__PURE__ */ z.object({
  site: z.object({
    id: z.string(),
    name: z.string(),
    origins: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** when an owner disabled the site (no manifest served, reports refused), or null */
    disabledAt: z.nullable(z.string()),
  }),
  current: z.nullable(
    z.object({
      version: z.int(),
      publishedAt: z.string(),
      publishedBy: z.string(),
      kid: z.string(),
      issuedAt: z.string(),
      expiresAt: z.string(),
    }),
  ),
  /** the working policy (live once published) and the published one */
  policy: SitePolicy,
  publishedPolicy: z.nullable(SitePolicy),
  /** the working copy's reporting (owner-only; live once published), `budget.freshStore` included */
  reporting: Reporting,
  /** what the next publish would change (empty: nothing but a re-sign) */
  pending: z.array(z.string()),
  segments: z.array(CatalogSegment),
  manifest: z.nullable(Manifest),
  versions: z.array(VersionSummary),
  /** the site's stored reports in all and of the current version, as the disclosure gate publishes counts (rounded, null under kThreshold) */
  reports: z.object({ total: z.nullable(z.int()), currentVersion: z.nullable(z.int()) }),
});
export type SiteView = z.infer<typeof SiteView>;

/** PUT /admin/api/sites/:site/policy answers this: the saved working policy, what changed, and that it is not live yet. */
export const PolicyUpdated = /* @__PURE__ */ z.object({
  policy: SitePolicy,
  changes: z.array(z.string()),
  published: z.literal(false),
});
export type PolicyUpdated = z.infer<typeof PolicyUpdated>;

/**
 * PUT /admin/api/sites/:site/models/:model/segments/:segment/documentation takes this: the card an
 * editor writes: at least one data source, criteria and validation, none blank (400 naming
 * `documentation.<field>`, shown beside the field in the console). The changelog is the server's (an entry on every publish that changes the
 * segment); one sent back with the rest of a card read from the API is ignored.
 */
export const DocumentationInput = /* @__PURE__ */ z.strictObject({
  dataSources: /* @__PURE__ */ z
    .array(/* @__PURE__ */ Text(300).check(/* @__PURE__ */ z.regex(/\S/, 'a data source may not be blank')))
    .check(/* @__PURE__ */ z.minLength(1, 'at least one data source: which events and props feed it')),
  criteria: /* @__PURE__ */ Text(2000).check(
    /* @__PURE__ */ z.regex(/\S/, 'the criteria may not be blank: what a learner meets to be in it'),
  ),
  validation: /* @__PURE__ */ Text(2000).check(
    /* @__PURE__ */ z.regex(/\S/, 'how it was validated may not be blank (write "Not yet validated.")'),
  ),
  changelog: /* @__PURE__ */ z.optional(SegmentDoc.shape.changelog),
});
export type DocumentationInput = z.infer<typeof DocumentationInput>;

/** GET /admin/api/sites/:site/working: the working copy, as edited and not yet published. */
export const WorkingCopyView = /* @__PURE__ */ z.object({
  site: z.string(),
  origins: z.array(z.string()),
  definition: SiteDefinition,
  policy: SitePolicy,
});
export type WorkingCopyView = z.infer<typeof WorkingCopyView>;

/** Every edit of the working copy (features, models, documentation) answers this; nothing is live before a publish. */
export const WorkingEdited = /* @__PURE__ */ z.object({
  /** what the edit changed, in words (the audit log's detail) */
  changes: z.array(z.string()),
  /** what the server changed with it (a deleted segment taken out of the policy, a model taken out of clear) */
  notes: z.array(z.string()),
  published: z.literal(false),
});
export type WorkingEdited = z.infer<typeof WorkingEdited>;

/** One field that differs, with its old and new value as text (null: absent on that side). */
export const FieldChange = /* @__PURE__ */ z.object({
  field: z.string(),
  old: z.nullable(z.string()),
  new: z.nullable(z.string()),
});
export type FieldChange = z.infer<typeof FieldChange>;

const DiffStatus = /* @__PURE__ */ z.enum(['added', 'removed', 'changed']);
/** A feature, a model or a segment that was added, removed or changed, with its changed fields (every field when added or removed). */
const itemDiff = () => ({ id: z.string(), status: DiffStatus, changes: z.array(FieldChange) });
export const ItemDiff = /* @__PURE__ */ z.object(/* @__PURE__ */ itemDiff());
export type ItemDiff = z.infer<typeof ItemDiff>;
export const ModelDiff = /* @__PURE__ */ z.object({
  .../* @__PURE__ */ itemDiff(),
  segments: /* @__PURE__ */ z.array(ItemDiff),
});
export type ModelDiff = z.infer<typeof ModelDiff>;

/**
 * GET /admin/api/sites/:site/diff: the working copy against the published version (src/core/diff.ts).
 * A segment's fields are its name, age band, documentation (not the changelog) and its centroid
 * (or its weights column and bias); a model's, its kind, purpose, features and description.
 */
export const WorkingDiff = /* @__PURE__ */ z.object({
  site: z.string(),
  /** the published version compared against (null: nothing published, everything is added) */
  publishedVersion: z.nullable(z.int()),
  /** true when publishing would only re-sign */
  empty: z.boolean(),
  origins: z.array(FieldChange),
  features: z.array(ItemDiff),
  models: z.array(ModelDiff),
  policy: z.array(FieldChange),
  reporting: z.array(FieldChange),
  retention: z.array(FieldChange),
});
export type WorkingDiff = z.infer<typeof WorkingDiff>;

/**
 * What POST /admin/api/sites/:site/publish accepts when the body is not a bare manifest (one with
 * `models`, which the route passes on whole); an empty body is `{}`.
 */
export const PublishInput = /* @__PURE__ */ z.strictObject({
  /** a manifest to publish instead of the working definition; version, dates and site.id are the server's */
  manifest: z.optional(z.looseObject({})),
  /** for the audit log; cut to 500 characters, ignored when empty */
  note: z.optional(z.string()),
});
export type PublishInput = z.infer<typeof PublishInput>;

/** POST /admin/api/sites/:site/publish answers 201 with this. */
export const Published = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  kid: z.string(),
  expiresAt: z.string(),
  /** what changed from the previous version, in words (the audit log's summary) */
  changes: z.array(z.string()),
});
export type Published = z.infer<typeof Published>;

/** Why a segment's centroid stays put in a refinement proposal. */
export const SKIP_REASONS = ['no-estimate', 'suppressed', 'under-min-support', 'means-withheld'] as const;
export const SkipReason = /* @__PURE__ */ z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof SkipReason>;

/** One segment's line of a model's refinement proposal (src/core/refine.ts). */
export const SegmentRefinement = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  /** the estimated share with its 95% interval; null when suppressed */
  share: z.nullable(Estimate),
  /** reports backing the cell as the disclosure gate publishes it (rounded); null when suppressed */
  support: z.nullable(z.number()),
  /** the estimated means of the model's features, in model.features order; null where withheld */
  means: z.array(z.nullable(Estimate)),
  old: z.array(z.number()),
  /** the undamped Lloyd target (the means clamped to [-1, 1]); null when skipped */
  target: z.nullable(z.array(z.number())),
  proposed: z.array(z.number()),
  /** L2 distance from old to proposed */
  movement: z.number(),
  /** true when maxStep shortened the step towards the target */
  damped: z.boolean(),
  skipped: z.nullable(z.object({ reason: SkipReason, detail: z.string() })),
});
export type SegmentRefinement = z.infer<typeof SegmentRefinement>;

/** One model's proposal: centroid models are refined, softmax models are listed as not refinable. */
export const ModelRefinement = /* @__PURE__ */ z.discriminatedUnion('kind', [
  z.object({
    model: z.string(),
    kind: z.literal('centroids'),
    refinable: z.literal(true),
    purpose: Purpose,
    features: z.array(z.string()),
    /**
     * reports carrying a field for this model, by channel, as the disclosure gate publishes them
     * (rounded, null under kThreshold), and the sum of the published ones (null when neither is)
     */
    reports: z.object({ clear: z.nullable(z.int()), ldp: z.nullable(z.int()), total: z.nullable(z.int()) }),
    /** whether any centroid moves */
    changed: z.boolean(),
    segments: z.array(SegmentRefinement),
  }),
  z.object({
    model: z.string(),
    kind: z.literal('softmax'),
    refinable: z.literal(false),
    purpose: Purpose,
    reason: z.string(),
  }),
  z.object({
    model: z.string(),
    kind: z.literal('mlp'),
    refinable: z.literal(false),
    purpose: Purpose,
    reason: z.string(),
  }),
]);
export type ModelRefinement = z.infer<typeof ModelRefinement>;

/** GET /admin/api/sites/:site/refinement: what proposeRefinement returns. */
export const RefinementProposal = /* @__PURE__ */ z.object({
  site: z.string(),
  /** the manifest version whose reports were estimated */
  baseVersion: z.int(),
  /** the version the proposed manifest carries (baseVersion + 1) */
  version: z.int(),
  /** when the estimates were computed */
  generatedAt: z.string(),
  /** reports counted for baseVersion's series, as the disclosure gate publishes them (null under kThreshold) */
  reports: z.nullable(z.int()),
  maxStep: z.number(),
  minSupport: z.number(),
  models: z.array(ModelRefinement),
  /** the models in which at least one centroid moves, in manifest order */
  changedModels: z.array(z.string()),
  /** the manifest with every changed model applied; issuedAt and expiresAt are still the base's */
  manifest: Manifest,
});
export type RefinementProposal = z.infer<typeof RefinementProposal>;

/** What POST /admin/api/sites/:site/refinement/publish accepts; every field is optional. */
export const RefinementPublishInput = /* @__PURE__ */ z.strictObject({
  /** which models' proposals to apply (default: every model whose centroids move) */
  models: z.optional(/* @__PURE__ */ z.array(z.string()).check(z.minLength(1))),
  /** the version the reviewed proposal was for: 409 when another version is current by now */
  version: z.optional(/* @__PURE__ */ z.int().check(z.gte(1))),
  maxStep: z.optional(/* @__PURE__ */ z.number().check(z.positive())),
  minSupport: z.optional(/* @__PURE__ */ z.number().check(z.gte(0))),
  note: z.optional(/* @__PURE__ */ z.string().check(z.maxLength(500))),
});
export type RefinementPublishInput = z.infer<typeof RefinementPublishInput>;

/** The refinement options' part of RefinementPublishInput: the same rules for a query as for a publish. */
export const RefineParams = /* @__PURE__ */ z.pick(RefinementPublishInput, {
  maxStep: true,
  minSupport: true,
});
export type RefineParams = z.infer<typeof RefineParams>;

/** POST /admin/api/sites/:site/refinement/publish answers 201 with this. */
export const RefinementPublished = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  kid: z.string(),
  expiresAt: z.string(),
  /** the models whose centroids were replaced */
  models: z.array(z.string()),
  /** the reports the refinement stood on, as the disclosure gate publishes them (null under kThreshold) */
  reports: z.nullable(z.int()),
  summary: z.string(),
  changes: z.array(z.string()),
});
export type RefinementPublished = z.infer<typeof RefinementPublished>;

/** GET /admin/api/audit: the audit log, newest first. */
export const AuditLog = /* @__PURE__ */ z.object({ entries: z.array(AuditRecord) });
export type AuditLog = z.infer<typeof AuditLog>;

/** POST /admin/api/keys/rotate answers 201 with this: the new kid, the JWKS, and the sites re-signed with it. */
export const KeysRotated = /* @__PURE__ */ z.object({
  kid: z.string(),
  keys: z.array(PublicJwk),
  republished: z.array(z.object({ site: z.string(), version: z.int() })),
});
export type KeysRotated = z.infer<typeof KeysRotated>;

/** Whether `s` is exactly a URL origin: http(s), a host, an optional port, nothing else (no path, no trailing slash). */
export function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}

/** A page origin a site allows, e.g. "https://app.example.org" or "http://127.0.0.1:8788". */
export const Origin = /* @__PURE__ */ z
  .string()
  .check(
    z.refine(
      isOrigin,
      'must be a URL origin: http(s)://host[:port], nothing after it (no path, no trailing slash)',
    ),
  );

/** The templates a new site can start from: `empty` (no features or models yet) or `demo` (the demo site's features and models). */
export const SITE_TEMPLATES = ['empty', 'demo'] as const;

/** POST /admin/api/sites: a new site. */
export const SiteCreateInput = /* @__PURE__ */ z.strictObject({
  id: Identifier,
  name: /* @__PURE__ */ z.string().check(z.minLength(1), z.maxLength(100)),
  origins: /* @__PURE__ */ z.array(Origin).check(z.minLength(1), z.maxLength(50)),
  template: z.optional(z.enum(SITE_TEMPLATES)),
});
export type SiteCreateInput = z.infer<typeof SiteCreateInput>;

/** POST /admin/api/sites/:site/origins: origins to add and to remove (at least one of them). */
export const SiteOriginsInput = /* @__PURE__ */ z.strictObject({
  add: z.optional(/* @__PURE__ */ z.array(Origin).check(z.maxLength(50))),
  remove: z.optional(/* @__PURE__ */ z.array(z.string()).check(z.maxLength(50))),
});
export type SiteOriginsInput = z.infer<typeof SiteOriginsInput>;

/** What the site routes answer: the site's summary, and for an origins edit what changed (live at the next publish). */
export const SiteChanged = /* @__PURE__ */ z.object({
  site: SiteSummary,
  changes: z.array(z.string()),
});
export type SiteChanged = z.infer<typeof SiteChanged>;

/** One signing key as GET /admin/api/keys lists it: whether it signs now, and the live versions it signed. */
export const KeyStatus = /* @__PURE__ */ z.object({
  kid: z.string(),
  createdAt: z.string(),
  current: z.boolean(),
  /** current, unexpired versions of enabled sites signed by this key: while any is left it cannot be retired */
  liveVersions: z.array(z.object({ site: z.string(), version: z.int() })),
  /**
   * the latest expiresAt among every version this key signed (null: none): until then a device may
   * still hold a manifest it signed, so it cannot be retired
   */
  validUntil: z.nullable(z.string()),
});
export type KeyStatus = z.infer<typeof KeyStatus>;

/** GET /admin/api/keys, and POST /admin/api/keys/:kid/retire (with `retired`). */
export const KeyList = /* @__PURE__ */ z.object({
  keys: z.array(KeyStatus),
  retired: z.optional(z.string()),
});
export type KeyList = z.infer<typeof KeyList>;
