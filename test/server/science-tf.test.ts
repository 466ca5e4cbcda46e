/**
 * The TensorFlow.js side of the data science (src/server/science): k-means on well-separated blobs,
 * and softmax regression against an independent float64 Newton solution of the same objective.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/privacy/random.js';
import { kmeans } from '../../src/server/science/kmeans.js';
import { trainSoftmax } from '../../src/server/science/softmax.js';

function gaussian(rng: ReturnType<typeof seededRandom>): number {
  return Math.sqrt(-2 * Math.log(1 - rng.real())) * Math.cos(2 * Math.PI * rng.real());
}

/** n rows around each centre, spread sd. */
export function blobs(centres: number[][], n: number, sd: number, seed: number): number[][] {
  const rng = seededRandom(seed);
  return centres.flatMap((c) => Array.from({ length: n }, () => c.map((v) => v + sd * gaussian(rng))));
}

describe('kmeans (TensorFlow.js, batched Lloyd)', () => {
  it('recovers the centres of three well-separated blobs', async () => {
    const truth = [
      [-0.6, -0.6, 0],
      [0.6, -0.5, 0.2],
      [0, 0.6, -0.4],
    ];
    const x = blobs(truth, 80, 0.05, 1);
    const fit = await kmeans(x, 3, seededRandom(2), { restarts: 3 });
    for (const t of truth) {
      const d = Math.min(...fit.centres.map((c) => Math.hypot(...c.map((v, j) => v - t[j]!))));
      expect(d).toBeLessThan(0.03);
    }
    expect([...new Set(fit.labels.slice(0, 80))]).toHaveLength(1);
    expect(fit.inertia).toBeLessThan(240 * 3 * 0.05 ** 2 * 1.3);
  });
});

/** Newton's method in float64 on the same objective, over the centred parameterisation (Σ b = 0 via k-1 free classes is not needed: the Hessian is regularised on W, and b is solved with a pseudo-step). */
function newtonReference(x: number[][], y: number[], k: number, l2: number): { w: number[][]; b: number[] } {
  const n = x.length;
  const d = x[0]!.length;
  const p = (d + 1) * k; // parameters: W[i][c] at i*k + c, b[c] at d*k + c
  let theta = new Array<number>(p).fill(0);
  const feat = (row: number[], i: number) => (i < d ? row[i]! : 1);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(p).fill(0);
    const h = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let r = 0; r < n; r++) {
      const logits = Array.from({ length: k }, (_, c) =>
        Array.from({ length: d + 1 }, (_, i) => feat(x[r]!, i) * theta[i * k + c]!).reduce(
          (s, v) => s + v,
          0,
        ),
      );
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((s, v) => s + v, 0);
      const pr = e.map((v) => v / z);
      for (let i = 0; i <= d; i++)
        for (let c = 0; c < k; c++) {
          g[i * k + c]! += (feat(x[r]!, i) * (pr[c]! - (y[r] === c ? 1 : 0))) / n;
          for (let j = 0; j <= d; j++)
            for (let c2 = 0; c2 < k; c2++)
              h[i * k + c]![j * k + c2]! +=
                (feat(x[r]!, i) * feat(x[r]!, j) * pr[c]! * ((c === c2 ? 1 : 0) - pr[c2]!)) / n;
        }
    }
    for (let i = 0; i < d; i++)
      for (let c = 0; c < k; c++) {
        g[i * k + c]! += l2 * theta[i * k + c]!;
        h[i * k + c]![i * k + c]! += l2;
      }
    // the bias block is singular along (1, ..., 1): add the constraint Σ b = 0 as a penalty of its square
    for (let c = 0; c < k; c++) for (let c2 = 0; c2 < k; c2++) h[d * k + c]![d * k + c2]! += 1;
    const step = solve(h, g);
    theta = theta.map((t, i) => t - step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-12) break;
  }
  return {
    w: Array.from({ length: d }, (_, i) => Array.from({ length: k }, (_, c) => theta[i * k + c]!)),
    b: Array.from({ length: k }, (_, c) => theta[d * k + c]!),
  };
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

describe('trainSoftmax (TensorFlow.js)', () => {
  it('matches a float64 Newton solution of the same L2-regularised problem to 1e-3', async () => {
    const rng = seededRandom(5);
    const x = Array.from({ length: 60 }, () => [gaussian(rng), gaussian(rng)]);
    // overlapping classes (so the optimum is finite), three of them
    const y = x.map(([a, b]) => {
      const s = [a! + 0.5 * gaussian(rng), b! + 0.5 * gaussian(rng), -a! - b! + 0.5 * gaussian(rng)];
      return s.indexOf(Math.max(...s));
    });
    const ref = newtonReference(x, y, 3, 0.05);
    const fit = await trainSoftmax(x, y, 3, { l2: 0.05, steps: 2000, gradientTolerance: 1e-7 });
    fit.weights.forEach((row, i) =>
      row.forEach((w, c) => expect(Math.abs(w - ref.w[i]![c]!)).toBeLessThan(1e-3)),
    );
    fit.bias.forEach((b, c) => expect(Math.abs(b - ref.b[c]!)).toBeLessThan(1e-3));
  });
});
