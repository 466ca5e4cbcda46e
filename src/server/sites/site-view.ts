/** What the console and the admin API show about one site: its record, its published version, pending changes, segments and report counts. */
import type { SiteView } from '../../core/schema.js';
import { segmentCatalog } from './catalog.js';
import type { ServerDeps } from '../runtime/deps.js';
import { buildManifest, describeChanges } from './publish.js';
import { gateCount } from '../estimates/disclosure.js';

/** Everything the console shows about one site, or null when it does not exist. */
export async function loadSiteView(deps: ServerDeps, id: string): Promise<SiteView | null> {
  const site = await deps.store.getSite(id);
  if (!site) return null;
  const current = await deps.store.currentVersion(id);
  const next = buildManifest(site, (current?.version ?? 0) + 1, deps.now());
  const pending = current ? describeChanges(current.manifest, next) : ['not published yet'];
  const reports = await deps.store.reportCounts(id, current?.version ?? null);
  return {
    site: {
      id: site.id,
      name: site.name,
      origins: site.origins,
      createdAt: site.createdAt,
      updatedAt: site.updatedAt,
      disabledAt: site.disabledAt,
    },
    current: current && {
      version: current.version,
      publishedAt: current.publishedAt,
      publishedBy: current.publishedBy,
      kid: current.kid,
      issuedAt: current.manifest.issuedAt,
      expiresAt: current.manifest.expiresAt,
    },
    policy: site.policy,
    publishedPolicy: current?.manifest.policy ?? null,
    reporting: site.definition.reporting,
    pending,
    segments: segmentCatalog(site.definition, site.policy),
    manifest: current?.manifest ?? null,
    versions: await deps.store.listVersions(id),
    // Through the disclosure gate at the current version's kThreshold (nothing published: none shown).
    reports: {
      total: current ? gateCount(reports.total, current.manifest.reporting.kThreshold) : null,
      currentVersion: current ? gateCount(reports.ofVersion, current.manifest.reporting.kThreshold) : null,
    },
  };
}
