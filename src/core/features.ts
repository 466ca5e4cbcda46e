/**
 * Rollups + the manifest's FeatureSpecs + today -> the feature vector, raw and normalised to
 * [-1, 1]. Semantics are those documented above FeatureSpec in schema/feature-spec.ts:
 * - a feature's window is the `windowDays` days ending at end = today - (windowEndDays ?? 0),
 *   inclusive: day in (end - windowDays, end]; rollups dated after today are outside every window;
 * - mean is 0 when the window holds no value of the prop, as ratio is 0 when its denominator is 0;
 * - a declared feature is `values[declared[key]] ?? default ?? 0`, already in [-1, 1], and bypasses
 *   transform, clip and normalisation.
 */
import type { Declared, FeatureSpec, Rollup } from './schema.js';

/** The feature vector in manifest order: `raw` before transform, `normalised` in [-1, 1]. */
export function computeFeatures(
  rollups: Rollup[],
  declared: Declared,
  specs: FeatureSpec[],
  today: number,
): { raw: number[]; normalised: number[] } {
  const index = indexRollups(rollups);
  const raw = specs.map((spec) => rawValue(index, declared, spec, today));
  return { raw, normalised: raw.map((v, i) => normalise(v, specs[i]!)) };
}

/**
 * transform -> clip -> normalisation, to [-1, 1].
 * - transform: none | log1p | sqrt, applied to |x| with the sign kept (sign(x)·f(|x|)) so a
 *   negative sum or mean of a signed prop stays finite; for x >= 0 it is exactly log1p / sqrt.
 * - clip: `spec.clip` = [lo, hi] is in the TRANSFORMED space (for log1p, clip [0, log1p(100)]
 *   caps the raw value at 100).
 * - minmax: [lo, hi] -> [-1, 1] linearly: 2·(x - lo)/(hi - lo) - 1.
 * - zscore: ((x - mean)/sd)/(scale ?? 3), clipped to [-1, 1] (mean and sd in the transformed space).
 * A declared feature's value is already in [-1, 1] and is returned as is.
 */
export function normalise(
  value: number,
  spec: Pick<FeatureSpec, 'kind' | 'transform' | 'clip' | 'normalisation'>,
): number {
  if (spec.kind === 'declared') return value;
  const [lo, hi] = spec.clip;
  const x = transformed(value, spec);
  const n = spec.normalisation;
  if (n.kind === 'minmax') return (2 * (x - lo)) / (hi - lo) - 1;
  return clamp((x - n.mean) / n.sd / (n.scale ?? 3), -1, 1);
}

/** A raw value after the spec's transform and clip, before normalisation (where a zscore's mean and sd live). */
export function transformed(value: number, spec: Pick<FeatureSpec, 'transform' | 'clip'>): number {
  return clamp(transform(value, spec.transform), spec.clip[0], spec.clip[1]);
}

// The rollup window is a rule of the manifest (its retention must cover it): the schema defines it.
export { rollupWindowDays } from './schema.js';

function transform(x: number, t: FeatureSpec['transform']): number {
  if (t === 'none') return x;
  const f = t === 'log1p' ? Math.log1p : Math.sqrt;
  return Math.sign(x) * f(Math.abs(x));
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Rollup rows grouped by `type|prop`, so a feature reads only its own rows. */
type RollupIndex = Map<string, Rollup[]>;

function indexRollups(rollups: Rollup[]): RollupIndex {
  const index: RollupIndex = new Map();
  for (const r of rollups) {
    const key = `${r.type}|${r.prop}`;
    const rows = index.get(key);
    if (rows) rows.push(r);
    else index.set(key, [r]);
  }
  return index;
}

/** The rows of `types` x `prop` whose day lies in the window of `windowDays` days ending on day `end`. */
function inWindow(
  index: RollupIndex,
  types: string[],
  prop: string,
  windowDays: number,
  end: number,
): Rollup[] {
  const out: Rollup[] = [];
  for (const t of new Set(types)) {
    for (const r of index.get(`${t}|${prop}`) ?? []) {
      if (r.day > end - windowDays && r.day <= end) out.push(r);
    }
  }
  return out;
}

/** The longest run of consecutive days of (end - windowDays, end] that is not in `days`. */
function longestGap(days: readonly number[], windowDays: number, end: number): number {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  let gap = 0;
  let prev = end - windowDays; // the day before the window
  for (const d of [...sorted, end + 1]) {
    gap = Math.max(gap, d - prev - 1);
    prev = d;
  }
  return gap;
}

const total = (rows: Rollup[], field: 'count' | 'sum'): number => rows.reduce((s, r) => s + r[field], 0);

function rawValue(index: RollupIndex, declared: Declared, spec: FeatureSpec, today: number): number {
  const end = today - (spec.windowEndDays ?? 0);
  const rows = (types: string[], prop: string) => inWindow(index, types, prop, spec.windowDays, end);
  const activeDays = () =>
    rows(spec.events, '')
      .filter((r) => r.count > 0)
      .map((r) => r.day);
  switch (spec.kind) {
    case 'count':
      return total(rows(spec.events, ''), 'count');
    case 'sum':
      return total(rows(spec.events, spec.prop ?? ''), 'sum');
    case 'mean': {
      const values = rows(spec.events, spec.prop ?? '');
      const n = total(values, 'count');
      return n === 0 ? 0 : total(values, 'sum') / n;
    }
    case 'distinctDays':
      return new Set(activeDays()).size;
    case 'recencyDays': {
      const days = activeDays();
      return days.length === 0 ? spec.windowDays : end - Math.max(...days);
    }
    case 'firstDays': {
      const days = activeDays();
      return days.length === 0 ? 0 : end - Math.min(...days);
    }
    case 'longestGapDays':
      return longestGap(activeDays(), spec.windowDays, end);
    case 'ratio': {
      const numerator =
        spec.prop === undefined
          ? total(rows(spec.events, ''), 'count')
          : total(rows(spec.events, spec.prop), 'sum');
      const denominator = total(rows(spec.denominator ?? spec.events, ''), 'count');
      return denominator === 0 ? 0 : numerator / denominator;
    }
    case 'declared': {
      // own properties only: a declared "constructor" must not find Object.prototype's
      const answer =
        spec.key !== undefined && Object.hasOwn(declared, spec.key) ? declared[spec.key] : undefined;
      const values = spec.values ?? {};
      return (
        (answer !== undefined && Object.hasOwn(values, answer) ? values[answer] : undefined) ??
        spec.default ??
        0
      );
    }
  }
}
