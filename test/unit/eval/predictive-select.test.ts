/**
 * Part C's pooled cross-validation (docs/EVALUATION.md "Model selection"): the rows of other
 * modules' earlier presentations join every fold's training rows and are never held out, so the
 * AUC a candidate is chosen by is always the module's own.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../../../src/core/schema.js';
import { candidateName, crossValidate, type Candidate } from '../../../eval/predictive-select.js';

const spec: FeatureSpec = {
  name: 'x',
  kind: 'count',
  events: ['e'],
  windowDays: 7,
  transform: 'none',
  clip: [-100, 100],
  normalisation: { kind: 'zscore', mean: 0, sd: 1 },
  educationRecord: false,
};
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

  it('a pooled candidate says so in its name', () => {
    expect(candidateName(softmax)).toBe('softmax compact pooled l2=0.01');
    expect(candidateName({ set: 'compact', kind: 'mlp', hidden: [16, 8], l2: 0.001 })).toBe(
      'mlp compact 16x8 l2=0.001',
    );
  });
});
