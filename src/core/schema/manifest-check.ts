/**
 * The worker's checks of the shapes it receives, in plain code without zod (issue 24: zod cost the
 * worker 10.8 KB gzip): the manifest payload (`Manifest`, manifest.ts and feature-spec.ts) and a batch
 * id (`BatchId`, device.ts). The zod schemas stay the one source of the shapes and their types; these
 * checks are written from them field by field, in their order, and
 * test/unit/core/manifest-check.test.ts proves on generated inputs that each accepts exactly what its
 * schema accepts and names the same field (the first failing path) when it refuses. The cross-field
 * rules are the schemas' own functions (manifestIssues, via the superRefine they run in).
 */
import { EdsegError } from '../errors.js';
import type { BatchId } from './device.js';
import { FEATURE_KINDS } from './feature-spec.js';
import { K_THRESHOLD_FLOOR, manifestIssues, type Manifest } from './manifest.js';
import {
  boolean,
  fail,
  fields,
  identifier,
  isObject,
  join,
  num,
  number,
  PURPOSES,
  oneOf,
  opt,
  recordKeys,
  string,
  text,
  type Check,
} from './plain.js';

/** `z.iso.datetime({ offset: true })`: RFC 3339 with seconds, Z or an offset (the test compares it with zod's). */
export const ISO_DATETIME_RE =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;

const int = (min: number, max = Infinity) => num(min, max, true);
const positive: Check = (root, path, v) => {
  if (number(root, path, v, -Infinity, Infinity) <= 0) fail(root, path, 'must be greater than 0');
};
const id: Check = identifier;
const enumOf =
  (values: readonly string[]): Check =>
  (root, path, v) =>
    oneOf(root, path, v, values);
const isoDate: Check = (root, path, v) => {
  if (!ISO_DATETIME_RE.test(string(root, path, v, 0))) fail(root, path, 'must be an ISO 8601 date-time');
};
/** z.array(item) with a length range: the items first, then the length. */
const list =
  (item: Check, min = 0, max = Infinity): Check =>
  (root, path, v) => {
    if (!Array.isArray(v)) fail(root, path, 'expected an array');
    v.forEach((x, i) => item(root, join(path, i), x));
    if (v.length < min) fail(root, path, `must hold at least ${min} item${min === 1 ? '' : 's'}`);
    if (v.length > max) fail(root, path, `must hold at most ${max} items`);
  };
/** z.strictObject(shape), then its refinement when given. */
const shape =
  (checks: Record<string, Check>, refine?: (o: Record<string, unknown>) => [string, string] | void): Check =>
  (root, path, v) => {
    const o = fields(root, path, v, checks, true);
    const issue = refine?.(o);
    if (issue) fail(root, join(path, issue[0]), issue[1]);
  };
/** z.discriminatedUnion('kind', …): an object whose kind picks the shape. */
const byKind =
  (shapes: Record<string, Check>): Check =>
  (root, path, v) => {
    if (!isObject(v)) fail(root, path, 'expected an object');
    const pick = typeof v.kind === 'string' && Object.hasOwn(shapes, v.kind) ? shapes[v.kind] : undefined;
    if (!pick) fail(root, join(path, 'kind'), `must be one of ${Object.keys(shapes).join(', ')}`);
    pick(root, path, v);
  };
const finite = num(-Infinity, Infinity);
const unit = num(-1, 1);
const kinds = (...k: string[]) => ({ kind: enumOf(k) });

const FEATURE_BASE: Record<string, Check> = {
  name: id,
  kind: enumOf(FEATURE_KINDS),
  events: list(id),
  prop: opt(id),
  denominator: opt(list(id)),
  key: opt(id),
  values: opt((root, path, v) => {
    if (!isObject(v)) fail(root, path, 'expected an object');
    for (const k of recordKeys(v)) unit(root, join(path, k), v[k]);
  }),
  default: opt(unit),
  windowDays: int(1, 366),
  windowEndDays: opt(int(0, 365)),
  transform: enumOf(['none', 'log1p', 'sqrt']),
  clip: (root, path, v) => {
    if (!Array.isArray(v)) fail(root, path, 'expected an array');
    if (v.length !== 2) fail(root, path, 'must hold 2 items');
    v.forEach((x, i) => finite(root, join(path, i), x));
  },
  normalisation: byKind({
    minmax: shape(kinds('minmax')),
    zscore: shape({ ...kinds('zscore'), mean: finite, sd: positive, scale: opt(positive) }),
  }),
  educationRecord: boolean,
  description: opt(text(0, 500)),
};
/** FeatureSpec's superRefine, in its order. */
function featureRule(f: Record<string, unknown>): [string, string] | void {
  const clip = f.clip as [number, number];
  const kind = f.kind as string;
  if (!(clip[0] < clip[1])) return ['clip', 'clip must be [lo, hi] with lo < hi'];
  if ((kind === 'sum' || kind === 'mean') && !f.prop) return ['prop', `a ${kind} feature needs a prop`];
  if ((f.windowDays as number) + ((f.windowEndDays as number | undefined) ?? 0) > 366)
    return ['windowEndDays', 'windowDays + windowEndDays must be at most 366'];
  if (kind === 'declared') {
    if (!f.key) return ['key', 'a declared feature needs a key'];
    if (!f.values) return ['values', 'a declared feature needs values'];
  } else if ((f.events as unknown[]).length === 0) return ['events', 'must name at least one event type'];
}

const SEGMENT = shape({
  id,
  name: text(0, 120),
  minAgeBand: enumOf(['under13', 'teen', 'adult']),
  documentation: shape({
    dataSources: list(text(0, 300)),
    criteria: text(0, 2000),
    validation: text(0, 2000),
    changelog: list(shape({ version: int(1), date: text(0, 40), change: text(0, 500) })),
  }),
});
const MODEL_BASE: Record<string, Check> = {
  id,
  purpose: enumOf(PURPOSES),
  features: list(id, 1),
  segments: list(SEGMENT, 2),
  description: opt(text(0, 1000)),
};
const matrix = list(list(finite));
const vector = list(finite);
const MODEL = byKind({
  centroids: shape({ ...MODEL_BASE, ...kinds('centroids'), centroids: matrix }),
  softmax: shape({ ...MODEL_BASE, ...kinds('softmax'), weights: matrix, bias: vector }),
  mlp: shape({
    ...MODEL_BASE,
    ...kinds('mlp'),
    layers: list(shape({ weights: matrix, bias: vector }), 2, 3),
  }),
});
const days = int(1, 3650);
const MANIFEST: Record<string, Check> = {
  version: int(1),
  issuedAt: isoDate,
  expiresAt: isoDate,
  site: shape({ id, origins: list(text(1), 1) }),
  features: list(shape(FEATURE_BASE, featureRule), 1),
  models: list(MODEL, 1),
  policy: shape({ allowed: list(id), clear: list(id) }),
  reporting: shape({
    periodDays: int(1, 365),
    epsilonSegment: (root, path, v) => {
      positive(root, path, v);
      num(-Infinity, 10)(root, path, v);
    },
    epsilonFeatures: num(0, 20),
    budget: shape({
      windowDays: days,
      maxEpsilon: positive,
      freshStore: opt(enumOf(['wait', 'report'])),
    }),
    kThreshold: int(K_THRESHOLD_FLOOR),
  }),
  retention: shape({ rawEventDays: days, rollupDays: days }),
};

/**
 * The checks of a manifest payload: `Manifest`. Answers as parse.ts's check() does: the manifest, or
 * the first failing field and a message naming it (with every cross-field issue when those are what fails).
 */
export function checkManifest(
  value: unknown,
  root = 'manifest',
): { ok: true; value: Manifest } | { ok: false; field: string; message: string } {
  try {
    fields(root, undefined, value, MANIFEST, true);
    const issues = manifestIssues(value as Manifest);
    if (issues.length > 0) {
      const at = (path: (string | number)[]) => [root, ...path].join('.');
      const detail = issues.map((i) => `${at(i.path)}: ${i.message}`).join('; ');
      throw new EdsegError('invalid-input', `edseg: invalid ${root}: ${detail}`, at(issues[0]!.path));
    }
    return { ok: true, value: value as Manifest };
  } catch (e) {
    const err = e as EdsegError;
    return { ok: false, field: err.field ?? root, message: err.message };
  }
}

/** The check of a batch id: `BatchId`. Throws naming the field. */
export function checkBatchId(value: unknown, root = 'batch'): BatchId {
  fields(
    root,
    undefined,
    value,
    {
      session: (r, p, v) => {
        if (!/^[0-9a-f]{16,64}$/.test(string(r, p, v, 0))) fail(r, p, 'must be 16-64 lowercase hex digits');
      },
      seq: int(0),
    },
    true,
  );
  return value as BatchId;
}
