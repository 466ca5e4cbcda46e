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
 */
import type { Estimate, Manifest, Report, SegmentField, SiteEstimates } from '../schema.js';
import { EdsegError } from '../errors.js';
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
 * The sum of a vector over all rows and the stratified estimate of its variance, sum_g n_g s_g^2,
 * component by component; `fill(row, out)` writes a row's vector of length `len` into out.
 * A stratum of one row adds x^2, whose mean is at least its variance.
 */
function stratifiedSums<R>(
  strata: readonly (readonly R[])[],
  len: number,
  fill: (row: R, out: Float64Array) => void,
): { sum: Float64Array; variance: Float64Array } {
  const sum = new Float64Array(len);
  const variance = new Float64Array(len);
  const x = new Float64Array(len);
  const s = new Float64Array(len);
  const ss = new Float64Array(len);
  for (const g of strata) {
    const n = g.length;
    if (n === 0) continue;
    s.fill(0);
    ss.fill(0);
    for (const r of g) {
      fill(r, x);
      for (let i = 0; i < len; i++) s[i] = (s[i] as number) + (x[i] as number);
    }
    if (n > 1) {
      for (const r of g) {
        fill(r, x);
        for (let i = 0; i < len; i++)
          ss[i] = (ss[i] as number) + ((x[i] as number) - (s[i] as number) / n) ** 2;
      }
    }
    for (let i = 0; i < len; i++) {
      const mean = (s[i] as number) / n;
      variance[i] = (variance[i] as number) + (n === 1 ? mean * mean : (n * (ss[i] as number)) / (n - 1));
      sum[i] = (sum[i] as number) + (s[i] as number);
    }
  }
  return { sum, variance };
}

/**
 * A debiaser: Y for one oracle response, (indicator - q) / (p - q) per value. The two values Y
 * takes are computed once per oracle, k and eps within one estimate (one debiaser per call, so
 * nothing outlives it).
 */
function debiaser(): (response: SegmentResponse, k: number, eps: number) => Float64Array | null {
  const levels = new Map<string, { lo: number; hi: number }>();
  return (response, k, eps) => {
    const key = `${response.oracle}:${k}:${eps}`;
    let level = levels.get(key);
    if (!level) {
      const { p, q } = response.oracle === 'grr' ? grrProbabilities(k, eps) : oueProbabilities(eps);
      level = { lo: -q / (p - q), hi: (1 - q) / (p - q) };
      levels.set(key, level);
    }
    // An eps so small that p = q in floating point (1e-300) has no finite debiaser: the response says nothing.
    if (!Number.isFinite(level.lo) || !Number.isFinite(level.hi)) return null;
    const y = new Float64Array(k);
    if (response.oracle === 'grr') {
      y.fill(level.lo);
      y[response.value] = level.hi;
    } else {
      for (let v = 0; v < k; v++) y[v] = response.bits[v] === 1 ? level.hi : level.lo;
    }
    return y;
  };
}

/** Rows grouped by stratum key, in first-seen order. */
function groupBy<R extends { stratum: string }>(rows: readonly R[]): R[][] {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const g = groups.get(r.stratum);
    if (g) g.push(r);
    else groups.set(r.stratum, [r]);
  }
  return [...groups.values()];
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
  const debiased = debiaser();
  const rows = responses.map((r, i) => {
    const response = parseResponse(r, k);
    if (!response)
      throw new EdsegError(
        'invalid-input',
        `edseg: response ${i} is not a grr value in [0, k) or k oue bits of 0 or 1`,
        `responses.${i}`,
      );
    const y = debiased(response, k, eps);
    if (!y)
      throw new EdsegError('invalid-input', `edseg: eps ${eps} is too small to debias responses`, 'eps');
    return { stratum: response.oracle, y };
  });
  const { sum, variance } = stratifiedSums(groupBy(rows), k, (r, out) => out.set(r.y));
  const out = { freq: [] as number[], se: [] as number[], lo: [] as number[], hi: [] as number[] };
  for (let v = 0; v < k; v++) {
    const e = estimate((sum[v] as number) / rows.length, Math.sqrt(variance[v] as number) / rows.length);
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

type Row = { stratum: string; y: Float64Array; z: Float64Array | null };

/** A report's noised feature vector (0 where unsampled), or null when absent or of another length. */
function featureVector(field: Report['features'], d: number): Float64Array | null {
  if (!field || field.d !== d || field.dims.length !== field.values.length) return null;
  const z = new Float64Array(d);
  for (let i = 0; i < field.dims.length; i++) {
    const j = field.dims[i] as number;
    const x = field.values[i] as number;
    if (!(j >= 0 && j < d) || !Number.isFinite(x)) return null;
    z[j] = x;
  }
  return z;
}

/** The row of a report's field for a model with segment ids `ids`, or null when the field does not fit the model. */
function segmentRow(
  field: SegmentField,
  ids: readonly string[],
  z: Float64Array | null,
  debiased: ReturnType<typeof debiaser>,
): Row | null {
  const k = ids.length;
  if (field.channel === 'clear') {
    const v = ids.indexOf(field.segment);
    if (v < 0) return null;
    const y = new Float64Array(k);
    y[v] = 1;
    return { stratum: 'clear', y, z };
  }
  const response = field.k === k && field.eps > 0 ? parseResponse(field, k) : null;
  const y = response && debiased(response, k, field.eps);
  return response && y ? { stratum: `${response.oracle}:${field.eps}`, y, z } : null;
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
  const kT = rules.kThreshold;
  const d = manifest.features.length;
  const counted = reports.filter(
    (r) => r.site === manifest.site.id && r.manifestVersion === manifest.version,
  );
  const z = counted.map((r) => featureVector(r.features, d));
  const debiased = debiaser();

  const featureRows = counted.flatMap((r, i) => {
    const zi = z[i];
    return zi && r.features ? [{ stratum: `${r.features.mechanism}:${r.features.eps}`, z: zi }] : [];
  });
  const nf = featureRows.length;
  const featureSums = stratifiedSums(groupBy(featureRows), d, (r, out) => out.set(r.z));
  const features = manifest.features.map((f, j) => {
    const e =
      nf === 0 || (kT !== null && nf < kT)
        ? null
        : finiteEstimate(
            (featureSums.sum[j] as number) / nf,
            Math.sqrt(featureSums.variance[j] as number) / nf,
          );
    return { feature: f.name, n: nf, suppressed: e === null, estimate: e };
  });

  const models = manifest.models.map((model) => {
    const ids = model.segments.map((s) => s.id);
    const rows: Row[] = [];
    const n = { clear: 0, ldp: 0 };
    for (let i = 0; i < counted.length; i++) {
      const field = (counted[i] as Report).segments.find((f) => f.model === model.id);
      const row = field ? segmentRow(field, ids, z[i] ?? null, debiased) : null;
      if (!field || !row) continue;
      n[field.channel === 'clear' ? 'clear' : 'ldp']++;
      rows.push(row);
    }
    const total = rows.length;
    const k = ids.length;
    const shares = stratifiedSums(groupBy(rows), k, (r, out) => out.set(r.y));
    // Per-segment means over feature-bearing rows: C_v = sum Y_v, T_vj = sum Y_v z_j, then the
    // linearised residuals Y_v (z_j - mu_vj); cells are v * d + j.
    const withFeatures = groupBy(rows.filter((r) => r.z !== null)) as (Row & { z: Float64Array })[][];
    const counts = stratifiedSums(withFeatures, k, (r, out) => out.set(r.y));
    // T needs no variance; it is summed stratum by stratum like C, so both round the same way.
    const totals = new Float64Array(k * d);
    const stratumTotals = new Float64Array(k * d);
    for (const g of withFeatures) {
      stratumTotals.fill(0);
      for (const r of g) {
        for (let v = 0; v < k; v++)
          for (let j = 0; j < d; j++)
            stratumTotals[v * d + j] =
              (stratumTotals[v * d + j] as number) + (r.y[v] as number) * (r.z[j] as number);
      }
      for (let c = 0; c < k * d; c++) totals[c] = (totals[c] as number) + (stratumTotals[c] as number);
    }
    const mu = totals.map((t, c) => t / (counts.sum[Math.floor(c / d)] as number));
    const residuals = stratifiedSums(withFeatures, k * d, (r, out) => {
      for (let v = 0; v < k; v++)
        for (let j = 0; j < d; j++)
          out[v * d + j] = (r.y[v] as number) * ((r.z[j] as number) - (mu[v * d + j] as number));
    });
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
        estimate: finiteEstimate(
          mu[v * d + j] as number,
          Math.sqrt(residuals.variance[v * d + j] as number) / c,
        ),
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
    reports: counted.length,
    models,
    features,
  };
}
