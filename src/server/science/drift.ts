/**
 * A site's drift report, from the stored per-period sums (report_totals) through the disclosure
 * gate: the version's series estimated period by period exactly as the trend view draws it
 * (publishedEstimates' timeline, scope 'all': rounded counts, suppressed cells null, shares and
 * means to 3 decimals), and the pure drift rule of src/core/science/drift.ts over that list. So a
 * documentation-only publish (same series) does not reset it, only cells the gate publishes can be
 * flagged, and no request reads a report: the cost is O(cells x periods), whatever the number of reports.
 */
import { Refusal } from '../http/refusal.js';
import { DRIFT_Z, detectDrift, falseFlagRate } from '../../core/science/drift.js';
import type { PublishedEstimates, SiteDrift } from '../../core/schema.js';
import type { ServerDeps } from '../runtime/deps.js';
import { publishedEstimates } from '../estimates/estimates.js';

export type { SiteDrift };

/** The drift report of estimates the gate published with their timeline (scope 'all'). */
export function driftOf(est: PublishedEstimates, periodDays: number): SiteDrift {
  const timeline = est.timeline ?? [];
  const checks = detectDrift(timeline, { z: DRIFT_Z });
  const site = est.site;
  return {
    site,
    version: est.manifestVersion,
    series: est.series,
    versions: est.versions,
    periodDays,
    periods: timeline.map((p) => ({ period: p.period, reports: p.reports, live: p.live })),
    flags: checks.filter((c) => c.flagged).sort((a, b) => b.period - a.period),
    checked: checks.length,
    z: DRIFT_Z,
    expectedFalseFlags: Math.round(checks.length * falseFlagRate(DRIFT_Z) * 10) / 10,
    links: {
      refit: `edseg-admin fit --site ${site} --events FILE (or --csv FILE)`,
      fit: `/admin/sites/${encodeURIComponent(site)}/fit`,
      refinement: `/admin/sites/${encodeURIComponent(site)}/refinement`,
    },
  };
}

/** The drift report of `site`'s current version (or `version`): its series, every period, through the gate. */
export async function siteDrift(deps: ServerDeps, site: string, version?: number): Promise<SiteDrift> {
  const { estimates, periodDays } = await publishedEstimates(deps, site, version, 'all');
  return driftOf(estimates, periodDays);
}

/** A version query parameter: absent, or a positive integer (else a 400 naming it). */
export function versionParam(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const v = Number(q);
  if (!Number.isInteger(v) || v < 1) throw new Refusal(400, 'version must be a positive integer', 'version');
  return v;
}
