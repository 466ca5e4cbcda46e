/**
 * Part C's tree-ensemble reference (docs/EVALUATION.md "Model selection"): a random forest of
 * classification trees (Breiman 2001; ml-random-forest, its trees ml-cart's CART on the Gini gain),
 * whose share of trees voting at risk is p(at risk). Not its regression trees on the 0/1 outcome:
 * ml-cart's regression tree refuses a split whose error is 0 (it stops unless the "gain", there the
 * error left, is above 0), so a node it could split into two pure halves stays one leaf. The device cannot run a tree model
 * (its kinds are softmax, centroid and mlp), so the forest never ships: it is cross-validated by the
 * same 3 x 5-fold machinery as the on-device candidates (predictive-select.ts foldAucs) to tell
 * whether the ceiling is the data or the model kind. A benchmark reference only (a devDependency),
 * never on the device or the server.
 */
import { RandomForestClassifier } from 'ml-random-forest';
import type { FeatureSet } from './predictive-features.js';

/** A forest candidate: its feature set, trees, their depth and the rows a node needs to split. */
export type ForestCandidate = {
  set: FeatureSet;
  kind: 'forest';
  /** trees in the forest */
  trees: number;
  /** the depth of every tree at most */
  depth: number;
  /** a node of this many rows or fewer is a leaf */
  minLeaf: number;
  pooled?: boolean;
  scores?: boolean;
};

/** The share of the inputs each tree reads (ml-random-forest draws them per tree, without replacement). */
export const FOREST_FEATURE_SHARE = 0.5;
/** The forest's seed (ml-random-forest's own seeded generator: rows drawn with replacement, features per tree). */
export const FOREST_SEED = 21;

const grid = (set: FeatureSet): ForestCandidate[] =>
  [3, 6].map((depth) => ({ set, kind: 'forest' as const, trees: 100, depth, minLeaf: 10 }));
/** `--wide`'s tree reference: every set with per-week clicks, shallow and deeper trees. */
export const FOREST_CANDIDATES: ForestCandidate[] = (
  ['weekly', 'weeklyTotals', 'compact', 'halves'] as const
).flatMap((set) => grid(set));
/**
 * The pooled ones (module-agnostic sets), where there is a pool: 25 shallow trees, because
 * ml-cart tries every split point of a node against every row (time ~ rows²: about 0.9 s a tree
 * on 1,900 rows, about 0.01 s on 300; the depth barely matters).
 */
export const FOREST_POOLED_CANDIDATES: ForestCandidate[] = (['compact', 'halves'] as const).map((set) => ({
  set,
  kind: 'forest',
  trees: 25,
  depth: 3,
  minLeaf: 10,
  pooled: true,
}));

/**
 * Fits forest `c` on the rows `x` (already the columns it reads) with labels `atRisk`; resolves to
 * p(at risk) of any rows: the share of the trees whose leaf votes at risk (the majority of its
 * training rows; a tie votes not at risk). Seeded (FOREST_SEED): the same rows give the same forest.
 */
export function fitForest(
  c: ForestCandidate,
  x: readonly (readonly number[])[],
  atRisk: readonly boolean[],
): (rows: readonly (readonly number[])[]) => number[] {
  if (x.length !== atRisk.length) throw new Error('fitForest: x and atRisk differ in length');
  if (x.length === 0) throw new Error('fitForest: no training rows');
  const forest = new RandomForestClassifier({
    nEstimators: c.trees,
    // a share (0, 1] of the columns; one column alone is read whole
    maxFeatures: (x[0]?.length ?? 0) >= 2 ? FOREST_FEATURE_SHARE : 1,
    replacement: false,
    useSampleBagging: true,
    seed: FOREST_SEED,
    noOOB: true,
    treeOptions: { maxDepth: c.depth, minNumSamples: c.minLeaf },
  });
  forest.train(
    x.map((r) => [...r]),
    atRisk.map((y) => (y ? 1 : 0)),
  );
  return (rows) => {
    if (rows.length === 0) return [];
    // rows x trees: each tree's vote (its class index, 1 = at risk)
    const votes = forest.predictionValues(rows.map((r) => [...r]));
    return rows.map((_, i) => votes.getRow(i).reduce((s, v) => s + (v === 1 ? 1 : 0), 0) / c.trees);
  };
}
