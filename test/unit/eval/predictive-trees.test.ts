/**
 * Part C's tree reference (docs/EVALUATION.md "Model selection"): the forest is cross-validated
 * by the same foldAucs as the on-device candidates, so a fold's forest is fitted on that fold's
 * training rows (and the pool) only, never on the rows it is scored on; it is seeded.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/schema.js';
import { testFeature } from '../../fixtures/manifest.js';
import { auc } from '../../../src/core/science/metrics.js';
import { seededRandom } from '../../../src/privacy.js';
import {
  candidateName,
  complexity,
  crossValidate,
  fitScorer,
  foldAucs,
  oneSe,
  type CvResult,
} from '../../../eval/predictive-select.js';
import { treeReference } from '../../../eval/predictive-reference.js';
import { fitForest, type ForestCandidate } from '../../../eval/predictive-trees.js';

const spec = (name: string): FeatureSpec =>
  testFeature(name, {
    events: ['e'],
    clip: [-1000, 1000],
    normalisation: { kind: 'zscore', mean: 0, sd: 1 },
  });
const specs = [spec('a'), spec('b'), spec('c')];
// deep trees with leaves of one row: a forest that had seen a row scores it by its own label
const memoriser: ForestCandidate = { set: 'compact', kind: 'forest', trees: 50, depth: 30, minLeaf: 1 };

describe('Part C tree reference', () => {
  it('CV never fits a fold on its held-out rows: random labels score near 0.5 held out, near 1 when seen', async () => {
    const rng = seededRandom(7);
    const raw = Array.from({ length: 120 }, () => [rng.real(), rng.real(), rng.real()]);
    const atRisk = raw.map(() => rng.real() < 0.5);
    // the control: scored on the rows it was fitted on, the forest recalls their random labels
    const seen = (await fitScorer(memoriser, specs, raw, atRisk))(raw);
    expect(auc(seen, atRisk)).toBeGreaterThan(0.9);
    // held out by foldAucs (3 x 5 folds), the labels cannot be told: every fold near chance
    const held = await foldAucs(memoriser, specs, raw, atRisk, 5, 21, undefined, 3);
    expect(held).toHaveLength(15);
    const mean = held.reduce((a, b) => a + b, 0) / held.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
  }, 60_000);

  it('pooled rows train every fold and are never held out', async () => {
    const raw = Array.from({ length: 40 }, (_, i) => [i, i % 7, -i]);
    const atRisk = raw.map(([x]) => x! >= 20);
    const c: ForestCandidate = {
      set: 'compact',
      kind: 'forest',
      trees: 30,
      depth: 4,
      minLeaf: 5,
      pooled: true,
    };
    expect(await crossValidate(c, specs, raw, atRisk)).toBe(1);
    // a pool ten times larger with the opposite relation: the forests learn it and the module's own
    // held-out rows score below chance (held out, the pool would agree with them and lift the AUC)
    const pool = Array.from({ length: 400 }, (_, i) => [i / 10, i % 7, -i / 10]);
    const opposite = await crossValidate(c, specs, raw, atRisk, 5, 21, {
      raw: pool,
      atRisk: pool.map(([x]) => x! < 20),
    });
    expect(opposite).toBeLessThan(0.5);
  }, 60_000);

  it('reads only its columns (no score feature unless asked), is seeded, and gives probabilities', async () => {
    const score: FeatureSpec = { ...spec('mean_score'), kind: 'mean', prop: 'score', educationRecord: true };
    const raw = Array.from({ length: 60 }, (_, i) => [i % 5, (i * 7) % 11, (i * 3) % 13, i % 2 ? 90 : 10]);
    const atRisk = raw.map((_, i) => i % 2 === 0);
    // the same rows with the score column changed: a forest that reads no score cannot tell them apart
    const changed = raw.map((r, i) => [...r.slice(0, 3), (i * 37) % 101]);
    const c: ForestCandidate = { set: 'compact', kind: 'forest', trees: 20, depth: 3, minLeaf: 5 };
    const withSpecs = [...specs, score];
    const p = (await fitScorer(c, withSpecs, raw, atRisk))(raw);
    expect((await fitScorer(c, withSpecs, changed, atRisk))(changed)).toEqual(p);
    const withScore = (await fitScorer({ ...c, scores: true }, withSpecs, raw, atRisk))(raw);
    expect((await fitScorer({ ...c, scores: true }, withSpecs, changed, atRisk))(changed)).not.toEqual(
      withScore,
    );
    // the score column alone carries the label here: read, it ranks the rows better
    expect(auc(withScore, atRisk)).toBeGreaterThan(auc(p, atRisk));
    // the same rows, the same forest; every p in [0, 1]
    expect((await fitScorer(c, withSpecs, raw, atRisk))(raw)).toEqual(p);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(() => fitForest(c, [], [])).toThrow(/no training rows/);
    expect(() => fitForest(c, [[1, 2]], [])).toThrow(/differ in length/);
  }, 60_000);

  it('names and the 1-SE rule among forests: the shallower within one SE', () => {
    const shallow: ForestCandidate = { set: 'halves', kind: 'forest', trees: 100, depth: 3, minLeaf: 10 };
    const deep: ForestCandidate = { ...shallow, depth: 6, pooled: true };
    expect(candidateName(shallow)).toBe('forest halves 100 trees depth 3 leaf 10');
    expect(candidateName(deep)).toBe('forest halves pooled 100 trees depth 6 leaf 10');
    const r = (candidate: ForestCandidate, a: number, se: number): CvResult => ({
      candidate,
      auc: a,
      se,
      inputs: 13,
    });
    expect(complexity(r(deep, 0, 0))).toEqual([64, 13]);
    expect(oneSe([r(deep, 0.75, 0.02), r(shallow, 0.74, 0.02)]).candidate).toBe(shallow);
    expect(oneSe([r(deep, 0.8, 0.01), r(shallow, 0.74, 0.01)]).candidate).toBe(deep);
  });

  it('treeReference: the 1-SE pick refitted on the training rows, scored once on the test rows, ahead only beyond the SE', async () => {
    const rng = seededRandom(3);
    const rows = (n: number) => Array.from({ length: n }, () => [rng.real(), rng.real(), rng.real()]);
    const train = rows(80);
    const test = rows(40);
    const label = (r: readonly number[]) => r[0]! + r[1]! > 1;
    const shallow: ForestCandidate = { set: 'compact', kind: 'forest', trees: 30, depth: 3, minLeaf: 5 };
    const deep: ForestCandidate = { ...shallow, depth: 6 };
    const run = (segment: { auc: number; se: number }) =>
      treeReference(
        [deep, shallow],
        () => specs,
        () => train,
        () => test,
        train.map(label),
        test.map(label),
        () => ({ raw: [], atRisk: [] }),
        segment,
      );
    const behind = await run({ auc: 0.6, se: 0.02 });
    expect(behind.cv.map((r) => r.candidate)).toEqual([deep, shallow]);
    const top = behind.cv.reduce((a, b) => (b.auc > a.auc ? b : a));
    expect(behind.ref.bestCvAuc).toBe(top.auc);
    expect(top.auc).toBeGreaterThan(0.62);
    // the test AUC is that of the picked forest fitted on every training row
    const picked = behind.cv.find((r) => candidateName(r.candidate) === behind.ref.candidate)!;
    const p = (await fitScorer(picked.candidate, specs, train, train.map(label)))(test);
    expect(behind.p).toEqual(p);
    expect(behind.ref.auc).toBe(auc(p, test.map(label)));
    expect(behind.ref.aheadInCv).toBe(true);
    // a segment within one SE of the best forest: not ahead
    const level = await run({ auc: top.auc - 0.01, se: 0.02 });
    expect(level.ref.aheadInCv).toBe(false);
    expect(level.line).toContain('not ahead by more than its SE');
  }, 60_000);
});
