/**
 * The worker's plain checks (src/core/schema/manifest-check.ts) against the zod schemas they are
 * written from: on a rich valid manifest (every model kind, every feature kind's extra fields) mutated
 * one to three times at random paths (a key deleted, a value replaced by an odd one, an unknown key
 * added, an array item duplicated or dropped), checkManifest accepts exactly what `Manifest` accepts
 * and names the same field (the first failing path) when it refuses; likewise checkBatchId and `BatchId`.
 */
import fc from 'fast-check';
import { regexes } from 'zod/v4/core';
import { describe, expect, it } from 'vitest';
import {
  BatchId,
  ISO_DATETIME_RE,
  Manifest,
  check,
  checkBatchId,
  checkManifest,
  parseOrThrow,
} from '../../../src/core/schema.js';
import type { EdsegError } from '../../../src/core/errors.js';
import { testFeature, testManifest } from '../../fixtures/manifest.js';

const doc = { dataSources: ['x'], criteria: 'c', validation: 'v', changelog: [] };
const seg = (id: string) => ({ id, name: id, minAgeBand: 'teen', documentation: doc });
const base = testManifest({
  issuedAt: '2025-03-08T00:00:00Z',
  expiresAt: '2025-03-15T00:00:00.123+02:00',
});
const rich: unknown = {
  ...base,
  features: [
    ...base.features,
    testFeature('z', {
      kind: 'sum',
      prop: 'minutes',
      windowEndDays: 7,
      normalisation: { kind: 'zscore', mean: 1, sd: 2, scale: 3 },
      description: 'd',
    }),
    testFeature('goal', {
      kind: 'declared',
      events: [],
      key: 'goal',
      values: { exam: 1, fun: -0.5 },
      default: 0,
    }),
    testFeature('r', { kind: 'ratio', denominator: ['a', 'b'], transform: 'log1p' }),
  ],
  models: [
    ...base.models,
    {
      id: 'soft',
      purpose: 'analytics',
      kind: 'softmax',
      features: ['z', 'goal'],
      weights: [
        [1, 0, -1],
        [0.5, 0.5, 0],
      ],
      bias: [0, 0, 0],
      segments: [seg('s1'), seg('s2'), seg('s3')],
      description: 'three ways',
    },
    {
      id: 'net',
      purpose: 'advertising',
      kind: 'mlp',
      features: ['r'],
      layers: [
        { weights: [[1, -1]], bias: [0, 0] },
        { weights: [[1], [-1]], bias: [0] },
        {
          weights: [[1, 2]],
          bias: [0, 1],
        },
      ],
      segments: [seg('n1'), seg('n2')],
    },
  ],
  policy: { allowed: [...base.policy.allowed, 's1', 'n1', 'n2'], clear: ['idle', 'busy', 'n1', 'n2'] },
  reporting: { ...base.reporting, budget: { ...base.reporting.budget, freshStore: 'wait' } },
};

type Outcome = { ok: true } | { ok: false; field: string };
const zodOutcome = (v: unknown): Outcome => {
  const r = check(Manifest, v, 'manifest');
  return r.ok ? { ok: true } : { ok: false, field: r.field };
};
const plainOutcome = (v: unknown): Outcome => {
  const r = checkManifest(v);
  return r.ok ? { ok: true } : { ok: false, field: r.field };
};

/** Every path into `v` (objects' keys, arrays' indices), the root included. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}
const odd = fc.constantFrom<unknown>(
  null,
  0,
  -1,
  1,
  1.5,
  2,
  10,
  10.5,
  19,
  20,
  21,
  365,
  366,
  367,
  3651,
  2 ** 53,
  -0.5,
  '',
  'x',
  'a'.repeat(121),
  'a'.repeat(2001),
  '9bad',
  'idle',
  'lessons_7d',
  'minmax',
  'zscore',
  'declared',
  'sum',
  'mlp',
  'softmax',
  'centroids',
  'constructor',
  '2025-01-01T00:00:00Z',
  '2025-02-29T00:00:00Z',
  '2025-01-01T00:00Z',
  [],
  [1],
  [1, 2],
  [2, 1],
  [1, 2, 3],
  ['x'],
  {},
  { kind: 'minmax' },
  true,
);
type Op = { op: 'delete' | 'dup' | 'pop' | 'extra'; at: number } | { op: 'set'; at: number; value: unknown };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete', 'dup', 'pop', 'extra'), at: fc.nat() }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constant('set'), at: fc.nat(), value: odd }) as fc.Arbitrary<Op>,
);

/** `v` (a deep copy) with the mutation applied at one of its paths. */
function mutate(v: unknown, m: Op): unknown {
  const copy = structuredClone(v);
  const all = paths(copy);
  const path = all[m.at % all.length]!;
  if (path.length === 0) return m.op === 'set' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], copy);
  const key = path[path.length - 1]!;
  const target = parent[key];
  if (m.op === 'set') parent[key] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.op === 'dup' && Array.isArray(target) && target.length > 0)
    target.push(structuredClone(target[0]));
  else if (m.op === 'pop' && Array.isArray(target)) target.pop();
  else if (m.op === 'extra' && typeof target === 'object' && target !== null && !Array.isArray(target))
    target.extra = 1;
  return copy;
}

describe('the worker plain checks agree with their zod schemas', () => {
  it('the datetime pattern is the one zod builds for z.iso.datetime({ offset: true })', () => {
    expect(ISO_DATETIME_RE.source).toBe(regexes.datetime({ offset: true }).source);
  });

  it('accepts the rich manifest, as Manifest does', () => {
    expect(zodOutcome(rich)).toEqual({ ok: true });
    expect(checkManifest(rich)).toEqual({ ok: true, value: rich });
  });

  it('checkManifest is Manifest on mutated manifests: same verdict, same first field', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 3 }), (ops) => {
        const v = ops.reduce(mutate, rich);
        const z = zodOutcome(v);
        expect(plainOutcome(v)).toEqual(z);
        if (!z.ok) refused++;
      }),
      { numRuns: 3000 },
    );
    // The generator must reach refusals (and acceptances: the rich manifest itself, and harmless mutations).
    expect(refused).toBeGreaterThan(1500);
  });

  it('names the field and keeps the cross-field messages', () => {
    const r = checkManifest({ ...base, policy: { ...base.policy, clear: ['idle'] } });
    expect(r).toMatchObject({ ok: false, field: 'manifest.policy.clear' });
    expect(!r.ok && r.message).toContain('model "pace"');
    expect(checkManifest({ ...base, version: 0 })).toMatchObject({ ok: false, field: 'manifest.version' });
    expect(checkManifest({ sub: 'x' })).toMatchObject({ ok: false, field: 'manifest.version' });
    const kind = { ...base, models: [{ ...base.models[0], kind: 'tree' }] };
    expect(checkManifest(kind)).toEqual({
      ok: false,
      field: 'manifest.models.0.kind',
      message: expect.any(String),
    });
    expect(zodOutcome(kind)).toEqual({ ok: false, field: 'manifest.models.0.kind' });
  });

  it('checkBatchId is BatchId', () => {
    const outcome = (fn: () => unknown) => {
      try {
        fn();
        return { ok: true };
      } catch (e) {
        return { ok: false, code: (e as EdsegError).code, field: (e as EdsegError).field };
      }
    };
    const session = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{16,64}$/),
      fc.stringMatching(/^[0-9a-fA-F]{14,66}$/),
      fc.integer(),
    );
    const seq = fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.constant('1'));
    const batch = fc.oneof(
      fc.record({ session, seq, extra: fc.option(fc.integer(), { nil: undefined }) }, { requiredKeys: [] }),
      fc.constantFrom(null, 1, 'x', []),
    );
    fc.assert(
      fc.property(batch, (b) => {
        expect(outcome(() => checkBatchId(b))).toEqual(outcome(() => parseOrThrow(BatchId, b, 'batch')));
      }),
      { numRuns: 2000 },
    );
  });
});
