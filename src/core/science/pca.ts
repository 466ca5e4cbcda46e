/**
 * Principal component analysis in float64: the sample covariance matrix and its eigenvectors by
 * the cyclic Jacobi method (Golub & Van Loan, Matrix Computations, §8.5), exact for the small d of
 * engagement features. Used to draw the fit's 2-D projection.
 */
import type { Matrix } from './cluster.js';

/** Column means of x. */
export function columnMeans(x: Matrix): number[] {
  const d = x[0]?.length ?? 0;
  const m = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) m[j]! += row[j]! / x.length;
  return m;
}

/** The sample covariance matrix (divisor n - 1) of the rows of x. */
export function covariance(x: Matrix): number[][] {
  const d = x[0]?.length ?? 0;
  const mu = columnMeans(x);
  const c = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of x)
    for (let i = 0; i < d; i++)
      for (let j = i; j < d; j++) c[i]![j]! += (row[i]! - mu[i]!) * (row[j]! - mu[j]!);
  const div = Math.max(1, x.length - 1);
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      c[i]![j]! /= div;
      c[j]![i] = c[i]![j]!;
    }
  return c;
}

/** Eigenvalues (descending) and unit eigenvectors (rows, same order) of a symmetric matrix. */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const d = a.length;
  const m = a.map((r) => [...r]);
  const v: number[][] = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = m[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[j]![j]! - m[i]![i]!);
  return {
    values: order.map((i) => m[i]![i]!),
    // column i of v is the eigenvector of m[i][i]; the sign is fixed so its largest entry is positive
    vectors: order.map((i) => {
      const col = v.map((r) => r[i]!);
      const big = col.reduce((b, x) => (Math.abs(x) > Math.abs(b) ? x : b), 0);
      return big < 0 ? col.map((x) => -x) : col;
    }),
  };
}

/** The first `components` principal axes of x, their variances, the share of variance they explain, and the projected rows. */
export function pca(
  x: Matrix,
  components = 2,
): { axes: number[][]; variances: number[]; explained: number[]; projected: number[][] } {
  const mu = columnMeans(x);
  const { values, vectors } = symmetricEigen(covariance(x));
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const axes = vectors.slice(0, components);
  return {
    axes,
    variances: values.slice(0, components),
    explained: values.slice(0, components).map((v) => (total > 0 ? v / total : 0)),
    projected: x.map((row) => axes.map((axis) => axis.reduce((s, a, j) => s + a * (row[j]! - mu[j]!), 0))),
  };
}
