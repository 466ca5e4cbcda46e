/**
 * Server-side estimators (PRIVACY.md "Per-segment feature means"), pure.
 *
 * One idea carries all of them. Every report i gives a vector Y_i that is unbiased for the one-hot
 * vector of its true segment: clear -> the one-hot itself; GRR -> Y_iv = (1[r_i = v] - q)/(p - q);
 * OUE -> Y_iv = (b_iv - q)/(p - q) (Wang et al., USENIX Security 2017, Sec. 4). Its noised feature
 * vector z_i (0 where unsampled, scaled by d/m) is unbiased for its features x_i, and the two noises
 * are independent given the truth, so Y_iv z_i is unbiased for 1[seg_i = v] x_i.
 *
 * - Shares: the total-count estimator share_v = sum_i Y_iv / N over all reports, clear and ldp,
 *   any oracle and eps. We do not weight separate clear and ldp estimates by inverse variance:
 *   clear reporters are those who consented and need not look like the others, so such a weighted
 *   mix estimates neither group's share nor the pooled one; the total count is unbiased for the
 *   share among all reporters whatever the mix.
 * - Standard errors: reports are independent, and within a stratum (clear, or one oracle at one
 *   eps) identically distributed, so Var(sum_i Y_iv) is estimated by sum_g n_g s_g^2 with s_g^2 the
 *   sample variance in stratum g (stratified sampling, Cochran, Sampling Techniques, 1977, Sec. 5.3).
 *   That counts the mechanism's noise and the sampling of learners; for one GRR stratum it is
 *   p^(1 - p^)/((n - 1)(p - q)^2), PRIVACY.md's variance with the observed report rate p^, which is
 *   Var* = (k - 2 + e^eps)/(n (e^eps - 1)^2) where the true share is 0. A stratum of one report
 *   adds Y^2, whose mean is at least its variance. Intervals are value +- 1.96 se.
 * - Per-segment means: the ratio mu_vj = sum_i Y_iv z_ij / sum_i Y_iv over feature-bearing reports,
 *   se by linearisation: Var ~ Var(sum_i Y_iv (z_ij - mu_vj)) / C_v^2 (Cochran 1977, Sec. 6.3).
 *   For GRR reports this is exactly PRIVACY.md's W mu = m with the debiased frequencies as priors:
 *   with those priors P(r) = n_r / n, summing the rows gives sum_j pi_j mu_j = m-bar, and row r
 *   reduces to mu_r = (n_r m_r - q n m-bar) / (n_r - q n), the ratio above. We do not clamp the
 *   priors: clamping a negative prior changes every other row's weights (biasing cells we publish)
 *   to rescue a cell that is below kThreshold and suppressed anyway. W is singular exactly when a
 *   prior is 0, i.e. C_v = 0; a cell's means are null when C_v < kThreshold or C_v < 3 se(C_v)
 *   (the denominator is not clearly away from 0, where Fieller's interval for a ratio is unbounded).
 *   OUE and clear reports enter the same ratio, so OUE-reported segments get means as well.
 *
 * Every sum above is a function of the sufficient statistics of estimate-stats.ts: within a stratum
 * Y_iv is lo or hi (lo = -q/(p - q), hi = (1 - q)/(p - q); clear: 0 and 1), so with c_v the reports
 * indicating v, sum Y_v = n lo + (hi - lo) c_v and sum Y_v^2 = n lo^2 + (hi^2 - lo^2) c_v, and the
 * same with z_j and z_j^2 summed over the reports indicating v. A stratum's n s^2 is
 * n/(n - 1) (sum x^2 - (sum x)^2 / n). So an estimate costs O(cells), whether the statistics come
 * from reports in memory (estimateSite) or from sums the collector keeps (estimateFromStatistics).
 */
import type { Estimate, Manifest, Report, SiteEstimates } from '../schema.js';
import { EdsegError } from '../errors.js';
import { emptySums, statisticsOf, type Statistics, type Stratum, type Sums } from './estimate-stats.js';
import { grrProbabilities } from './grr.js';
import { oueProbabilities } from './oue.js';
import { SCALAR_MECHANISMS, type ScalarMechanism } from './scalar.js';
import type { SegmentResponse } from './segment.js';
import { checkEpsilon, checkInt, checkMechanism, parseResponse } from './validate.js';

/** The 0.975 quantile of the standard normal. */
export const Z95 = 1.959963984540054;
/** A ratio's denominator must be at least this many standard errors from 0 (see above). */
const MIN_DENOMINATOR_Z = 3;

/** A point estimate with its standard error and 95% normal interval. */
function estimate(value: number, se: number): Estimate {
  return { value, se, lo: value - Z95 * se, hi: value + Z95 * se };
}

/** estimate(value, se), or null when any of its numbers is not finite (no NaN or Infinity is ever published). */
function finiteEstimate(value: number, se: number): Estimate | null {
  const e = estimate(value, se);
  return Number.isFinite(e.lo) && Number.isFinite(e.hi) ? e : null;
}

/**
 * n s^2 of a stratum of n values with sum s and sum of squares ss: n/(n - 1) times the sum of
 * squared deviations; a stratum of one value adds x^2, whose mean is at least its variance.
 */
function spread(n: number, s: number, ss: number): number {
  if (n === 0) return 0;
  if (n === 1) return s * s;
  return Math.max(0, (n * (ss - (s * s) / n)) / (n - 1));
}

/** The two values of the debiased Y of an oracle at k and eps, or null when p = q in floating point (eps 1e-300: no finite debiaser). */
function levels(oracle: 'grr' | 'oue', k: number, eps: number): { lo: number; hi: number } | null {
  const { p, q } = oracle === 'grr' ? grrProbabilities(k, eps) : oueProbabilities(eps);
  const lo = -q / (p - q);
  const hi = (1 - q) / (p - q);
  return Number.isFinite(lo) && Number.isFinite(hi) ? { lo, hi } : null;
}

/** A stratum as a model with segment ids `ids` reads it: Y's two values, its reports, and those indicating each segment. */
type Level = { lo: number; hi: number; all: Sums; cells: (Sums | undefined)[]; clear: boolean };

function sumOf(cells: readonly (Sums | undefined)[], d: number): Sums {
  const all = emptySums(d);
  for (const c of cells) {
    if (!c) continue;
    all.n += c.n;
    all.nf += c.nf;
    for (let j = 0; j < d; j++) {
      all.s[j] = (all.s[j] as number) + (c.s[j] as number);
      all.ss[j] = (all.ss[j] as number) + (c.ss[j] as number);
    }
  }
  return all;
}

/**
 * The stratum as the model reads it, or null when it does not fit the model (another k, eps not
 * positive, no finite debiaser). A clear or GRR report indicates exactly one value, so their
 * reports are the sum over the values the model knows (a clear field naming no segment of the
 * model, or a GRR value outside [0, k), counts nowhere); an OUE report may indicate none.
 */
function levelOf(st: Stratum, ids: readonly string[], d: number): Level | null {
  const k = ids.length;
  if (st.oracle === 'clear') {
    const cells = ids.map((id) => st.values.get(id));
    return { lo: 0, hi: 1, all: sumOf(cells, d), cells, clear: true };
  }
  if (st.k !== k || !(st.eps > 0)) return null;
  const l = levels(st.oracle, k, st.eps);
  if (!l) return null;
  const cells = ids.map((_, v) => st.values.get(String(v)));
  return { ...l, all: st.oracle === 'grr' ? sumOf(cells, d) : st.all, cells, clear: false };
}

/** sum_i Y_iv and sum_g n_g s_g^2 of Y_v over the strata, for v < k; `nf` counts feature-bearing reports only. */
function indicatorSums(
  strata: readonly Level[],
  k: number,
  which: 'n' | 'nf',
): { sum: Float64Array; variance: Float64Array } {
  const sum = new Float64Array(k);
  const variance = new Float64Array(k);
  for (const g of strata) {
    const n = g.all[which];
    const a = g.hi - g.lo;
    const a2 = g.hi * g.hi - g.lo * g.lo;
    for (let v = 0; v < k; v++) {
      const c = g.cells[v]?.[which] ?? 0;
      const s = n * g.lo + a * c;
      sum[v] = (sum[v] as number) + s;
      variance[v] = (variance[v] as number) + spread(n, s, n * g.lo * g.lo + a2 * c);
    }
  }
  return { sum, variance };
}

/** Unbiased segment shares from perturbSegment responses (any mix of GRR and OUE at eps), with 95% intervals. */
export function estimateFrequencies(
  responses: readonly SegmentResponse[],
  k: number,
  eps: number,
): { freq: number[]; se: number[]; lo: number[]; hi: number[] } {
  checkEpsilon(eps);
  checkInt(k, 2, 2 ** 32, 'k');
  if (responses.length === 0)
    throw new EdsegError(
      'invalid-input',
      'edseg: estimateFrequencies needs at least one response',
      'responses',
    );
  const strata = new Map<'grr' | 'oue', { all: number; cells: Float64Array }>();
  responses.forEach((r, i) => {
    const response = parseResponse(r, k);
    if (!response)
      throw new EdsegError(
        'invalid-input',
        `edseg: response ${i} is not a grr value in [0, k) or k oue bits of 0 or 1`,
        `responses.${i}`,
      );
    let g = strata.get(response.oracle);
    if (!g) strata.set(response.oracle, (g = { all: 0, cells: new Float64Array(k) }));
    g.all++;
    if (response.oracle === 'grr') g.cells[response.value] = (g.cells[response.value] as number) + 1;
    else response.bits.forEach((b, v) => (g.cells[v] = (g.cells[v] as number) + b));
  });
  const rows: Level[] = [];
  for (const [oracle, g] of strata) {
    const l = levels(oracle, k, eps);
    if (!l)
      throw new EdsegError('invalid-input', `edseg: eps ${eps} is too small to debias responses`, 'eps');
    const sums = (n: number): Sums => ({ ...emptySums(0), n });
    rows.push({ ...l, all: sums(g.all), cells: [...g.cells].map(sums), clear: false });
  }
  const { sum, variance } = indicatorSums(rows, k, 'n');
  const out = { freq: [] as number[], se: [] as number[], lo: [] as number[], hi: [] as number[] };
  for (let v = 0; v < k; v++) {
    const e = estimate(
      (sum[v] as number) / responses.length,
      Math.sqrt(variance[v] as number) / responses.length,
    );
    out.freq.push(e.value);
    out.se.push(e.se);
    out.lo.push(e.lo);
    out.hi.push(e.hi);
  }
  return out;
}

/**
 * The population mean of the inputs behind perturbScalar outputs, with a 95% interval. The sample
 * variance estimates E[Var_mech(t)] + Var(t) at once (law of total variance); a single value uses
 * the mechanism's worst-case variance plus 1, the most a population in [-1, 1] can add.
 */
export function estimateMean(
  values: readonly number[],
  eps: number,
  mechanism: ScalarMechanism,
): { mean: number; se: number; lo: number; hi: number } {
  checkEpsilon(eps);
  checkMechanism(mechanism, SCALAR_MECHANISMS);
  const n = values.length;
  if (n === 0)
    throw new EdsegError('invalid-input', 'edseg: estimateMean needs at least one value', 'values');
  let sum = 0;
  for (const x of values) sum += x;
  const mean = sum / n;
  let variance: number;
  if (n === 1) {
    variance = SCALAR_MECHANISMS[mechanism].worstVariance(eps) + 1;
  } else {
    let ss = 0;
    for (const x of values) ss += (x - mean) ** 2;
    variance = ss / (n - 1);
  }
  const e = estimate(mean, Math.sqrt(variance / n));
  return { mean: e.value, se: e.se, lo: e.lo, hi: e.hi };
}

/**
 * How estimateSiteWith suppresses cells. kThreshold: the least (noisy, for ldp) support a cell
 * needs, null for none. shareMinZ: the least number of standard errors the support must clear
 * (default 3, so an empty segment's noise is not published as a share); 0 for no such rule.
 * Per-segment means always need their denominator 3 se from 0 (and at least kThreshold when set):
 * without that the ratio has no bounded interval, whatever is published.
 */
export type SuppressionRules = { kThreshold: number | null; shareMinZ?: number };

/** Whether a segment cell with this support (and variance of it) among `total` reports is suppressed under `rules`. */
export function isSuppressed(
  support: number,
  supportVariance: number,
  total: number,
  rules: SuppressionRules,
): boolean {
  const z = rules.shareMinZ ?? MIN_DENOMINATOR_Z;
  if (total <= 0 || !Number.isFinite(support) || !Number.isFinite(supportVariance)) return true;
  if (rules.kThreshold !== null && !(support >= rules.kThreshold)) return true;
  return z > 0 && !(support >= z * Math.sqrt(supportVariance));
}

/**
 * Segment shares, per-segment feature means and population feature means for one manifest, from
 * the reports of its site and version (others are ignored). Cells backed by fewer than kThreshold
 * reports are suppressed: share and means null, and support withheld as 0, since support / n would
 * publish the share. No estimate holds NaN or Infinity: a report whose eps has no finite debiaser, or
 * whose feature value is not finite, is skipped, and a cell whose interval is not finite is suppressed.
 */
export function estimateSite(
  manifest: Manifest,
  reports: readonly Report[],
  opts: { now?: Date } = {},
): SiteEstimates {
  return estimateSiteWith(manifest, reports, { kThreshold: manifest.reporting.kThreshold, now: opts.now });
}

/**
 * estimateSite under explicit suppression rules, for simulations and tests of the estimators
 * themselves ({ kThreshold: null, shareMinZ: 0 } publishes every cell a report speaks for).
 * The output's kThreshold is the rules' threshold, or the manifest's when the rules have none
 * (the schema's int; it then states what estimateSite would have applied, not what was applied).
 */
export function estimateSiteWith(
  manifest: Manifest,
  reports: readonly Report[],
  rules: SuppressionRules & { now?: Date | undefined },
): SiteEstimates {
  const counted = reports.filter(
    (r) => r.site === manifest.site.id && r.manifestVersion === manifest.version,
  );
  return estimateFromStatistics(manifest, statisticsOf(manifest.features.length, counted), rules);
}

/**
 * The estimates of `manifest` from the sufficient statistics of its reports (estimate-stats.ts),
 * however they were gathered (from reports in memory, or from the sums the collector keeps per
 * series and period); `stats` must be for the manifest's feature count. Suppression as estimateSiteWith.
 */
export function estimateFromStatistics(
  manifest: Manifest,
  stats: Statistics,
  rules: SuppressionRules & { now?: Date | undefined },
): SiteEstimates {
  const kT = rules.kThreshold;
  const d = manifest.features.length;
  if (stats.d !== d)
    throw new EdsegError('invalid-input', `statistics for ${stats.d} features, manifest has ${d}`, 'stats.d');

  let nf = 0;
  const featureSum = new Float64Array(d);
  const featureVariance = new Float64Array(d);
  for (const { sums } of stats.features.values()) {
    nf += sums.n;
    for (let j = 0; j < d; j++) {
      featureSum[j] = (featureSum[j] as number) + (sums.s[j] as number);
      featureVariance[j] =
        (featureVariance[j] as number) + spread(sums.n, sums.s[j] as number, sums.ss[j] as number);
    }
  }
  const features = manifest.features.map((f, j) => {
    const e =
      nf === 0 || (kT !== null && nf < kT)
        ? null
        : finiteEstimate((featureSum[j] as number) / nf, Math.sqrt(featureVariance[j] as number) / nf);
    return { feature: f.name, n: nf, suppressed: e === null, estimate: e };
  });

  const models = manifest.models.map((model) => {
    const ids = model.segments.map((s) => s.id);
    const k = ids.length;
    const strata = [...(stats.models.get(model.id)?.values() ?? [])].flatMap((st) => {
      const l = levelOf(st, ids, d);
      return l ? [l] : [];
    });
    const n = { clear: 0, ldp: 0 };
    for (const g of strata) n[g.clear ? 'clear' : 'ldp'] += g.all.n;
    const total = n.clear + n.ldp;
    const shares = indicatorSums(strata, k, 'n');
    // Per-segment means over feature-bearing reports: C_v = sum Y_v, T_vj = sum Y_v z_j, then the
    // linearised residuals Y_v (z_j - mu_vj), whose sums follow from the same statistics.
    const counts = indicatorSums(strata, k, 'nf');
    const mu = new Float64Array(k * d);
    for (let v = 0; v < k; v++) {
      for (let j = 0; j < d; j++) {
        let t = 0;
        for (const g of strata) t += g.lo * (g.all.s[j] as number) + (g.hi - g.lo) * (g.cells[v]?.s[j] ?? 0);
        mu[v * d + j] = t / (counts.sum[v] as number);
      }
    }
    const residualVariance = (v: number, j: number): number => {
      const m = mu[v * d + j] as number;
      let variance = 0;
      for (const g of strata) {
        const cell = g.cells[v];
        const nfg = g.all.nf;
        const a = g.hi - g.lo;
        const a2 = g.hi * g.hi - g.lo * g.lo;
        const lo2 = g.lo * g.lo;
        const c = cell?.nf ?? 0;
        const sv = cell?.s[j] ?? 0;
        const qv = cell?.ss[j] ?? 0;
        const s = g.all.s[j] as number;
        const q = g.all.ss[j] as number;
        const sumR = g.lo * s + a * sv - m * (nfg * g.lo + a * c);
        const sumRR = lo2 * q + a2 * qv - 2 * m * (lo2 * s + a2 * sv) + m * m * (nfg * lo2 + a2 * c);
        variance += spread(nfg, sumR, sumRR);
      }
      return variance;
    };
    const segments = model.segments.map((s, v) => {
      const support = shares.sum[v] as number;
      const share = isSuppressed(support, shares.variance[v] as number, total, rules)
        ? null
        : finiteEstimate(support / total, Math.sqrt(shares.variance[v] as number) / total);
      const nulls = manifest.features.map((f) => ({ feature: f.name, estimate: null }));
      const suppressed = share === null;
      if (share === null)
        return { id: s.id, name: s.name, support: 0, suppressed, share, featureMeans: nulls };
      const c = counts.sum[v] as number;
      if (
        !(c > 0) ||
        (kT !== null && c < kT) ||
        c < MIN_DENOMINATOR_Z * Math.sqrt(counts.variance[v] as number)
      )
        return { id: s.id, name: s.name, support, suppressed, share, featureMeans: nulls };
      const featureMeans = manifest.features.map((f, j) => ({
        feature: f.name,
        estimate: finiteEstimate(mu[v * d + j] as number, Math.sqrt(residualVariance(v, j)) / c),
      }));
      return { id: s.id, name: s.name, support, suppressed, share, featureMeans };
    });
    return { model: model.id, purpose: model.purpose, n, segments };
  });

  return {
    site: manifest.site.id,
    manifestVersion: manifest.version,
    generatedAt: (rules.now ?? new Date()).toISOString(),
    kThreshold: kT ?? manifest.reporting.kThreshold,
    reports: stats.reports,
    models,
    features,
  };
}
