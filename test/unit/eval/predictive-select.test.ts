/**
 * Part C's pooled cross-validation (docs/EVALUATION.md "Model selection"): the rows of other
 * modules' earlier presentations join every fold's training rows and are never held out, so the
 * AUC a candidate is chosen by is always the module's own.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/schema.js';
import { testFeature } from '../../fixtures/manifest.js';
import {
  candidateName,
  columnsOf,
  crossValidate,
  fitCandidate,
  foldAucs,
  oneSe,
  type Candidate,
  type CvResult,
} from '../../../eval/predictive-select.js';

const spec: FeatureSpec = testFeature('x', {
  events: ['e'],
  clip: [-100, 100],
  normalisation: { kind: 'zscore', mean: 0, sd: 1 },
});
// the module's rows: a high x is at risk, perfectly
const raw = Array.from({ length: 40 }, (_, i) => [i]);
const atRisk = raw.map(([x]) => x! >= 20);
const softmax: Candidate = { set: 'compact', kind: 'softmax', l2: 0.01, pooled: true };

describe('Part C pooled cross-validation', () => {
  it('pooled rows train every fold: a large pool with the opposite relation turns the held-out AUC around', async () => {
    const alone = await crossValidate(softmax, [spec], raw, atRisk);
    const emptyPool = await crossValidate(softmax, [spec], raw, atRisk, 5, 21, { raw: [], atRisk: [] });
    expect(alone).toBe(1);
    expect(emptyPool).toBe(alone);
    const pool = Array.from({ length: 400 }, (_, i) => [i / 10]);
    const opposite = await crossValidate(softmax, [spec], raw, atRisk, 5, 21, {
      raw: pool,
      atRisk: pool.map(([x]) => x! < 20),
    });
    // and they are never held out: held out, the pool's 400 rows would agree with the model trained
    // mostly on them and lift the AUC above 0.5
    expect(opposite).toBeLessThan(0.5);
  }, 60_000);

  it('repeated CV: every repeat reshuffles (seed + r); repeat 0 is the single 5-fold CV', async () => {
    const noisy = raw.map(([x], i) => [x! + ((i * 17) % 23) * 2]);
    const one = await foldAucs(softmax, [spec], noisy, atRisk, 5, 21, undefined, 1);
    const three = await foldAucs(softmax, [spec], noisy, atRisk, 5, 21, undefined, 3);
    expect(three).toHaveLength(15);
    expect(three.slice(0, 5)).toEqual(one);
    expect(three.slice(5, 10)).not.toEqual(one);
    expect(await crossValidate(softmax, [spec], noisy, atRisk, 5, 21, undefined, 3)).toBeCloseTo(
      three.reduce((a, b) => a + b, 0) / 15,
      12,
    );
  }, 60_000);

  it('the 1-SE rule: the least complex candidate within one SE of the best, else the best', () => {
    const r = (candidate: Candidate, auc: number, se: number, inputs: number): CvResult => ({
      candidate,
      auc,
      se,
      inputs,
    });
    const mlp16: Candidate = { set: 'compact', kind: 'mlp', l2: 0.01, hidden: [16, 8] };
    const mlp8: Candidate = { set: 'compact', kind: 'mlp', l2: 0.01, hidden: [8] };
    const small: Candidate = { set: 'halves', kind: 'softmax', l2: 0.01 };
    const big: Candidate = { set: 'summary', kind: 'softmax', l2: 0.01 };
    // within one SE: the softmax with fewer inputs, though its AUC is lowest
    expect(
      oneSe([
        r(mlp16, 0.76, 0.02, 17),
        r(mlp8, 0.75, 0.02, 17),
        r(big, 0.745, 0.02, 30),
        r(small, 0.742, 0.02, 14),
      ]).candidate,
    ).toBe(small);
    // more than one SE ahead: the best, however complex
    expect(oneSe([r(mlp16, 0.8, 0.01, 17), r(mlp8, 0.78, 0.01, 17), r(small, 0.7, 0.01, 14)]).candidate).toBe(
      mlp16,
    );
    // equal complexity: the higher CV AUC; a bag counts as one member
    expect(
      oneSe([r(mlp8, 0.75, 0.02, 17), r({ ...mlp8, bag: 5 } as Candidate, 0.76, 0.02, 17)]).candidate,
    ).toEqual({ ...mlp8, bag: 5 });
  });

  it('score features: read only by a candidate that asks for them', async () => {
    const score: FeatureSpec = {
      ...spec,
      name: 'mean_score',
      kind: 'mean',
      prop: 'score',
      educationRecord: true,
    };
    const specs = [spec, score];
    expect(columnsOf(softmax, specs)).toEqual([0]);
    expect(columnsOf({ ...softmax, scores: true }, specs)).toEqual([0, 1]);
    const rows = raw.map(([x]) => [x!, 100 - x!]);
    expect((await fitCandidate(softmax, specs, rows, atRisk)).model.features).toEqual(['x']);
    expect((await fitCandidate({ ...softmax, scores: true }, specs, rows, atRisk)).model.features).toEqual([
      'x',
      'mean_score',
    ]);
    expect(candidateName({ ...softmax, scores: true })).toBe('softmax compact+score pooled l2=0.01');
    expect(candidateName({ set: 'halves', kind: 'mlp', hidden: [8], l2: 0.01, bag: 5 })).toBe(
      'mlp halves 8 bag5 l2=0.01',
    );
  }, 60_000);

  it('a pooled candidate says so in its name', () => {
    expect(candidateName(softmax)).toBe('softmax compact pooled l2=0.01');
    expect(candidateName({ set: 'compact', kind: 'mlp', hidden: [16, 8], l2: 0.001 })).toBe(
      'mlp compact 16x8 l2=0.001',
    );
  });
});
