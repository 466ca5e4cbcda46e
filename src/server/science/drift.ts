/**
 * A site's drift report: the published version's reports grouped by reporting period, each period
 * estimated on its own (estimateSite, as estimates.ts does for the whole version), and the pure
 * drift rule of src/core/science/drift.ts over that list. When estimates move to series, only
 * periodEstimates changes: the rule takes any list of period estimates.
 */
import { Refusal } from '../http/refusal.js';
import { estimateSite } from '../../core/privacy/estimate.js';
import { detectDrift, type DriftCheck, type PeriodEstimates } from '../../core/science/drift.js';
import type { PublishedVersion, Report } from '../../core/schema.js';
import type { ServerDeps } from '../runtime/deps.js';
import { notPublished } from '../estimates/estimates.js';

export type SiteDrift = {
  site: string;
  version: number;
  periodDays: number;
  periods: { period: number; reports: number }[];
  /** every flagged move, newest period first */
  flags: DriftCheck[];
  /** how many cells were checked */
  checked: number;
  /** where to act on a flag */
  links: { refit: string; fit: string; refinement: string };
};

/** Each period's estimates of one published version, oldest first. */
export function periodEstimates(
  v: Pick<PublishedVersion, 'manifest'>,
  reports: Report[],
  now: Date,
): PeriodEstimates[] {
  const byPeriod = new Map<number, Report[]>();
  for (const r of reports) byPeriod.set(r.period, [...(byPeriod.get(r.period) ?? []), r]);
  return [...byPeriod.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([period, rs]) => ({ period, ...estimateSite(v.manifest, rs, { now }) }));
}

/** The drift report of `site`'s current version (or `version`). */
export async function siteDrift(deps: ServerDeps, site: string, version?: number): Promise<SiteDrift> {
  const v =
    version === undefined
      ? await deps.store.currentVersion(site)
      : await deps.store.getVersion(site, version);
  if (!v) throw await notPublished(deps.store, site, version);
  const reports = await deps.store.listReports(site, v.version);
  const periods = periodEstimates(v, reports, deps.now());
  const checks = detectDrift(periods);
  const counts = new Map<number, number>();
  for (const r of reports) counts.set(r.period, (counts.get(r.period) ?? 0) + 1);
  return {
    site,
    version: v.version,
    periodDays: v.manifest.reporting.periodDays,
    periods: periods.map((p) => ({ period: p.period, reports: counts.get(p.period) ?? 0 })),
    flags: checks.filter((c) => c.flagged).sort((a, b) => b.period - a.period),
    checked: checks.length,
    links: {
      refit: `edseg-admin fit --site ${site} --events FILE (or --csv FILE)`,
      fit: `/admin/sites/${encodeURIComponent(site)}/fit`,
      refinement: `/admin/sites/${encodeURIComponent(site)}/refinement`,
    },
  };
}

/** A version query parameter: absent, or a positive integer (else a 400 naming it). */
export function versionParam(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const v = Number(q);
  if (!Number.isInteger(v) || v < 1) throw new Refusal(400, 'version must be a positive integer', 'version');
  return v;
}
