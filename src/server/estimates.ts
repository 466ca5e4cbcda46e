/**
 * A site's estimates for one published version, as GET /v1/sites/:site/estimates, the admin API and
 * the console's dashboard show them: one read of the version row (manifest included), one of its
 * reports. The public endpoint counts closed periods only (a period is closed once its last day
 * has passed): with the live period in it, two calls around one report would tell that report's
 * segment. The signed-in admin views count every period. Both publish through disclose().
 */
import { EdsegError } from '../core/errors.js';
import { estimateSite } from '../core/privacy/estimate.js';
import { dayOf } from '../core/schema.js';
import type { PublishedEstimates, PublishedVersion, Report, SiteEstimates } from '../core/schema.js';
import type { ServerDeps } from './deps.js';
import { disclose } from './disclosure.js';
import type { Store } from './storage/store.js';

/** Which reports an estimate counts: those of closed periods (public), or all of them (signed-in admin). */
export type EstimatesScope = 'closed' | 'all';

/** Whether a report's period has ended by `day` (its last day is before `day`). */
export const periodClosed = (r: Pick<Report, 'period'>, periodDays: number, day: number): boolean =>
  r.period + periodDays <= day;

/** The estimates of one published version from its stored reports, read through `store` (a transaction's, inside one). */
export async function estimateVersion(
  store: Store,
  v: Pick<PublishedVersion, 'site' | 'version' | 'manifest'>,
  now: Date,
): Promise<SiteEstimates> {
  return estimateSite(v.manifest, await store.listReports(v.site, v.version), { now });
}

/** The error for a site or version with nothing published: names `site` (unknown site, or nothing published) or `version`. */
export async function notPublished(store: Store, site: string, version?: number): Promise<EdsegError> {
  // Only a refusal reads the site, to say which of the two is missing.
  if (version === undefined) return new EdsegError('not-found', 'unknown site or nothing published', 'site');
  if (!(await store.getSite(site))) return new EdsegError('not-found', `unknown site "${site}"`, 'site');
  return new EdsegError('not-found', `site "${site}" never published version ${version}`, 'version');
}

/**
 * The published estimates of `version` (default: the current one) from its stored reports in
 * `scope`, and the version's periodDays; throws notPublished's error when there is no such version.
 */
export async function publishedEstimates(
  deps: ServerDeps,
  site: string,
  version: number | undefined,
  scope: EstimatesScope,
): Promise<{ estimates: PublishedEstimates; periodDays: number }> {
  const published =
    version === undefined
      ? await deps.store.currentVersion(site)
      : await deps.store.getVersion(site, version);
  if (!published) throw await notPublished(deps.store, site, version);
  const now = deps.now();
  const { periodDays } = published.manifest.reporting;
  const all = await deps.store.listReports(site, published.version);
  const today = dayOf(now.getTime());
  const reports = scope === 'all' ? all : all.filter((r) => periodClosed(r, periodDays, today));
  const periods = [...new Set(reports.map((r) => r.period))].sort((a, b) => a - b);
  const estimates = disclose(estimateSite(published.manifest, reports, { now }), {
    periods,
    live: scope === 'all',
  });
  return { estimates, periodDays };
}

/** publishedEstimates' estimates only. */
export async function loadEstimates(
  deps: ServerDeps,
  site: string,
  version: number | undefined,
  scope: EstimatesScope,
): Promise<PublishedEstimates> {
  return (await publishedEstimates(deps, site, version, scope)).estimates;
}
