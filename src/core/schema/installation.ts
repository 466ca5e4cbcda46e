/**
 * Provider side: the installation view of one site (GET /admin/api/sites/:site/installation), what
 * the server saw of its installation over the last 24 hours, counts only. Server-only like admin.ts.
 */
import * as z from 'zod/mini';

/** Why the collector refused reports naming the site (src/server/ingest/collector.ts reportRefusal). */
export const REPORT_REFUSAL_REASONS = ['unknown-version', 'superseded', 'disabled-site', 'invalid'] as const;
export const ReportRefusalReason = /* @__PURE__ */ z.enum(REPORT_REFUSAL_REASONS);
export type ReportRefusalReason = z.infer<typeof ReportRefusalReason>;

/**
 * GET /admin/api/sites/:site/installation. `origins`: the manifest requests per page origin (the
 * request's Origin header; a same-origin request's own origin), `other` for those past the bound on
 * distinct origins per hour; `listed`: in the published manifest's site.origins. `versions` and
 * `refused`: reports stored per manifest version and refused per reason, through the disclosure
 * gate (null: under kThreshold; else rounded to 10). Nothing per device, no address, no user agent.
 */
export const Installation = /* @__PURE__ */ z.object({
  site: z.string(),
  /** the window: the hours counted, ending with the current one (UTC, ISO) */
  from: z.string(),
  to: z.string(),
  hours: z.int(),
  publishedVersion: z.nullable(z.int()),
  /** the published manifest's site.origins (what devices check), [] when nothing is published */
  listedOrigins: z.array(z.string()),
  kThreshold: z.nullable(z.int()),
  origins: z.array(z.object({ origin: z.string(), listed: z.boolean(), manifestRequests: z.int() })),
  versions: z.array(z.object({ version: z.int(), reports: z.nullable(z.int()) })),
  refused: z.array(z.object({ reason: ReportRefusalReason, reports: z.nullable(z.int()) })),
});
export type Installation = z.infer<typeof Installation>;
