/**
 * Small exact-enough statistics for the statistical specs: log-gamma (Lanczos), the regularised
 * incomplete beta and gamma functions (continued fractions, Numerical Recipes 3rd ed. 6.2 and 6.4),
 * Clopper-Pearson bounds (Clopper and Pearson, Biometrika 1934) and the chi-square survival function.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (modified Lentz). */
function betaCf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) return h;
  }
  throw new Error('betaCf did not converge');
}

/** The regularised incomplete beta I_x(a, b). */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaCf(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaCf(1 - x, b, a)) / b;
}

/** The p-quantile of Beta(a, b), by bisection on betaInc (monotone in x). */
export function betaQuantile(p: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100 && hi - lo > 1e-17 * Math.max(lo, 1e-300); i++) {
    const mid = lo + (hi - lo) / 2;
    if (betaInc(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return lo + (hi - lo) / 2;
}

/** One-sided Clopper-Pearson bounds for a binomial proportion: P(p < lo) <= alpha and P(p > hi) <= alpha. */
export function clopperPearson(x: number, n: number, alpha: number): { lo: number; hi: number } {
  return {
    lo: x === 0 ? 0 : betaQuantile(alpha, x, n - x + 1),
    hi: x === n ? 1 : betaQuantile(1 - alpha, x + 1, n - x),
  };
}

/** The regularised upper incomplete gamma Q(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 100_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(lnFront);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(lnFront) * h;
}

/** P(X >= stat) for X ~ chi-square with df degrees of freedom. */
export function chiSquareSurvival(stat: number, df: number): number {
  return gammaQ(df / 2, stat / 2);
}

/** Pearson's chi-square p-value for observed counts against expected probabilities. */
export function chiSquareTest(
  counts: ArrayLike<number>,
  probs: ArrayLike<number>,
): { stat: number; df: number; p: number } {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i] as number;
  let stat = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = n * (probs[i] as number);
    stat += ((counts[i] as number) - e) ** 2 / e;
  }
  const df = counts.length - 1;
  return { stat, df, p: chiSquareSurvival(stat, df) };
}

/** Sample mean and (n - 1) variance. */
export function meanVar(xs: ArrayLike<number>): { mean: number; variance: number } {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i] as number;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((xs[i] as number) - mean) ** 2;
  return { mean, variance: ss / (n - 1) };
}

/**
 * z bound for the specs' mean checks: |z| > 4 has probability 6e-5 per check under a correct
 * mechanism, so a file of a few hundred checks fails by chance less than 2% of seeds.
 */
export const Z_LIMIT = 4;

/** n draws of f into a Float64Array. */
export function draws(n: number, f: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f();
  return out;
}

/** Adds x to counts[i] (a histogram helper that keeps noUncheckedIndexedAccess quiet). */
export function bump(counts: Float64Array, i: number, x = 1): void {
  counts[i] = (counts[i] as number) + x;
}
