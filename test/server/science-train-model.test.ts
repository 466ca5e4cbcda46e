/** softmaxModel (src/server/science/train.ts): a draft with many features still passes the schema. */
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/core/schema.js';
import { softmaxModel, sourceLine } from '../../src/server/science/train.js';

describe('softmaxModel', () => {
  it('drafts a valid model over 120 features (the data-source line stays within 300 characters)', () => {
    const features = Array.from({ length: 120 }, (_, i) => `clicks_activity_${i}_w${i % 5}`);
    const fit = { weights: features.map(() => [0.1, -0.1]), bias: [0.2, -0.2] };
    const m = softmaxModel(
      'at-risk',
      'instruction',
      features,
      ['a', 'b'],
      fit,
      () => 'v',
      'OULAD',
      '2025-01-01',
    );
    expect(Model.safeParse(m).success).toBe(true);
    expect(m.features).toEqual(features);
    const line = m.segments[0]!.documentation.dataSources[0]!;
    expect(line.length).toBeLessThanOrEqual(300);
    expect(line).toMatch(/^features clicks_activity_0_w0, .* and more: 120 in all/);
  });
  it('keeps the full list when it fits', () => {
    expect(sourceLine(['a', 'b'])).toBe('features a, b (normalised to [-1, 1])');
  });
});
