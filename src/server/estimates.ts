/**
 * A site's estimates for one published version, as GET /v1/sites/:site/estimates and the console's
 * dashboard both show them: one read of the version row (manifest included), one of its reports.
 */
import { EdsegError } from '../core/errors.js';
import { estimateSite } from '../core/privacy/estimate.js';
import type { PublishedVersion, SiteEstimates } from '../core/schema.js';
import type { ServerDeps } from './deps.js';
import type { Store } from './storage/store.js';

/** The estimates of one published version from its stored reports, read through `store` (a transaction's, inside one). */
export async function estimateVersion(
  store: Store,
  v: Pick<PublishedVersion, 'site' | 'version' | 'manifest'>,
  now: Date,
): Promise<SiteEstimates> {
  return estimateSite(v.manifest, await store.listReports(v.site, v.version), { now });
}

/**
 * The estimates of `version` (default: the current one) from its stored reports; throws
 * EdsegError('not-found') naming `site` (unknown site, or nothing published) or `version` (never published).
 */
export async function loadEstimates(
  deps: ServerDeps,
  site: string,
  version?: number,
): Promise<SiteEstimates> {
  const published =
    version === undefined
      ? await deps.store.currentVersion(site)
      : await deps.store.getVersion(site, version);
  if (!published) {
    // Only a refusal reads the site, to say which of the two is missing.
    if (version === undefined) throw new EdsegError('not-found', 'unknown site or nothing published', 'site');
    if (!(await deps.store.getSite(site)))
      throw new EdsegError('not-found', `unknown site "${site}"`, 'site');
    throw new EdsegError('not-found', `site "${site}" never published version ${version}`, 'version');
  }
  return estimateVersion(deps.store, published, deps.now());
}
