/**
 * The installation view of one site (GET /admin/api/sites/:site/installation and its console page):
 * what the server saw of the site's installation in the last 24 hours, from install_counts.
 * Manifest requests per origin are shown exact: they count page loads per origin, before any consent
 * and without a report, as the server's own access log would (docs/SERVER.md "The installation
 * view"). Reports stored and refused are learner data: through the disclosure gate (gateCount) at
 * the published version's kThreshold, like the site view's counts; nothing published, none shown.
 */
import type { Installation, ReportRefusalReason } from '../../core/schema.js';
import { REPORT_REFUSAL_REASONS } from '../../core/schema.js';
import { gateCount } from '../estimates/disclosure.js';
import type { ServerDeps } from '../runtime/deps.js';
import { OTHER_ORIGIN, hourOf } from '../storage/sql/installation.js';

/** The hours the view counts, the current one included. */
export const INSTALL_WINDOW_HOURS = 24;

/** The installation view of `id`, or null for an unknown site. */
export async function loadInstallation(deps: ServerDeps, id: string): Promise<Installation | null> {
  const site = await deps.store.getSite(id);
  if (!site) return null;
  const now = hourOf(deps.now().getTime());
  const fromHour = now - INSTALL_WINDOW_HOURS + 1;
  const [current, counts] = await Promise.all([
    deps.store.currentVersion(id),
    deps.store.installCounts(id, fromHour),
  ]);
  const listed = current?.manifest.site.origins ?? [];
  const k = current?.manifest.reporting.kThreshold ?? null;
  const gate = (n: number) => (k === null ? null : gateCount(n, k));
  const of = (kind: string) => counts.filter((c) => c.kind === kind);
  return {
    site: id,
    from: new Date(fromHour * 3_600_000).toISOString(),
    to: new Date((now + 1) * 3_600_000).toISOString(),
    hours: INSTALL_WINDOW_HOURS,
    publishedVersion: current?.version ?? null,
    listedOrigins: listed,
    kThreshold: k,
    origins: of('origin').map((c) => ({
      origin: c.key,
      listed: c.key !== OTHER_ORIGIN && listed.includes(c.key),
      manifestRequests: c.n,
    })),
    versions: of('version')
      .map((c) => ({ version: Number(c.key), reports: gate(c.n) }))
      .sort((a, b) => b.version - a.version),
    refused: of('refused')
      .filter((c): c is typeof c & { key: ReportRefusalReason } =>
        (REPORT_REFUSAL_REASONS as readonly string[]).includes(c.key),
      )
      .map((c) => ({ reason: c.key, reports: gate(c.n) })),
  };
}
