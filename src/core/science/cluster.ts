/**
 * Clustering arithmetic in plain float64 JavaScript, shared by the fit (src/server/science), the
 * evaluation and the tests: k-means++ seeding (Arthur & Vassilvitskii 2007), inertia, the mean
 * silhouette (Rousseeuw 1987) and the adjusted Rand index (Hubert & Arabie 1985). The Lloyd
 * iterations themselves run batched in TensorFlow.js on the server (src/server/science/kmeans.ts).
 */
import type { Rng } from '../privacy/random.js';

/** A data matrix: n rows of d finite numbers. */
export type Matrix = readonly (readonly number[])[];

/** Squared Euclidean distance. */
export function sqDist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]! - b[j]!;
    s += t * t;
  }
  return s;
}

/**
 * k-means++ seeding: the first centre uniform, each next one drawn with probability proportional
 * to its squared distance to the nearest centre so far. `rng` makes it repeatable (a seeded
 * generator from privacy/random.ts: clustering is not a privacy mechanism, only reproducible).
 */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng): number[][] {
  const n = x.length;
  if (k < 1 || k > n) throw new Error(`kmeans++: k must be in [1, ${n}], got ${k}`);
  const centres: number[][] = [[...x[rng.int(n)]!]];
  const d2 = x.map((row) => sqDist(row, centres[0]!));
  while (centres.length < k) {
    const total = d2.reduce((s, v) => s + v, 0);
    let pick = 0;
    if (total > 0) {
      let r = rng.real() * total;
      for (pick = 0; pick < n - 1; pick++) {
        r -= d2[pick]!;
        if (r < 0) break;
      }
    } else pick = rng.int(n); // every row sits on a centre already: any row will do
    const c = [...x[pick]!];
    centres.push(c);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i]!, sqDist(x[i]!, c));
  }
  return centres;
}

/** The index of the nearest centre of each row (ties to the lowest index, as model.ts assigns). */
export function nearest(x: Matrix, centres: Matrix): number[] {
  return x.map((row) => {
    let at = 0;
    let best = Infinity;
    centres.forEach((c, j) => {
      const d = sqDist(row, c);
      if (d < best) {
        best = d;
        at = j;
      }
    });
    return at;
  });
}

/** Sum of squared distances of each row to its cluster's centre. */
export function inertia(x: Matrix, labels: readonly number[], centres: Matrix): number {
  return x.reduce((s, row, i) => s + sqDist(row, centres[labels[i]!]!), 0);
}

/** How many rows each of k clusters holds. */
export function clusterSizes(labels: readonly number[], k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l]! += 1;
  return sizes;
}

/** The mean silhouette, and whether it is exact or from a sample of `rows` rows. */
export type SilhouetteResult = { mean: number; method: 'exact' | 'sampled'; rows: number };

/** Rows above which the silhouette is computed on a uniform sample of this many rows. */
export const SILHOUETTE_EXACT_MAX = 10_000;

/**
 * The mean silhouette width: for row i with a(i) the mean Euclidean distance to the other rows of
 * its cluster and b(i) the least mean distance to another cluster's rows, s(i) = (b - a) / max(a, b),
 * and 0 for a row alone in its cluster (Rousseeuw 1987). Exact (O(n²·d)) up to `maxRows` rows;
 * above, the mean over a sample of `maxRows` rows drawn without replacement with `rng`, distances
 * within the sample (as scikit-learn's sample_size does).
 */
export function silhouette(
  x: Matrix,
  labels: readonly number[],
  opts: { maxRows?: number; rng?: Rng } = {},
): SilhouetteResult {
  const maxRows = opts.maxRows ?? SILHOUETTE_EXACT_MAX;
  let rows = x.map((_, i) => i);
  let method: SilhouetteResult['method'] = 'exact';
  if (rows.length > maxRows) {
    if (!opts.rng) throw new Error(`silhouette: ${rows.length} rows need an rng to sample ${maxRows}`);
    rows = sampleIndices(rows.length, maxRows, opts.rng);
    method = 'sampled';
  }
  const k = Math.max(...rows.map((i) => labels[i]!)) + 1;
  const size = new Array<number>(k).fill(0);
  for (const i of rows) size[labels[i]!]! += 1;
  let total = 0;
  const sums = new Array<number>(k);
  for (const i of rows) {
    sums.fill(0);
    const xi = x[i]!;
    for (const j of rows) if (j !== i) sums[labels[j]!]! += Math.sqrt(sqDist(xi, x[j]!));
    const own = labels[i]!;
    if (size[own]! <= 1) continue; // s(i) = 0
    const a = sums[own]! / (size[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && size[c]! > 0) b = Math.min(b, sums[c]! / size[c]!);
    if (b === Infinity) continue; // one cluster only: undefined, counted as 0
    const m = Math.max(a, b);
    total += m === 0 ? 0 : (b - a) / m;
  }
  return { mean: total / rows.length, method, rows: rows.length };
}

/** A uniform random permutation of [0, n) (Fisher-Yates), its first `m` entries when m < n. */
export function permutation(n: number, rng: Rng, m = n): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < Math.min(m, n - 1); i++) {
    const j = i + rng.int(n - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, m);
}

/** `m` distinct indices of [0, n), uniformly, ascending. */
export function sampleIndices(n: number, m: number, rng: Rng): number[] {
  return permutation(n, rng, m).sort((p, q) => p - q);
}

/**
 * The adjusted Rand index of two labelings of the same rows (Hubert & Arabie 1985): 1 for the same
 * partition up to renaming, about 0 for independent ones. Two trivial partitions that agree give 1.
 */
export function adjustedRandIndex(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`adjustedRandIndex: ${a.length} vs ${b.length} labels`);
  const n = a.length;
  const pairs = (m: number) => (m * (m - 1)) / 2;
  const table = new Map<string, number>();
  const rowsA = new Map<number, number>();
  const rowsB = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}|${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowsA.set(a[i]!, (rowsA.get(a[i]!) ?? 0) + 1);
    rowsB.set(b[i]!, (rowsB.get(b[i]!) ?? 0) + 1);
  }
  let index = 0;
  for (const v of table.values()) index += pairs(v);
  let sa = 0;
  let sb = 0;
  for (const v of rowsA.values()) sa += pairs(v);
  for (const v of rowsB.values()) sb += pairs(v);
  const expected = (sa * sb) / pairs(n);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
