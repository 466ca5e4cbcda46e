/**
 * Drift: per model and reporting period, each estimated segment share and per-segment feature mean
 * against the same cell in the previous periods. A pure function of a list of period estimates,
 * so it plugs onto estimates computed per period (src/server/estimates/estimates.ts) or per series.
 *
 * Rule: the baseline of a cell in period t is the inverse-variance weighted mean of its estimates
 * in up to `lookback` earlier periods (se_b = 1/sqrt(sum 1/se²)); the move is flagged when
 * |value - baseline| > z · sqrt(se² + se_b²), i.e. when the change lies beyond the 95% interval of
 * a difference of two independent estimates (z = 1.96 by default). Suppressed cells (null) are
 * skipped, and so is a cell with no unsuppressed earlier period.
 */

/** An estimate with its standard error, or null where the cell was suppressed. */
export type DriftEstimate = { value: number; se: number } | null;

/** One period's estimates, in the shape of SiteEstimates (only what drift reads). */
export type PeriodEstimates = {
  period: number;
  models: readonly {
    model: string;
    segments: readonly {
      id: string;
      share: DriftEstimate;
      featureMeans: readonly { feature: string; estimate: DriftEstimate }[];
    }[];
  }[];
};

/** One checked cell: `what` is "share" or the feature a per-segment mean is of. */
export type DriftCheck = {
  period: number;
  model: string;
  segment: string;
  what: string;
  value: number;
  se: number;
  baseline: number;
  baselineSe: number;
  /** how many earlier periods the baseline pools */
  periods: number;
  z: number;
  flagged: boolean;
};

export type DriftOptions = { z?: number; lookback?: number };

/** The flagging threshold detectDrift uses by default (|z| beyond it is flagged). */
export const DRIFT_Z = 1.96;

/**
 * The chance that a cell which did not move is flagged at threshold `z`: P(|Z| > z) = erfc(z / √2)
 * for a standard normal Z (Abramowitz and Stegun 7.1.26, absolute error under 1.5e-7). Checked
 * cells times this is the number of false flags expected by chance alone.
 */
export function falseFlagRate(z: number = DRIFT_Z): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * Math.exp(-x * x);
}

/** Every checkable cell of every period after the first, oldest period first. */
export function detectDrift(periods: readonly PeriodEstimates[], opts: DriftOptions = {}): DriftCheck[] {
  const zCrit = opts.z ?? DRIFT_Z;
  const lookback = opts.lookback ?? 3;
  const sorted = [...periods].sort((a, b) => a.period - b.period);
  const cells = (p: PeriodEstimates) => {
    const out = new Map<string, { model: string; segment: string; what: string; e: DriftEstimate }>();
    for (const m of p.models)
      for (const s of m.segments) {
        out.set(`${m.model}|${s.id}|share`, { model: m.model, segment: s.id, what: 'share', e: s.share });
        for (const f of s.featureMeans)
          out.set(`${m.model}|${s.id}|${f.feature}`, {
            model: m.model,
            segment: s.id,
            what: f.feature,
            e: f.estimate,
          });
      }
    return out;
  };
  const byPeriod = sorted.map(cells);
  const checks: DriftCheck[] = [];
  for (let t = 1; t < sorted.length; t++) {
    for (const [key, cell] of byPeriod[t]!) {
      if (cell.e === null || !(cell.e.se > 0)) continue;
      let w = 0;
      let wx = 0;
      let used = 0;
      for (let u = t - 1; u >= Math.max(0, t - lookback); u--) {
        const prev = byPeriod[u]!.get(key)?.e;
        if (!prev || !(prev.se > 0)) continue;
        w += 1 / prev.se ** 2;
        wx += prev.value / prev.se ** 2;
        used++;
      }
      if (used === 0) continue;
      const baseline = wx / w;
      const baselineSe = 1 / Math.sqrt(w);
      const z = (cell.e.value - baseline) / Math.sqrt(cell.e.se ** 2 + baselineSe ** 2);
      checks.push({
        period: sorted[t]!.period,
        model: cell.model,
        segment: cell.segment,
        what: cell.what,
        value: cell.e.value,
        se: cell.e.se,
        baseline,
        baselineSe,
        periods: used,
        z,
        flagged: Math.abs(z) > zCrit,
      });
    }
  }
  return checks;
}
