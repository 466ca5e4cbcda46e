/** Part B's tables (B1-B3): LDP estimation error on this population, and the n a 0.05 half-width needs. */
import type { Manifest } from '../src/core/schema.js';
import { chooseOracle, grrVariance, oueVariance, sampledDimensions, vectorVariance } from '../src/privacy.js';
import type { Snapshot } from './segments.js';
import { simulate, type SimConfig } from './simulate.js';
import { reportsForHalfWidth } from './stats.js';
import { num, pct, table } from './tables.js';

/** Part B's tables: the seed's reporting at every snapshot and eps 0.5-4 at day 28, R repetitions each; `progress` hears of each configuration. */
export function partB(
  manifest: Manifest,
  snaps: readonly Snapshot[],
  reps: number,
  progress: (message: string) => void = () => {},
): string[] {
  const base = manifest.reporting;
  const configs: SimConfig[] = [
    ...snaps.map((s) => ({
      label: `seed (eps_s ${base.epsilonSegment}, eps_f ${base.epsilonFeatures})`,
      day: s.day,
      reporting: base,
    })),
    ...[0.5, 1, 2, 4].map((eps) => ({
      label: `eps_s = eps_f = ${eps}`,
      day: 28,
      reporting: { ...base, epsilonSegment: eps, epsilonFeatures: eps },
    })),
  ];
  const results = configs.map((c, ci) => {
    progress(`part B ${ci + 1}/${configs.length}: day ${c.day}, ${c.label}, R = ${reps}`);
    return simulate(
      manifest,
      snaps.find((s) => s.day === c.day)!,
      c,
      reps,
      1_000_000 * (ci + 1),
    );
  });
  const out: string[] = [];
  const n = snaps[0]!.x.length;
  const d = manifest.features.length;
  const ks = manifest.models.map((m) => m.segments.length);
  const cells = ks.reduce((a, b) => a + b, 0);
  out.push(
    `### B1. Segment shares from ldp reports (n = ${n} reports, one per learner; ${cells} share cells over the ${manifest.models.length} models; R = ${reps})`,
    '',
  );
  out.push(
    ...table(
      [
        'day',
        'reporting',
        'share MAE',
        'p95 abs. error',
        'max abs. error',
        'coverage',
        'pace MAE / cov.',
        'mastery MAE / cov.',
        `cells suppressed (k = ${base.kThreshold}), mean of R`,
        'suppressed in >= 5% of runs (true n)',
        `true n < ${base.kThreshold}: published`,
        `true n >= ${base.kThreshold}: suppressed`,
      ],
      results.map((r) => [
        `${r.config.day}`,
        r.config.label,
        num(r.share.mae, 4),
        num(r.share.p95, 4),
        num(r.share.max, 4),
        pct(r.share.coverage),
        `${num(r.pace.mae, 4)} / ${pct(r.pace.coverage)}`,
        `${num(r.mastery.mae, 4)} / ${pct(r.mastery.coverage)}`,
        `${num(r.suppressed.mean, 2)} of ${r.share.cells}`,
        r.suppressed.often.join(', ') || 'none',
        pct(r.suppressed.smallPublished),
        pct(r.suppressed.largeSuppressed),
      ]),
    ),
    '',
  );
  out.push(
    `### B2. Feature means from the noised feature field (d = ${d}; population means, and per-segment means in the cells estimateSite publishes)`,
    '',
  );
  out.push(
    ...table(
      [
        'day',
        'reporting',
        'pop. mean MAE',
        'max abs. error',
        'coverage',
        `per-segment cells published (of ${cells * d})`,
        'per-segment MAE',
        'coverage',
      ],
      results.map((r) => [
        `${r.config.day}`,
        r.config.label,
        num(r.feature.mae, 4),
        num(r.feature.max, 4),
        pct(r.feature.coverage),
        num(r.segMeans.published, 1),
        num(r.segMeans.mae, 4),
        pct(r.segMeans.coverage),
      ]),
    ),
    '',
  );

  out.push(
    '### B3. Reports needed for a 95% half-width of 0.05 (normal approximation, from the variance formulas in src/core/privacy)',
    '',
  );
  const distinctKs = [...new Set(ks)];
  const fs = Array.from({ length: 101 }, (_, i) => i / 100);
  const ts = Array.from({ length: 201 }, (_, i) => i / 100 - 1);
  const rows = [0.5, 1, 2, 4].map((eps) => {
    const share = (k: number) => {
      const oracle = chooseOracle(k, eps);
      const v = (f: number) => (oracle === 'grr' ? grrVariance(k, eps, 1, f) : oueVariance(eps, 1, f));
      return `${oracle}: ${reportsForHalfWidth(v(0), 0.05).toLocaleString('en')} / ${reportsForHalfWidth(Math.max(...fs.map(v)), 0.05).toLocaleString('en')}`;
    };
    // Var(z_j) <= E[z_j^2] = E_t[vectorVariance(t) + t^2], bounded by its largest value over t in [-1, 1]
    const feat = Math.max(...ts.map((t) => vectorVariance(t, d, eps) + t * t));
    return [
      `${eps}`,
      ...distinctKs.map(share),
      `${sampledDimensions(d, eps)}`,
      reportsForHalfWidth(feat, 0.05).toLocaleString('en'),
    ];
  });
  const shareHead = (k: number) =>
    `share, k = ${k} (${manifest.models
      .filter((m) => m.segments.length === k)
      .map((m) => m.id)
      .join(', ')}): f = 0 / worst f`;
  out.push(
    ...table(
      ['eps', ...distinctKs.map(shareHead), `dims sampled (d = ${d})`, 'feature mean (worst case)'],
      rows,
    ),
    '',
  );
  return out;
}
