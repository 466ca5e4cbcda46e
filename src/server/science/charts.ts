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

/**
 * The profile's diverging colour scale (RdBu: -m dark red, m dark blue) over [-m, m], where m is the
 * largest absolute centroid value rounded up to a half, at least 1: a centroid 5.52 standard
 * deviations out is darker than one at 1, and every printed value lies inside the legend's range.
 */
export function profileScale(values: readonly number[]) {
  const top = values.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  const m = Math.max(1, Math.ceil(top * 2) / 2);
  return { m, scale: Plot.scale({ color: { type: 'diverging', domain: [-m, m] } }) };
}

/** WCAG relative luminance of an "rgb(r, g, b)" colour. */
export function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Black or white, whichever contrasts more with the cell's colour (the crossover is L = 0.179). */
export const textOn = (rgb: string): string => (luminance(rgb) < 0.179 ? 'white' : 'black');

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
  const { m, scale: PROFILE } = profileScale(profile.map((d) => d.value));
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
    'profile.svg': plotSvg(
      {
        title: `Cluster profiles, k = ${chosen} (centroids, normalised scale)`,
        marginLeft: 140,
        x: { label: 'cluster' },
        y: { label: null },
        color: { type: 'identity' }, // the cells' colours, computed below; the legend gives the key
        marks: [
          Plot.cell(profile, {
            x: 'cluster',
            y: 'feature',
            fill: (d: { value: number }) => PROFILE.apply(d.value),
          }),
          Plot.text(profile, {
            x: 'cluster',
            y: 'feature',
            text: (d: { value: number }) => d.value.toFixed(2),
            fill: (d: { value: number }) => textOn(PROFILE.apply(d.value) as string),
          }),
        ],
      },
      {
        swatches: [-m, -m / 2, 0, m / 2, m].map((v) => ({
          fill: PROFILE.apply(v) as string,
          label: `${Number(v.toFixed(2))}`,
        })),
      },
    ),
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
