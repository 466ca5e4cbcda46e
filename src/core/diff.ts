/**
 * What differs between two versions of a site's definition, field by field: the "Review and
 * publish" page and GET /admin/api/sites/:site/diff show it (the working copy against the
 * published version), and every publish writes a changelog entry from it into the documentation
 * of each segment it changes (SERVER.md "Editing the working copy").
 *
 * A segment's fields are its name, age band, documentation (the changelog aside: it is what this
 * writes) and its own part of the model's parameters (its centroid row, or its weights column and
 * bias); a model's, its kind, purpose, features and description. Pure: no I/O.
 */
import type { FieldChange, ItemDiff, Manifest, Model, ModelDiff, WorkingDiff } from './schema.js';

/** The parts of a site that a publish signs, compared: the working copy or a published manifest. */
export type Comparable = Pick<Manifest, 'features' | 'models' | 'policy' | 'reporting' | 'retention'> & {
  origins: readonly string[];
};

/** A published manifest as a Comparable. */
export const comparableOf = (m: Manifest): Comparable => ({ ...m, origins: m.site.origins });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Key-order-insensitive JSON, so a manifest read back from jsonb (which reorders keys) compares equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}
/** Whether two documents are equal as JSON, whatever their key order. */
export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** A value as the diff shows it: text as it is, anything else as JSON; null when absent. */
function show(v: unknown): string | null {
  if (v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The leaves that differ between two values, objects walked key by key (arrays compare whole). */
export function fieldChanges(a: unknown, b: unknown, prefix = ''): FieldChange[] {
  // An object on one side only is walked too, so an added segment lists documentation.criteria, not one blob.
  if ((isObject(a) || isObject(b)) && (isObject(a) || a === undefined) && (isObject(b) || b === undefined)) {
    const [x, y] = [a ?? {}, b ?? {}] as Record<string, unknown>[];
    const keys = [...Object.keys(y!), ...Object.keys(x!).filter((k) => !(k in y!))];
    return keys.flatMap((k) => fieldChanges(x![k], y![k], prefix ? `${prefix}.${k}` : k));
  }
  return same(a, b) ? [] : [{ field: prefix || '(value)', old: show(a), new: show(b) }];
}

/** Items matched by id: added (every field new), changed (the fields that differ), removed (every field gone). */
function itemDiffs(before: readonly [string, unknown][], after: readonly [string, unknown][]): ItemDiff[] {
  const b = new Map(before);
  const a = new Map(after);
  const out: ItemDiff[] = [];
  for (const [id, v] of after) {
    const old = b.get(id);
    if (!b.has(id)) out.push({ id, status: 'added', changes: fieldChanges({}, v) });
    else {
      const changes = fieldChanges(old, v);
      if (changes.length) out.push({ id, status: 'changed', changes });
    }
  }
  for (const [id, v] of before)
    if (!a.has(id)) out.push({ id, status: 'removed', changes: fieldChanges(v, {}) });
  return out;
}

/** A segment's own fields: see the module comment. */
function segmentView(m: Model, i: number): unknown {
  const s = m.segments[i]!;
  const { dataSources, criteria, validation } = s.documentation;
  return {
    name: s.name,
    minAgeBand: s.minAgeBand,
    ...(m.kind === 'centroids'
      ? { centroid: m.centroids[i] }
      : m.kind === 'softmax'
        ? { weights: m.weights.map((row) => row[i]), bias: m.bias[i] }
        : // an mlp's segment is its output unit: the last layer's column i (hidden layers under the model)
          {
            weights: m.layers.at(-1)!.weights.map((row) => row[i]),
            bias: m.layers.at(-1)!.bias[i],
            hidden: m.layers.slice(0, -1),
          }),
    documentation: { dataSources, criteria, validation },
  };
}
const segmentsOf = (m: Model | undefined): [string, unknown][] =>
  m ? m.segments.map((s, i) => [s.id, segmentView(m, i)]) : [];
const modelView = (m: Model) => ({
  kind: m.kind,
  purpose: m.purpose,
  features: m.features,
  description: m.description,
});

function modelDiffs(before: readonly Model[], after: readonly Model[]): ModelDiff[] {
  const out: ModelDiff[] = [];
  for (const m of after) {
    const old = before.find((b) => b.id === m.id);
    const segments = itemDiffs(segmentsOf(old), segmentsOf(m));
    const changes = fieldChanges(old ? modelView(old) : {}, modelView(m));
    if (!old) out.push({ id: m.id, status: 'added', changes, segments });
    else if (changes.length || segments.length) out.push({ id: m.id, status: 'changed', changes, segments });
  }
  for (const old of before)
    if (!after.some((m) => m.id === old.id))
      out.push({
        id: old.id,
        status: 'removed',
        changes: fieldChanges(modelView(old), {}),
        segments: itemDiffs(segmentsOf(old), []),
      });
  return out;
}

/** Ids added to and taken from a list, as changes of `field` (old null: added; new null: removed). */
function listDiff(field: string, before: readonly string[], after: readonly string[]): FieldChange[] {
  return [
    ...after.filter((x) => !before.includes(x)).map((x) => ({ field, old: null, new: x })),
    ...before.filter((x) => !after.includes(x)).map((x) => ({ field, old: x, new: null })),
  ];
}

/** What publishing `next` over `prev` (null: nothing published yet; version null: not a published version) would change. */
export function diffSites(
  site: string,
  prev: { version: number | null; site: Comparable } | null,
  next: Comparable,
): WorkingDiff {
  const p = prev?.site ?? null;
  const out: WorkingDiff = {
    site,
    publishedVersion: prev?.version ?? null,
    empty: false,
    origins: listDiff('origin', p?.origins ?? [], next.origins),
    features: itemDiffs(
      (p?.features ?? []).map((f) => [f.name, f]),
      next.features.map((f) => [f.name, f]),
    ),
    models: modelDiffs(p?.models ?? [], next.models),
    policy: [
      ...listDiff('allowed', p?.policy.allowed ?? [], next.policy.allowed),
      ...listDiff('clear', p?.policy.clear ?? [], next.policy.clear),
    ],
    reporting: fieldChanges(p?.reporting ?? {}, next.reporting),
    retention: fieldChanges(p?.retention ?? {}, next.retention),
  };
  const { origins, features, models, policy, reporting, retention } = out;
  out.empty = [origins, features, models, policy, reporting, retention].every((x) => x.length === 0);
  return out;
}

/** One change in the few words a changelog entry gives it. */
function inWords(c: FieldChange, prefix = ''): string {
  if (c.field.startsWith('documentation.')) return `${c.field.slice('documentation.'.length)} edited`;
  if (c.old === null) return `${prefix}${c.field} ${c.new ?? ''}`.trim();
  if (c.new === null) return `${prefix}${c.field} removed`;
  return `${prefix}${c.field} ${c.old} -> ${c.new}`;
}

/** The most a changelog entry's `change` holds (SegmentDoc). */
export const CHANGE_MAX = 500;
const cut = (s: string) => (s.length <= CHANGE_MAX ? s : `${s.slice(0, CHANGE_MAX - 1)}…`);

/**
 * `next` with a changelog entry { version, date, change } on every segment that is new or changed
 * since `prev` (its own fields, or its model's), saying what changed and who published it; a segment
 * that already has an entry for `version` (a refinement writes its own) keeps just that.
 */
export function withChangelog(
  prev: Manifest | null,
  next: Manifest,
  entry: { date: string; actor: string; note?: string },
): Manifest {
  const diff = diffSites(
    next.site.id,
    prev && { version: prev.version, site: comparableOf(prev) },
    comparableOf(next),
  );
  const byModel = new Map(diff.models.map((d) => [d.id, d]));
  const tail = ` (by ${entry.actor}${entry.note ? `; note: ${entry.note}` : ''})`;
  return {
    ...next,
    models: next.models.map((m) => {
      const d = byModel.get(m.id);
      if (!d) return m;
      const modelWords = d.status === 'added' ? [] : d.changes.map((c) => inWords(c, 'model '));
      return {
        ...m,
        segments: m.segments.map((s) => {
          const own = d.segments.find((x) => x.id === s.id);
          const words =
            d.status === 'added' || own?.status === 'added'
              ? ['created']
              : [...modelWords, ...(own?.changes.map((c) => inWords(c)) ?? [])];
          if (words.length === 0 || s.documentation.changelog.some((e) => e.version === next.version))
            return s;
          const change = cut(`${words.join('; ')}${tail}`);
          return {
            ...s,
            documentation: {
              ...s.documentation,
              changelog: [...s.documentation.changelog, { version: next.version, date: entry.date, change }],
            },
          };
        }),
      };
    }),
  };
}
