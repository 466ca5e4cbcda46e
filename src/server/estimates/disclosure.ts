/**
 * The disclosure gate: the one module every count, share, mean and interval passes through before
 * it leaves the server, whatever the route or role. Its callers: the public and admin estimates and
 * the timeline (estimates.ts), the dashboard's charts (drawn from those), the refinement proposal and
 * its publish (sites/refinement.ts proposes from disclose()'s output only), drift (science/drift.ts:
 * the timeline, so the trend view's figures), the site view's report counts (gateCount), and through
 * those the CLI's --json. test/server/disclosure-routes.test.ts enumerates the routes.
 *
 * The k threshold is only worth what the totals around a cell do not give away.
 * - Every count (the version's reports, a model's clear and ldp counts, a feature's count, a cell's
 *   support) is rounded to the nearest ROUNDING, and null when it is under kThreshold.
 * - A cell estimateSite suppressed stays suppressed, and so do more of its model's cells (the
 *   smallest first) until what the published figures leave over for the suppressed ones, the
 *   model's total minus the published supports, is at least kThreshold: a suppressed cell cannot be
 *   recovered as "total minus the rest" (secondary suppression, as statistical agencies do it).
 * - A share is the rounded support over the rounded total, so it moves only when they do; standard
 *   errors and means are given to 3 decimals, with their intervals recomputed.
 */
import { Z95 } from '../../core/privacy/estimate.js';
import type { Estimate, PublishedEstimates, SiteEstimates } from '../../core/schema.js';

/** Counts and supports are published as multiples of this. */
export const ROUNDING = 10;

const rounded = (x: number): number => Math.round(x / ROUNDING) * ROUNDING;

/** A count as the gate publishes it: null under `k`, else rounded to the nearest ROUNDING. */
export const gateCount = (x: number, k: number): number | null => (x < k ? null : rounded(x));
const decimals3 = (x: number): number => Math.round(x * 1000) / 1000;
/** An estimate at 3 decimals, its interval from the rounded value and se. */
const coarse = (value: number, se: number): Estimate => {
  const v = decimals3(value);
  const s = decimals3(se);
  return { value: v, se: s, lo: decimals3(v - Z95 * s), hi: decimals3(v + Z95 * s) };
};

/** The indices of the cells to publish: estimateSite's, less the smallest until the suppressed ones add up to kThreshold. */
function publishedCells(
  segments: SiteEstimates['models'][number]['segments'],
  total: number,
  k: number,
): Set<number> {
  const shown = new Set(segments.flatMap((s, v) => (s.suppressed ? [] : [v])));
  const leftOver = () => total - [...shown].reduce((sum, v) => sum + (segments[v]?.support ?? 0), 0);
  while (shown.size > 0 && shown.size < segments.length && leftOver() < k) {
    const smallest = [...shown].reduce((a, b) =>
      (segments[b]?.support ?? 0) < (segments[a]?.support ?? 0) ? b : a,
    );
    shown.delete(smallest);
  }
  return shown;
}

/** What disclose() gives: the published estimates without what the caller knows of the series (estimates.ts adds it). */
export type Disclosed = Omit<PublishedEstimates, 'series' | 'versions' | 'timeline'>;

/** The estimates as published: rounded, suppressed under kThreshold, with secondary suppression; `periods` and `live` say what was counted. */
export function disclose(est: SiteEstimates, scope: { periods: number[]; live: boolean }): Disclosed {
  const k = est.kThreshold;
  const count = (x: number): number | null => gateCount(x, k);
  return {
    site: est.site,
    manifestVersion: est.manifestVersion,
    generatedAt: est.generatedAt,
    kThreshold: k,
    rounding: ROUNDING,
    periods: scope.periods,
    live: scope.live,
    reports: count(est.reports),
    models: est.models.map((m) => {
      const total = m.n.clear + m.n.ldp;
      const shown = publishedCells(m.segments, total, k);
      return {
        model: m.model,
        purpose: m.purpose,
        n: { clear: count(m.n.clear), ldp: count(m.n.ldp) },
        segments: m.segments.map((s, v) => {
          const support = shown.has(v) ? count(s.support) : null;
          if (support === null || !s.share || rounded(total) <= 0)
            return {
              id: s.id,
              name: s.name,
              support: null,
              suppressed: true,
              share: null,
              featureMeans: s.featureMeans.map((f) => ({ feature: f.feature, estimate: null })),
            };
          return {
            id: s.id,
            name: s.name,
            support,
            suppressed: false,
            share: coarse(support / rounded(total), s.share.se),
            featureMeans: s.featureMeans.map((f) => ({
              feature: f.feature,
              estimate: f.estimate && coarse(f.estimate.value, f.estimate.se),
            })),
          };
        }),
      };
    }),
    features: est.features.map((f) => ({
      feature: f.feature,
      n: count(f.n),
      suppressed: f.suppressed || f.n < k,
      estimate: f.suppressed || f.n < k || !f.estimate ? null : coarse(f.estimate.value, f.estimate.se),
    })),
  };
}
