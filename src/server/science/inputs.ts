/**
 * The learner matrix fit and train work on, normalised as the manifest does it (src/core/features.ts
 * `normalise`: transform, clip, then minmax or zscore to [-1, 1]):
 * - a learner table (one row per learner) whose columns are features: with a manifest, each column
 *   named after a manifest feature is normalised by that feature's spec; without one, each column
 *   gets a zscore normalisation fitted on the data (transform none, clip to the observed range),
 *   which is returned so a site can publish a feature that normalises the same way;
 * - an event log (learner, time, type, props as JSON) turned into features by the SDK's own code
 *   (rollupEvents, computeFeatures) for a manifest's feature specs, on one `today`.
 */
import * as z from 'zod';
import { computeFeatures, normalise } from '../../core/features.js';
import { rollupEvents } from '../../core/rollup.js';
import { FeatureSpec, dayOf, type StoredEvent } from '../../core/schema.js';
import { CliError } from '../admin-cli/command.js';
import { columnIndex, featureColumnsOf, idColumnOf, numericColumns, type Table } from './table.js';

/** How one column is normalised: a FeatureSpec's normalising part. */
export type ColumnNormalisation = Pick<FeatureSpec, 'transform' | 'clip' | 'normalisation'>;

export type Inputs = {
  ids: string[];
  features: string[];
  /** raw values, rows x features */
  raw: number[][];
  /** normalised to [-1, 1] */
  x: number[][];
  normalisation: Record<string, ColumnNormalisation>;
  /** where the normalisation came from */
  normalisedBy: 'manifest' | 'data';
};

/** A zscore normalisation fitted to `values` (mean, sample sd; clip to [min, max]). */
export function fitNormalisation(values: readonly number[]): ColumnNormalisation {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return {
    transform: 'none',
    clip: hi > lo ? [lo, hi] : [lo, lo + 1],
    normalisation: { kind: 'zscore', mean, sd: sd > 0 ? sd : 1 },
  };
}

const FeatureList = z.object({ features: z.array(z.unknown()) });

/** The feature specs of a manifest, a site definition or a site view (`manifest.features`), from JSON text. */
export function featureSpecsOf(json: unknown, source: string): FeatureSpec[] {
  const holder =
    typeof json === 'object' && json !== null && 'manifest' in json && !('features' in json)
      ? (json as { manifest: unknown }).manifest
      : json;
  const list = FeatureList.safeParse(holder);
  if (!list.success)
    throw new CliError(`${source}: no "features" array (a manifest or site definition is needed)`);
  return list.data.features.map((f, i) => {
    const r = FeatureSpec.safeParse(f);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new CliError(`${source}: features.${[i, ...issue.path].join('.')}: ${issue.message}`);
    }
    return r.data;
  });
}

/** The matrix of a learner table; `exclude` names columns that are not features (e.g. the label). */
export function tableInputs(
  t: Table,
  opts: { idColumn?: string; features?: string; exclude?: string[]; specs?: FeatureSpec[] },
): Inputs {
  const id = idColumnOf(t, opts.idColumn);
  const features = featureColumnsOf(t, opts.features, [id, ...(opts.exclude ?? [])]);
  const raw = numericColumns(t, features);
  const idAt = id === undefined ? -1 : columnIndex(t, id);
  const ids = t.rows.map((row, r) => (idAt >= 0 ? (row[idAt] ?? '') : String(r + 1)));
  const normalisation: Record<string, ColumnNormalisation> = {};
  let normalisedBy: Inputs['normalisedBy'] = 'data';
  if (opts.specs) {
    normalisedBy = 'manifest';
    for (const f of features) {
      const spec = opts.specs.find((s) => s.name === f);
      if (!spec) throw new CliError(`${t.file}: column "${f}" is not a feature of the manifest`);
      normalisation[f] = spec;
    }
  } else features.forEach((f, j) => (normalisation[f] = fitNormalisation(raw.map((r) => r[j]!))));
  const x = raw.map((row) =>
    row.map((v, j) => normalise(v, { kind: 'count', ...normalisation[features[j]!]! })),
  );
  return { ids, features, raw, x, normalisation, normalisedBy };
}

/** When an event's `time` cell is a date or a millisecond timestamp: its ms since the epoch. */
function timeOf(cell: string): number {
  const asNumber = Number(cell);
  return cell !== '' && Number.isFinite(asNumber) ? asNumber : Date.parse(cell);
}

/**
 * The features of each learner of an event log (columns learner, time, type, props) on the day
 * `today` (default: the day of the last event), computed by rollupEvents + computeFeatures.
 */
export function eventInputs(
  t: Table,
  specs: FeatureSpec[],
  opts: { features?: string; today?: string },
): Inputs & { today: number } {
  const at = {
    learner: columnIndex(t, 'learner'),
    time: columnIndex(t, 'time'),
    type: columnIndex(t, 'type'),
    props: t.header.indexOf('props'),
  };
  const byLearner = new Map<string, StoredEvent[]>();
  let last = -Infinity;
  t.rows.forEach((row, r) => {
    const where = (c: string) => `${t.file} row ${r + 2}, column "${c}"`;
    const ts = timeOf(row[at.time] ?? '');
    if (!Number.isFinite(ts) || ts < 0)
      throw new CliError(`${where('time')}: "${row[at.time]}" is not a date or a millisecond timestamp`);
    const type = row[at.type] ?? '';
    if (!/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/.test(type))
      throw new CliError(
        `${where('type')}: "${type}" is not an event type (a letter, then letters, digits, _ . : -)`,
      );
    let props: StoredEvent['props'] = {};
    const cell = at.props >= 0 ? (row[at.props] ?? '') : '';
    if (cell !== '') {
      try {
        props = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).parse(JSON.parse(cell));
      } catch {
        throw new CliError(`${where('props')}: not a JSON object of numbers, strings and booleans`);
      }
    }
    const learner = row[at.learner] ?? '';
    const list = byLearner.get(learner) ?? [];
    list.push({ type, ts, day: dayOf(ts), props });
    byLearner.set(learner, list);
    last = Math.max(last, dayOf(ts));
  });
  if (byLearner.size === 0) throw new CliError(`${t.file}: no events`);
  const today = opts.today !== undefined ? dayOf(Date.parse(opts.today)) : last;
  if (!Number.isFinite(today))
    throw new CliError(`--today must be a date such as 2025-03-01, got "${opts.today}"`);
  const names = specs.map((s) => s.name);
  const features =
    opts.features === undefined
      ? specs.filter((s) => s.kind !== 'declared').map((s) => s.name)
      : opts.features.split(',').map((s) => s.trim());
  for (const f of features)
    if (!names.includes(f)) throw new CliError(`--features: "${f}" is not a feature of the manifest`);
  const ids = [...byLearner.keys()];
  const raw: number[][] = [];
  const x: number[][] = [];
  for (const id of ids) {
    const out = computeFeatures(rollupEvents(byLearner.get(id)!), {}, specs, today);
    raw.push(features.map((f) => out.raw[names.indexOf(f)]!));
    x.push(features.map((f) => out.normalised[names.indexOf(f)]!));
  }
  const normalisation = Object.fromEntries(features.map((f) => [f, specs.find((s) => s.name === f)!]));
  return { ids, features, raw, x, normalisation, normalisedBy: 'manifest', today };
}
