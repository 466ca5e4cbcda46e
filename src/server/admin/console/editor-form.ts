/**
 * The editor forms' codec: a posted form as the working-copy edit to check (featureOf, modelOf,
 * documentationOf), a stored item as the form shows it (featureValues, modelValues,
 * documentationValues), and an edit's issues as messages beside the fields they name. Pure: the
 * routes (editor-console.ts) parse the body and save.
 */
import type { EditIssue } from '../../../core/edit.js';
import type { FeatureSpec, Model, SegmentDoc } from '../../../core/schema.js';
import type { FieldErrors, Values } from '../views/editor-fields.js';

type Form = Record<string, string | File | (string | File)[]>;

/** The form's text fields (the first value of each). */
export function valuesOf(form: Form): Values {
  return Object.fromEntries(
    Object.entries(form).flatMap(([k, v]) => {
      const x = Array.isArray(v) ? v[0] : v;
      return typeof x === 'string' ? [[k, x]] : [];
    }),
  );
}

/** A text field, trimmed (blank when absent). */
export const get = (v: Values, name: string) => (v[name] ?? '').trim();
/** Absent when blank; the schema then says what is missing. */
const optional = (s: string) => (s === '' ? undefined : s);
/** A number, absent when blank, NaN when not a number (the schema names the field). */
const numberOf = (s: string) => (s === '' ? undefined : Number(s));
const listOf = (s: string) => s.split(/[\s,]+/).filter(Boolean);
const numbersOf = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map(Number);
const shown = (xs: readonly unknown[]) => xs.join(', ');

/** A feature form as a FeatureSpec to check (not yet checked). */
export function featureOf(v: Values): Record<string, unknown> {
  const kind = get(v, 'normalisation.kind');
  const values = optional(get(v, 'values'));
  return {
    kind: get(v, 'kind'),
    events: listOf(get(v, 'events')),
    prop: optional(get(v, 'prop')),
    denominator: optional(get(v, 'denominator')) && listOf(get(v, 'denominator')),
    key: optional(get(v, 'key')),
    values:
      values &&
      Object.fromEntries(
        values
          .split(/[,\n]+/)
          .map((pair) => pair.split('='))
          .map(([k, x]) => [(k ?? '').trim(), x === undefined ? Number.NaN : Number(x)]),
      ),
    default: numberOf(get(v, 'default')),
    windowDays: numberOf(get(v, 'windowDays')),
    transform: get(v, 'transform'),
    clip: [numberOf(get(v, 'clip.0')), numberOf(get(v, 'clip.1'))],
    normalisation:
      kind === 'zscore'
        ? {
            kind,
            mean: numberOf(get(v, 'normalisation.mean')),
            sd: numberOf(get(v, 'normalisation.sd')),
            scale: numberOf(get(v, 'normalisation.scale')),
          }
        : { kind },
    educationRecord: v['educationRecord'] === 'on',
    description: optional(get(v, 'description')),
  };
}

/** A stored feature as the form shows it. */
export function featureValues(f: FeatureSpec): Values {
  const n = f.normalisation;
  return {
    name: f.name,
    kind: f.kind,
    events: shown(f.events),
    prop: f.prop ?? '',
    denominator: shown(f.denominator ?? []),
    key: f.key ?? '',
    values: Object.entries(f.values ?? {})
      .map(([k, x]) => `${k}=${x}`)
      .join(', '),
    default: f.default === undefined ? '' : String(f.default),
    windowDays: String(f.windowDays),
    transform: f.transform,
    'clip.0': String(f.clip[0]),
    'clip.1': String(f.clip[1]),
    'normalisation.kind': n.kind,
    'normalisation.mean': n.kind === 'zscore' ? String(n.mean) : '',
    'normalisation.sd': n.kind === 'zscore' ? String(n.sd) : '',
    'normalisation.scale': n.kind === 'zscore' && n.scale !== undefined ? String(n.scale) : '',
    educationRecord: f.educationRecord ? 'on' : '',
    description: f.description ?? '',
  };
}
export const NEW_FEATURE: Values = {
  kind: 'count',
  windowDays: '14',
  transform: 'none',
  'clip.0': '0',
  'clip.1': '10',
  'normalisation.kind': 'minmax',
};

/** How many segment rows a model form has (the stored or typed ones). */
export function rowsOf(v: Values): number {
  let n = 0;
  while (`segments.${n}.id` in v) n++;
  return n;
}

/**
 * A model form as a Model to check, with the form row of each segment (rows ticked "remove" or left
 * blank are dropped). A segment keeps the documentation of the one its row was (`segments.N.was`);
 * a new one starts with its model's features as data sources, to be documented.
 */
export function modelOf(
  v: Values,
  stored: Model | undefined,
): { model: Record<string, unknown>; rowOf: number[] } {
  const rowOf: number[] = [];
  for (let i = 0; i < rowsOf(v); i++) {
    const p = `segments.${i}`;
    const blank = !get(v, `${p}.id`) && !get(v, `${p}.name`) && !get(v, `${p}.centroid`);
    if (v[`${p}.remove`] !== 'on' && !blank) rowOf.push(i);
  }
  const features = listOf(get(v, 'features'));
  const segments = rowOf.map((i) => {
    const p = `segments.${i}`;
    // The row's segment as stored: the one it was (its id may have been edited), else the one of its id.
    const was = stored?.segments.find((s) => s.id === (get(v, `${p}.was`) || get(v, `${p}.id`)));
    return {
      id: get(v, `${p}.id`),
      name: get(v, `${p}.name`),
      minAgeBand: get(v, `${p}.minAgeBand`),
      documentation: was?.documentation ?? {
        dataSources: features,
        criteria: '',
        validation: 'Not yet validated.',
        changelog: [],
      },
    };
  });
  const kind = get(v, 'kind');
  const params =
    kind === 'softmax'
      ? {
          weights: get(v, 'weights')
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .map(numbersOf),
          bias: numbersOf(get(v, 'bias')),
        }
      : { centroids: rowOf.map((i) => numbersOf(get(v, `segments.${i}.centroid`))) };
  return {
    model: {
      kind,
      purpose: get(v, 'purpose'),
      features,
      segments,
      description: optional(get(v, 'description')),
      ...params,
    },
    rowOf,
  };
}

/** A stored model as the form shows it, with one blank row to add a segment. */
export function modelValues(m: Model | null): Values {
  const v: Values = m
    ? {
        id: m.id,
        kind: m.kind,
        purpose: m.purpose,
        features: shown(m.features),
        description: m.description ?? '',
        ...(m.kind === 'softmax' ? { weights: m.weights.map(shown).join('\n'), bias: shown(m.bias) } : {}),
      }
    : { kind: 'centroids', purpose: 'instruction' };
  const segments = m?.segments ?? [];
  segments.forEach((s, i) => {
    v[`segments.${i}.id`] = s.id;
    v[`segments.${i}.was`] = s.id;
    v[`segments.${i}.name`] = s.name;
    v[`segments.${i}.minAgeBand`] = s.minAgeBand;
    v[`segments.${i}.centroid`] = m?.kind === 'centroids' ? shown(m.centroids[i] ?? []) : '';
  });
  const n = segments.length;
  Object.assign(v, {
    [`segments.${n}.id`]: '',
    [`segments.${n}.name`]: '',
    [`segments.${n}.minAgeBand`]: 'under13',
  });
  return v;
}

/** Issues in a form's terms: the edit's root taken off, then `rename` (null keeps the path). */
function errorsOf(
  issues: readonly EditIssue[],
  root: string,
  rename: (path: string[]) => string | null = () => null,
): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const path = i.field.startsWith(`${root}.`)
      ? i.field.slice(root.length + 1)
      : i.field === root
        ? '(form)'
        : i.field;
    const key = rename(path.split('.')) ?? path;
    (out[key] ??= []).push(i.message);
  }
  return out;
}

/** Model issues on the rows they came from: centroids.K and segments.K.* are row rowOf[K]'s. */
const modelRename =
  (rowOf: readonly number[]) =>
  ([head, k, ...rest]: string[]): string | null => {
    const row = rowOf[Number(k)];
    if (head === 'centroids' && row !== undefined) return `segments.${row}.centroid`;
    if (head === 'segments' && row !== undefined) return ['segments', row, ...rest].join('.');
    return null;
  };

/** A model form's issues on the rows they came from. */
export const modelErrors = (issues: readonly EditIssue[], rowOf: readonly number[]): FieldErrors =>
  errorsOf(issues, 'model', modelRename(rowOf));

/** A feature form's issues: the list fields (values, events, denominator) as a whole. */
export const featureErrors = (issues: readonly EditIssue[]): FieldErrors =>
  errorsOf(issues, 'feature', ([head]) =>
    head === 'values' || head === 'events' || head === 'denominator' ? head! : null,
  );

/** A documentation card's issues, by its top-level field. */
export const documentationErrors = (issues: readonly EditIssue[]): FieldErrors =>
  errorsOf(issues, 'documentation', ([h]) => h ?? null);

/** The typed model form again, with a blank row to add a segment if it has none. */
export function withBlankRow(v: Values): Values {
  const n = rowsOf(v);
  const last = n - 1;
  return n > 0 && !get(v, `segments.${last}.id`)
    ? v
    : { ...v, [`segments.${n}.id`]: '', [`segments.${n}.minAgeBand`]: 'under13' };
}

/** A stored documentation card as the form shows it. */
export const documentationValues = (d: SegmentDoc): Values => ({
  dataSources: d.dataSources.join('\n'),
  criteria: d.criteria,
  validation: d.validation,
});

/** A documentation form as a card to check (not yet checked): one data source a line. */
export const documentationOf = (v: Values): Record<string, unknown> => ({
  dataSources: (v['dataSources'] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
  criteria: get(v, 'criteria'),
  validation: get(v, 'validation'),
});

/** Field paths of a diff line as a reader names them. */
const FIELD_WORDS: Record<string, string> = {
  'documentation.dataSources': 'data sources',
  'documentation.criteria': 'criteria',
  'documentation.validation': 'validation',
};

/** A change's values worth showing as they are: short, and not JSON (a list or an object). */
const readable = (values: string): boolean => values.length <= 60 && !/[[{"]/.test(values);

/**
 * An edit's diff lines (src/server/sites/editor.ts diffLines, e.g. `segment x: documentation.dataSources
 * ["a"] -> []`) as a summary for a banner and its URL: by item, each field with its values when they
 * are short plain text (`feature f: windowDays 7 -> 10`), else only that it changed
 * (`segment x: data sources changed`); never JSON.
 */
export function changeSummary(lines: readonly string[], max = 5): string {
  const byItem = new Map<string, string[]>();
  const plain: string[] = [];
  for (const line of lines) {
    const m = /^((?:feature|model|segment) [^\s:]+): (\S+) (.*)$/.exec(line);
    if (!m) {
      // "segment x added" as it is; a field line without an item ("origins + http://…") by its field
      // when its values are not plain
      const [field, ...rest] = line.split(' ');
      plain.push(readable(rest.join(' ')) ? line : `${field} changed`);
      continue;
    }
    const [, item, field, values] = m as unknown as [string, string, string, string];
    const word = FIELD_WORDS[field] ?? field;
    const pieces = byItem.get(item) ?? [];
    pieces.push(readable(values) ? `${word} ${values}` : `${word} changed`);
    byItem.set(item, pieces);
  }
  const parts = [...[...byItem].map(([item, pieces]) => `${item}: ${pieces.join(', ')}`), ...plain];
  return parts.length > max
    ? `${parts.slice(0, max).join('; ')}; and ${parts.length - max} more`
    : parts.join('; ');
}
