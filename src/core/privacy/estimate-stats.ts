/**
 * The sufficient statistics of the estimators (estimate.ts), pure. Every estimate is a function of
 * a few sums over reports, grouped by model, stratum (clear, or one oracle at one k and eps) and
 * reported value (clear: the segment id; GRR: the value; OUE: every bit that is set):
 * - how many reports, and how many of them carry a feature vector z (0 where unsampled);
 * - over those, per feature j, the sum of z_j and the sum of z_j^2.
 * Every debiased value Y takes one of two values per stratum (lo when the report does not
 * indicate the segment, hi when it does), so the sums of Y, Y^2, Y z and Y^2 z^2 that the
 * estimators need follow from these (estimate.ts). Population feature means need the same sums per
 * feature mechanism and eps, and the total is the number of reports.
 *
 * Two paths fill the same Statistics: addReport, from a report in memory (estimateSite), and
 * addTotal, from a row of sums the collector keeps in its database (ReportTotal, one per model,
 * stratum, value and feature). The collector computes those rows with addReport and totalsOf over
 * the reports a batch inserted, and adds them to the stored ones in the same transaction
 * (src/server/storage/totals.ts). Sums add, so the rows of several periods or versions add too.
 */
import type { Report, ReportTotal } from '../schema.js';
import { parseResponse } from './validate.js';

/** Sums over a group of reports: how many, how many carry features, and per feature the sum and sum of squares of z over those. */
export type Sums = { n: number; nf: number; s: Float64Array; ss: Float64Array };

/** One stratum of one model's fields: `all` its reports, `values` those that indicate each reported value (by key). */
export type Stratum = {
  oracle: 'clear' | 'grr' | 'oue';
  /** the fields' k (0 for clear) */
  k: number;
  /** the fields' eps (0 for clear) */
  eps: number;
  all: Sums;
  values: Map<string, Sums>;
};

/** Feature-bearing reports of one feature mechanism and eps (n = nf). */
export type FeatureStratum = { mechanism: string; eps: number; sums: Sums };

/** Everything the estimators read of a set of reports with `d` features. */
export type Statistics = {
  d: number;
  reports: number;
  features: Map<string, FeatureStratum>;
  /** by model id, then by stratum key */
  models: Map<string, Map<string, Stratum>>;
};

export const emptySums = (d: number): Sums => ({
  n: 0,
  nf: 0,
  s: new Float64Array(d),
  ss: new Float64Array(d),
});

/** Statistics of no report, for `d` features. */
export const emptyStatistics = (d: number): Statistics => ({
  d,
  reports: 0,
  features: new Map(),
  models: new Map(),
});

function stratumOf(stats: Statistics, model: string, oracle: Stratum['oracle'], k: number, eps: number) {
  let strata = stats.models.get(model);
  if (!strata) stats.models.set(model, (strata = new Map()));
  const key = `${oracle}:${k}:${eps}`;
  let st = strata.get(key);
  if (!st) strata.set(key, (st = { oracle, k, eps, all: emptySums(stats.d), values: new Map() }));
  return st;
}

function valueOf(stats: Statistics, st: Stratum, value: string): Sums {
  let sums = st.values.get(value);
  if (!sums) st.values.set(value, (sums = emptySums(stats.d)));
  return sums;
}

function featureStratumOf(stats: Statistics, mechanism: string, eps: number): FeatureStratum {
  const key = `${mechanism}:${eps}`;
  let fs = stats.features.get(key);
  if (!fs) stats.features.set(key, (fs = { mechanism, eps, sums: emptySums(stats.d) }));
  return fs;
}

/** A sparse feature vector: the sampled dims and their values. */
type Sparse = { dims: readonly number[]; values: readonly number[] };

/** A report's noised feature vector when it has d features, distinct dims below d and finite values; null otherwise. */
export function featureVector(field: Report['features'], d: number): Sparse | null {
  if (!field || field.d !== d || field.dims.length !== field.values.length) return null;
  const seen = new Set<number>();
  for (let i = 0; i < field.dims.length; i++) {
    const j = field.dims[i] as number;
    if (!(Number.isInteger(j) && j >= 0 && j < d) || seen.has(j) || !Number.isFinite(field.values[i]))
      return null;
    seen.add(j);
  }
  return field;
}

function addTo(sums: Sums, z: Sparse | null): void {
  sums.n++;
  if (!z) return;
  sums.nf++;
  for (let i = 0; i < z.dims.length; i++) {
    const j = z.dims[i] as number;
    const x = z.values[i] as number;
    sums.s[j] = (sums.s[j] as number) + x;
    sums.ss[j] = (sums.ss[j] as number) + x * x;
  }
}

/**
 * Adds one report: the first field of each model (an OUE field that is not k bits of 0 or 1 is
 * skipped; other misfits are kept and skipped by the estimators, which know the model), and its
 * feature vector when featureVector accepts it.
 */
export function addReport(stats: Statistics, r: Report): void {
  stats.reports++;
  const z = featureVector(r.features, stats.d);
  if (z && r.features) addTo(featureStratumOf(stats, r.features.mechanism, r.features.eps).sums, z);
  const seen = new Set<string>();
  for (const field of r.segments) {
    if (seen.has(field.model)) continue;
    seen.add(field.model);
    if (field.channel === 'clear') {
      const st = stratumOf(stats, field.model, 'clear', 0, 0);
      addTo(st.all, z);
      addTo(valueOf(stats, st, field.segment), z);
      continue;
    }
    const response = parseResponse(field, field.k);
    if (!response) continue;
    const st = stratumOf(stats, field.model, response.oracle, field.k, field.eps);
    addTo(st.all, z);
    if (response.oracle === 'grr') addTo(valueOf(stats, st, String(response.value)), z);
    else response.bits.forEach((b, v) => b === 1 && addTo(valueOf(stats, st, String(v)), z));
  }
}

/** Adds one row of stored sums (see ReportTotal in schema/server.ts for what each row holds). */
export function addTotal(stats: Statistics, row: ReportTotal): void {
  let sums: Sums;
  if (row.model === '') {
    if (row.oracle === '') {
      stats.reports += row.n;
      return;
    }
    sums = featureStratumOf(stats, row.oracle, row.eps).sums;
  } else {
    if (row.oracle !== 'clear' && row.oracle !== 'grr' && row.oracle !== 'oue') return;
    const st = stratumOf(stats, row.model, row.oracle, row.k, row.eps);
    sums = row.value === '' ? st.all : valueOf(stats, st, row.value);
  }
  if (row.dim < 0) {
    sums.n += row.n;
    sums.nf += row.nf;
  } else if (row.dim < stats.d) {
    sums.s[row.dim] = (sums.s[row.dim] as number) + row.s;
    sums.ss[row.dim] = (sums.ss[row.dim] as number) + row.ss;
  }
}

/** The statistics of `reports`. */
export function statisticsOf(d: number, reports: Iterable<Report>): Statistics {
  const stats = emptyStatistics(d);
  for (const r of reports) addReport(stats, r);
  return stats;
}

/** The statistics of stored rows of sums. */
export function statisticsOfTotals(d: number, rows: Iterable<ReportTotal>): Statistics {
  const stats = emptyStatistics(d);
  for (const row of rows) addTotal(stats, row);
  return stats;
}

/**
 * The rows of sums `stats` is stored as (of `period`): the inverse of addTotal, so that folding
 * them with addTotal gives `stats` back. Feature sums that are 0 (no report sampled the feature)
 * are left out, as addTotal starts from 0.
 */
export function totalsOf(stats: Statistics, period: number): ReportTotal[] {
  const base = { period, k: 0, eps: 0, value: '', nf: 0, s: 0, ss: 0 };
  const rows: ReportTotal[] = [{ ...base, model: '', oracle: '', dim: -1, n: stats.reports }];
  const push = (head: Pick<ReportTotal, 'model' | 'oracle' | 'k' | 'eps' | 'value'>, sums: Sums) => {
    rows.push({ ...base, ...head, dim: -1, n: sums.n, nf: sums.nf });
    for (let j = 0; j < stats.d; j++) {
      const s = sums.s[j] as number;
      const ss = sums.ss[j] as number;
      if (s !== 0 || ss !== 0) rows.push({ ...base, ...head, dim: j, n: 0, s, ss });
    }
  };
  for (const fs of stats.features.values())
    push({ model: '', oracle: fs.mechanism, k: 0, eps: fs.eps, value: '' }, fs.sums);
  for (const [model, strata] of stats.models)
    for (const st of strata.values()) {
      const head = { model, oracle: st.oracle, k: st.k, eps: st.eps };
      push({ ...head, value: '' }, st.all);
      for (const [value, sums] of st.values) push({ ...head, value }, sums);
    }
  return rows;
}
