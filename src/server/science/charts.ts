/**
 * The fit's and the training's charts, as SVG through plotSvg (Observable Plot on the server): the
 * elbow (inertia by k), the mean silhouette by k, the 2-D PCA projection coloured by cluster, each
 * cluster's feature profile, and a calibration curve. The CLI writes them to files, the console
 * embeds them inline.
 */
import type { CalibrationBin } from '../../core/science/metrics.js';
import { Plot, plotSvg } from './svg.js';
import type { FitResult } from './fit.js';

/** At most this many points in the projection chart (every nth learner, so the chart repeats). */
const MAX_POINTS = 3000;

/** The four charts of a fit with `chosen` clusters, by file name. */
export function fitCharts(result: FitResult, chosen: number): Record<string, string> {
  const ks = result.ks;
  const fit = result.fits.get(chosen)!;
  const stride = Math.max(1, Math.ceil(result.rows / MAX_POINTS));
  const points = result.pca.projected
    .map((p, i) => ({ pc1: p[0] ?? 0, pc2: p[1] ?? 0, cluster: `cluster-${fit.labels[i]! + 1}` }))
    .filter((_, i) => i % stride === 0);
  const ex = result.pca.explained.map((e) => `${(100 * e).toFixed(1)}%`);
  const profile = fit.centres.flatMap((c, i) =>
    result.features.map((f, j) => ({ cluster: `cluster-${i + 1}`, feature: f, value: c[j]! })),
  );
  return {
    'elbow.svg': plotSvg({
      title: 'Elbow: inertia by k',
      x: { label: 'k', ticks: ks.map((r) => r.k) },
      y: { label: 'inertia (within-cluster sum of squares)', grid: true },
      marks: [
        Plot.line(ks, { x: 'k', y: 'inertia' }),
        Plot.dot(ks, { x: 'k', y: 'inertia', fill: 'currentColor' }),
      ],
    }),
    'silhouette.svg': plotSvg({
      title: `Mean silhouette by k (best k = ${result.best})`,
      x: { label: 'k', ticks: ks.map((r) => r.k) },
      y: { label: 'mean silhouette', grid: true },
      marks: [
        Plot.line(ks, { x: 'k', y: 'silhouette' }),
        Plot.dot(ks, {
          x: 'k',
          y: 'silhouette',
          fill: (r: { k: number }) => (r.k === result.best ? 'best' : 'other'),
          r: 4,
        }),
      ],
    }),
    'pca.svg': plotSvg({
      title: `PCA projection, k = ${chosen}${stride > 1 ? ` (every ${stride}th learner)` : ''}`,
      x: { label: `PC1 (${ex[0] ?? '–'} of variance)` },
      y: { label: `PC2 (${ex[1] ?? '–'} of variance)` },
      color: { legend: true },
      marks: [Plot.dot(points, { x: 'pc1', y: 'pc2', stroke: 'cluster', r: 2 })],
    }),
    'profile.svg': plotSvg({
      title: `Cluster profiles, k = ${chosen} (centroids, normalised scale)`,
      marginLeft: 140,
      x: { label: 'cluster' },
      y: { label: null },
      color: { type: 'diverging', domain: [-1, 1] }, // no ramp legend: it needs a canvas; each cell prints its value
      marks: [
        Plot.cell(profile, { x: 'cluster', y: 'feature', fill: 'value' }),
        Plot.text(profile, {
          x: 'cluster',
          y: 'feature',
          text: (d: { value: number }) => d.value.toFixed(2),
        }),
      ],
    }),
  };
}

/** A calibration curve (reliability diagram): observed rate against mean predicted probability per bin. */
export function calibrationChart(bins: readonly CalibrationBin[], title: string): string {
  return plotSvg({
    title,
    x: { label: 'mean predicted probability', domain: [0, 1] },
    y: { label: 'observed rate', domain: [0, 1], grid: true },
    marks: [
      Plot.line(
        [
          { p: 0, o: 0 },
          { p: 1, o: 1 },
        ],
        { x: 'p', y: 'o', strokeDasharray: '4,4' },
      ),
      Plot.line(bins, { x: 'predicted', y: 'observed' }),
      Plot.dot(bins, {
        x: 'predicted',
        y: 'observed',
        r: (b: CalibrationBin) => Math.sqrt(b.n),
        fill: 'currentColor',
      }),
    ],
  });
}
