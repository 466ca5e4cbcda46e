/** Part C's Markdown tables (docs/EVALUATION.md "C1" to "C4") from its rows (eval/predictive.ts). */
import type { PredictiveRow } from './predictive.js';
import { num, pct, table } from './tables.js';

/** The lines of tables C1-C4 for `rows`, and a note on the `skipped` modules. */
export function predictiveTables(rows: readonly PredictiveRow[], skipped: readonly string[]): string[] {
  const ci = (x: number, c: [number, number], d = 3) => `${num(x, d)} [${num(c[0], d)}, ${num(c[1], d)}]`;
  return [
    '### C1. Predictive at-risk segment (Fail or Withdrawn, learners registered at day 0; features of module days -30..28; held-out AUC on the latest presentation)',
    '',
    ...table(
      [
        'module',
        'train',
        'test',
        'n train / test',
        'at risk (test)',
        'AUC, segment',
        'AUC, baseline',
        'flagged',
        'precision',
        'recall',
      ],
      rows.map((r) => [
        r.module,
        r.trainPresentations.join(', '),
        r.testPresentation,
        `${r.trainN} / ${r.testN}`,
        `${r.testAtRisk} (${pct(r.testAtRisk / r.testN)})`,
        num(r.auc, 3),
        num(r.baselineAuc, 3),
        String(r.flagged),
        pct(r.precision),
        pct(r.recall),
      ]),
    ),
    '',
    '### C2. Early-warning benchmark (held out on the latest presentation; bootstrap 95% intervals, 1,000 resamples of the test learners)',
    '',
    ...table(
      [
        'module',
        'test',
        'model',
        'on device',
        'chosen by 3 x 5-fold CV (CV AUC)',
        'ROC-AUC',
        'PR-AUC',
        'Brier',
        'recall, top 20%',
      ],
      rows.flatMap((r) =>
        r.models.map((m) => [
          r.module,
          r.testPresentation,
          m.model === r.model ? `**${m.model}** (segment)` : m.model,
          m.onDevice ? 'yes' : 'no',
          Number.isFinite(m.cvAuc) ? `${m.candidate} (${num(m.cvAuc, 3)})` : m.candidate,
          ci(m.auc, m.aucCi),
          ci(m.prAuc, m.prAucCi),
          ci(m.brier, m.brierCi),
          ci(m.recallAt20, m.recallAt20Ci),
        ]),
      ),
    ),
    '',
    ...rows.map(
      (r) =>
        `${r.module} ${r.testPresentation}: ${r.model} AUC - baseline AUC = ${num(r.aucGain.diff, 3)} ` +
        `(paired bootstrap SE ${num(r.aucGain.se, 3)}; baseline AUC SE ${num(r.models.find((m) => m.model === 'baseline')!.aucSe, 3)}). ` +
        (r.pooledPresentations.length
          ? `Pooled candidates also trained on ${r.pooledPresentations.join(', ')} (${r.pooledN} learners; never held out). `
          : '') +
        `Bytes a trained model adds to the manifest (its JSON): mlp ${r.manifestBytes.mlp}, softmax ${r.manifestBytes.softmax}.` +
        (r.treeReference
          ? ` Tree reference (--wide; a random forest, never on the device): ${r.treeReference.candidate}, ` +
            `CV AUC ${num(r.treeReference.cvAuc, 3)} ± ${num(r.treeReference.se, 3)}, test AUC ${num(r.treeReference.auc, 3)}; ` +
            `the best forest (${r.treeReference.bestCandidate}) CV ${num(r.treeReference.bestCvAuc, 3)} ± ${num(r.treeReference.bestSe, 3)}, ` +
            `${r.treeReference.aheadInCv ? '' : 'not '}ahead of the segment's CV ` +
            `${num(r.models.find((m) => m.model === r.model)!.cvAuc, 3)} by more than its SE.`
          : ''),
    ),
    '',
    '### C3. The at-risk share from LDP reports (every test learner sends one ldp report of the segment; eps_segment = eps_features)',
    '',
    ...table(
      [
        'module',
        'test',
        'epsilon',
        'R',
        'true share, segment',
        'true share, outcome',
        'mean estimate',
        'mean abs. error',
        'mean 95% half-width',
        'coverage',
      ],
      rows.flatMap((r) =>
        r.ldp.map((l) => [
          r.module,
          r.testPresentation,
          String(l.epsilon),
          String(l.reps),
          pct(l.trueSegmentShare),
          pct(l.trueOutcomeShare),
          pct(l.meanEstimate),
          pct(l.mae),
          pct(l.meanHalfWidth),
          pct(l.coverage),
        ]),
      ),
    ),
    '',
    "### C4. Score features (each kind's chosen candidate, which reads no assessment score, beside its twin with the mean score; the twins never compete for the segment)",
    '',
    ...table(
      ['module', 'test', 'model', 'without score', 'CV AUC', 'test AUC', 'with score', 'CV AUC', 'test AUC'],
      rows.flatMap((r) =>
        r.scoreFeatures.map((s) => [
          r.module,
          r.testPresentation,
          s.model,
          s.without.candidate,
          num(s.without.cvAuc, 3),
          num(s.without.auc, 3),
          s.with.candidate,
          num(s.with.cvAuc, 3),
          num(s.with.auc, 3),
        ]),
      ),
    ),
    '',
    ...(skipped.length
      ? [`Modules with one presentation in the data (no earlier one to train on): ${skipped.join('; ')}.`, '']
      : []),
  ];
}
