/**
 * The fit behind `edseg-admin fit` and the console's fit page: k-means over a range of k on
 * normalised learner features, with, for every k, the inertia (the elbow), the mean silhouette
 * (exact up to 10,000 rows, sampled above) and the cluster sizes, plus the stability of the
 * clustering as the adjusted Rand index between fits from different seeds. `best` is the k with
 * the highest mean silhouette; the chosen k becomes a draft centroid model (centroids in normalised
 * space) whose documentation carries the figures, for an editor to name, document and publish.
 */
import { seededRandom } from '../../core/privacy/random.js';
import {
  adjustedRandIndex,
  clusterSizes,
  silhouette,
  type SilhouetteResult,
} from '../../core/science/cluster.js';
import { pca } from '../../core/science/pca.js';
import { Model, type CentroidModel, type Purpose } from '../../core/schema.js';
import { kmeans } from './kmeans.js';
import type { Inputs } from './inputs.js';

export type FitK = {
  k: number;
  inertia: number;
  silhouette: number;
  silhouetteMethod: SilhouetteResult['method'];
  silhouetteRows: number;
  sizes: number[];
  /** mean adjusted Rand index between this fit and fits from other seeds */
  stability: number;
};

export type FitOptions = {
  ks: number[];
  seed: number;
  restarts?: number;
  /** extra seeds whose fits the stability compares with (default 3) */
  stabilitySeeds?: number;
  progress?: (line: string) => void;
};

export type FitResult = {
  rows: number;
  features: string[];
  seed: number;
  ks: FitK[];
  best: number;
  fits: Map<number, { centres: number[][]; labels: number[] }>;
  pca: { axes: number[][]; explained: number[]; projected: number[][] };
};

/** What a draft and the summary need of a fit: no per-row labels or projections (a worker's answer). */
export type FitFigures = Omit<FitResult, 'fits' | 'pca'> & {
  fits: Map<number, { centres: number[][] }>;
  pca: Pick<FitResult['pca'], 'axes' | 'explained'>;
};

/** The figures of a fit without its per-row arrays. */
export function fitFigures(result: FitResult): FitFigures {
  return {
    ...result,
    fits: new Map([...result.fits].map(([k, f]) => [k, { centres: f.centres }])),
    pca: { axes: result.pca.axes, explained: result.pca.explained },
  };
}

/** Parses --k: "4", or a range "2..10". */
export function parseKs(text: string | undefined): number[] {
  const s = text ?? '2..10';
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(s.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(lo >= 2 && hi >= lo && hi <= 50))
    throw new Error(`--k must be a k or a range such as 2..10 with 2 <= k <= 50, got "${s}"`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** Runs k-means for every k of opts.ks on inputs.x. */
export async function runFit(inputs: Pick<Inputs, 'x' | 'features'>, opts: FitOptions): Promise<FitResult> {
  const { x } = inputs;
  const maxK = Math.max(...opts.ks);
  if (x.length < maxK)
    throw new Error(`${x.length} rows, fewer than k = ${maxK}: give more rows or a smaller --k`);
  const restarts = opts.restarts ?? 5;
  const extra = opts.stabilitySeeds ?? 3;
  const ks: FitK[] = [];
  const fits = new Map<number, { centres: number[][]; labels: number[] }>();
  for (const k of opts.ks) {
    const fit = await kmeans(x, k, seededRandom(opts.seed * 1000 + k), { restarts });
    const aris: number[] = [];
    for (let s = 1; s <= extra; s++) {
      const other = await kmeans(x, k, seededRandom((opts.seed + s) * 1000 + k), { restarts });
      aris.push(adjustedRandIndex(fit.labels, other.labels));
    }
    const sil = silhouette(x, fit.labels, { rng: seededRandom(opts.seed + 7) });
    const row: FitK = {
      k,
      inertia: fit.inertia,
      silhouette: sil.mean,
      silhouetteMethod: sil.method,
      silhouetteRows: sil.rows,
      sizes: clusterSizes(fit.labels, k),
      stability: aris.length ? aris.reduce((a, b) => a + b, 0) / aris.length : 1,
    };
    ks.push(row);
    fits.set(k, fit);
    opts.progress?.(
      `k = ${k}: inertia ${row.inertia.toFixed(2)}, silhouette ${row.silhouette.toFixed(3)} (${row.silhouetteMethod}), ARI ${row.stability.toFixed(3)}`,
    );
  }
  const best = ks.reduce((b, r) => (r.silhouette > b.silhouette ? r : b)).k;
  const p = pca(x, Math.min(2, inputs.features.length));
  return { rows: x.length, features: inputs.features, seed: opts.seed, ks, best, fits, pca: p };
}

const fmt = (v: number, d = 3) => v.toFixed(d);

/**
 * The draft centroid model of k clusters: segments cluster-1..k (an editor renames and documents
 * them), documentation with the data source, the criteria (nearest centroid, its profile) and the
 * validation figures (silhouette, stability), checked against the Model schema.
 */
export function draftModel(
  result: FitFigures,
  k: number,
  opts: { id?: string; purpose?: Purpose; source: string; date: string },
): CentroidModel {
  const fit = result.fits.get(k);
  const row = result.ks.find((r) => r.k === k);
  if (!fit || !row)
    throw new Error(`--choose ${k} is not among the fitted k (${result.ks.map((r) => r.k).join(', ')})`);
  const n = result.rows;
  const model: CentroidModel = {
    id: opts.id ?? `fit-k${k}`,
    purpose: opts.purpose ?? 'analytics',
    kind: 'centroids',
    features: result.features,
    description:
      `Draft from edseg-admin fit: k-means (k-means++ seeding, Lloyd, best of restarts) on ${n} learners from ${opts.source}, seed ${result.seed}.`.slice(
        0,
        1000,
      ),
    centroids: fit.centres.map((c) => c.map((v) => Number(v.toFixed(6)))),
    segments: fit.centres.map((c, i) => {
      const profile = result.features
        .map((f, j) => [f, c[j]!] as const)
        .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
        .slice(0, 4)
        .map(([f, v]) => `${f} ${v >= 0 ? '+' : ''}${fmt(v, 2)}`)
        .join(', ');
      return {
        id: `cluster-${i + 1}`,
        name: `Cluster ${i + 1}`,
        minAgeBand: 'under13' as const,
        documentation: {
          dataSources: [
            `features ${result.features.join(', ')} (normalised to [-1, 1])`,
            `fit on ${opts.source}`,
          ],
          criteria: `Nearest of the ${k} centroids; this centroid's strongest coordinates (normalised): ${profile}.`,
          validation:
            `k-means fit on ${n} learners (${opts.source}), k = ${k}: ${row.sizes[i]} learners (${fmt((100 * row.sizes[i]!) / n, 1)}%) in this cluster; ` +
            `mean silhouette ${fmt(row.silhouette)} (${row.silhouetteMethod}${row.silhouetteMethod === 'sampled' ? `, ${row.silhouetteRows} rows` : ''}); ` +
            `stability: adjusted Rand index ${fmt(row.stability)} between fits from different seeds.`,
          changelog: [{ version: 1, date: opts.date, change: 'drafted by edseg-admin fit' }],
        },
      };
    }),
  };
  const checked = Model.safeParse(model);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new Error(`the draft model fails the schema at ${issue.path.join('.')}: ${issue.message}`);
  }
  return model;
}

/** The JSON summary `--json` prints: ks, best, and what else the fit knows. */
export function fitSummary(result: FitFigures, chosen: number, extra: Record<string, unknown> = {}) {
  return {
    ks: result.ks,
    best: result.best,
    chosen,
    rows: result.rows,
    features: result.features,
    seed: result.seed,
    pca: { explained: result.pca.explained, axes: result.pca.axes },
    ...extra,
  };
}
