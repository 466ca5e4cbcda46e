/**
 * The collector's admission check. A batch is accepted whole or refused whole, with the first
 * field at fault named, so a device can log one actionable reason (the SDK then sends the reports
 * of a refused batch one by one, so no valid report is lost because another was bad):
 * 1. the shape (ReportBatch: strict objects, so no extra field — no user id, no timestamp — gets in;
 *    only finite numbers);
 * 2. the site exists and published the manifest version the report names (400), and that version
 *    was not superseded more than two of its reporting periods ago (410);
 * 3. the report is one that version's devices build (PRIVACY.md), field by field: known models,
 *    each once; an ldp field's k, eps and oracle are the version's (k = the model's segment count,
 *    eps = reporting.epsilonSegment, oracle = chooseOracle(k, eps)); a clear field names one of the
 *    model's segments and the version's policy reports that whole model in clear; the feature field
 *    has d = the manifest's feature count, eps = reporting.epsilonFeatures, the hybrid mechanism,
 *    sampledDimensions(d, eps) distinct dims below d, and values within vectorBound(d, eps); the
 *    report's epsilon is the sum the version prescribes; its period is aligned to periodDays,
 *    starts no later than tomorrow (one day of clock skew) and no earlier than the period before
 *    the one in which the version was published (no device held that version before);
 * 4. a batch names at most MAX_BATCH_PERIODS distinct periods, so no request creates more than a
 *    few report partitions (one per week of periods).
 * An adversary's report therefore cannot carry an eps that breaks the estimators (1e-300 turns
 * shares into NaN) or a value no device can produce (1e12 moves a refined centroid by maxStep).
 */
import { wholeModelInClear } from '../../core/policy.js';
import { chooseOracle } from '../../core/privacy/segment.js';
import { sampledDimensions, vectorBound } from '../../core/privacy/vector.js';
import { DAY_MS, ReportBatch, check, dayOf, periodOf, reportEpsilon } from '../../core/schema.js';
import type { FeatureField, Manifest, Report, SegmentField } from '../../core/schema.js';

/** Why a batch is refused: the field at fault and what is wrong with it (400, or 410 for a superseded version). */
export type Disagreement = { field: string; message: string; status?: 400 | 410 };
export type Admission = { ok: true; reports: Report[] } | ({ ok: false; status: 400 | 410 } & Disagreement);

/** A published version as admission needs it: its manifest, and when the next version was published (null: still current). */
export type VersionInfo = { manifest: Manifest; publishedAt: string; supersededAt: string | null };

/** The most distinct periods one batch may name (a device's outbox holds a few; each new week is a partition). */
export const MAX_BATCH_PERIODS = 4;

/**
 * Looks up a published version; null when the site never published it, 'unknown-site' when there
 * is no such site, 'disabled-site' when an owner disabled it (410: the device should stop). The app's lookup caches them (a manifest never changes, nor does a successor's date).
 */
export type ManifestLookup = (
  site: string,
  version: number,
) => Promise<VersionInfo | null | 'unknown-site' | 'disabled-site'>;

/** Reports under a superseded version are refused (410) this many of its reporting periods after the successor's publication. */
export const SUPERSEDED_GRACE_PERIODS = 2;

/** Parses and checks a batch against the versions it names, at `now`. */
export async function admitBatch(body: unknown, lookup: ManifestLookup, now: Date): Promise<Admission> {
  const parsed = check(ReportBatch, body);
  if (!parsed.ok) return { ok: false, status: 400, field: parsed.field, message: parsed.message };
  // One lookup per (site, version) of the batch.
  const looked = new Map<string, ReturnType<ManifestLookup>>();
  const periods = new Set<number>();
  for (const [i, r] of parsed.value.reports.entries()) {
    periods.add(r.period);
    if (periods.size > MAX_BATCH_PERIODS)
      return {
        ok: false,
        status: 400,
        field: `reports.${i}.period`,
        message: `a batch may name at most ${MAX_BATCH_PERIODS} distinct periods: send the others in another batch`,
      };
    const key = `${r.site}\u0000${r.manifestVersion}`;
    const pending = looked.get(key) ?? lookup(r.site, r.manifestVersion);
    looked.set(key, pending);
    const info = await pending;
    const at = `reports.${i}`;
    if (info === 'unknown-site')
      return { ok: false, status: 400, field: `${at}.site`, message: `unknown site "${r.site}"` };
    if (info === 'disabled-site')
      return {
        ok: false,
        status: 410,
        field: `${at}.site`,
        message: `site "${r.site}" is disabled: it takes no report`,
      };
    if (!info)
      return {
        ok: false,
        status: 400,
        field: `${at}.manifestVersion`,
        message: `site "${r.site}" never published version ${r.manifestVersion}`,
      };
    const refusal =
      superseded(info, now, at) ?? tooEarly(r, info, at) ?? disagreement(r, info.manifest, now, at);
    if (refusal) return { ok: false, status: refusal.status ?? 400, ...refusal };
  }
  return { ok: true, reports: parsed.value.reports };
}

/** 410 when the version was superseded more than SUPERSEDED_GRACE_PERIODS of its periods before `now`. */
function superseded(info: VersionInfo, now: Date, at: string): Disagreement | null {
  if (info.supersededAt === null) return null;
  const graceMs = SUPERSEDED_GRACE_PERIODS * info.manifest.reporting.periodDays * DAY_MS;
  if (now.getTime() - Date.parse(info.supersededAt) <= graceMs) return null;
  return {
    status: 410,
    field: `${at}.manifestVersion`,
    message: `version ${info.manifest.version} was superseded on ${info.supersededAt.slice(0, 10)}: fetch the current manifest`,
  };
}

/**
 * A period that starts before the period in which its version was published, less one period (the
 * period that just closed, which a device that adopted the version may still report): no device
 * held that version earlier.
 */
function tooEarly(r: Report, info: VersionInfo, at: string): Disagreement | null {
  const { periodDays } = info.manifest.reporting;
  const first = periodOf(dayOf(Date.parse(info.publishedAt)), periodDays) - periodDays;
  if (r.period >= first) return null;
  return {
    field: `${at}.period`,
    message: `day ${r.period} is before manifest v${info.manifest.version} was published (${info.publishedAt.slice(0, 10)}), less one period`,
  };
}

/** The first way a report differs from what a device under `manifest` sends, or null. */
function disagreement(r: Report, manifest: Manifest, now: Date, at: string): Disagreement | null {
  const v = `manifest v${manifest.version}`;
  const { periodDays, epsilonSegment, epsilonFeatures } = manifest.reporting;
  if (r.period % periodDays !== 0)
    return { field: `${at}.period`, message: `must be the first day of a ${periodDays}-day period` };
  if (r.period > dayOf(now.getTime()) + 1)
    return { field: `${at}.period`, message: `day ${r.period} is in the future` };
  const seen = new Set<string>();
  for (const [j, f] of r.segments.entries()) {
    const refusal = fieldDisagreement(f, manifest, seen, `${at}.segments.${j}`);
    if (refusal) return refusal;
  }
  if (r.features) {
    const refusal = featureDisagreement(r.features, manifest, `${at}.features`);
    if (refusal) return refusal;
  }
  const prescribed = reportEpsilon(
    r.segments.map((f) => (f.channel === 'ldp' ? { ...f, eps: epsilonSegment } : f)),
    r.features && { ...r.features, eps: epsilonFeatures },
  );
  if (r.epsilon !== prescribed)
    return { field: `${at}.epsilon`, message: `${v} prescribes epsilon ${prescribed} for these fields` };
  return null;
}

/** The first way one segment field differs from the version's, or null; `seen` collects the models reported so far. */
function fieldDisagreement(
  f: SegmentField,
  manifest: Manifest,
  seen: Set<string>,
  at: string,
): Disagreement | null {
  const v = `manifest v${manifest.version}`;
  const model = manifest.models.find((m) => m.id === f.model);
  if (!model) return { field: `${at}.model`, message: `${v} has no model "${f.model}"` };
  if (seen.has(f.model)) return { field: `${at}.model`, message: `model "${f.model}" is reported twice` };
  seen.add(f.model);
  const k = model.segments.length;
  if (f.channel === 'ldp') {
    const eps = manifest.reporting.epsilonSegment;
    if (f.k !== k) return { field: `${at}.k`, message: `model "${f.model}" has ${k} segments` };
    if (f.eps !== eps) return { field: `${at}.eps`, message: `${v} reports segments at eps ${eps}` };
    const oracle = chooseOracle(k, eps);
    if (f.oracle !== oracle) return { field: `${at}.oracle`, message: `${v} uses ${oracle} for k = ${k}` };
    return null;
  }
  if (!model.segments.some((s) => s.id === f.segment))
    return { field: `${at}.segment`, message: `model "${f.model}" has no segment "${f.segment}"` };
  if (!wholeModelInClear({ modelSegments: model.segments.map((s) => s.id) }, manifest.policy))
    return {
      field: `${at}.channel`,
      message: `model "${f.model}" may not be reported in clear under ${v}'s policy`,
    };
  return null;
}

/** The first way the feature field differs from the version's, or null. */
function featureDisagreement(f: FeatureField, manifest: Manifest, at: string): Disagreement | null {
  const v = `manifest v${manifest.version}`;
  const d = manifest.features.length;
  const eps = manifest.reporting.epsilonFeatures;
  if (f.d !== d) return { field: `${at}.d`, message: `${v} has ${d} features` };
  if (f.eps !== eps)
    return {
      field: `${at}.eps`,
      message: eps > 0 ? `${v} reports features at eps ${eps}` : `${v} reports no features`,
    };
  if (f.mechanism !== 'hybrid')
    return { field: `${at}.mechanism`, message: `${v} reports features with hybrid` };
  const m = sampledDimensions(d, eps);
  if (f.dims.length !== m) return { field: `${at}.dims`, message: `${v} samples ${m} of the ${d} features` };
  if (new Set(f.dims).size !== m || f.dims.some((j) => !(j < d)))
    return { field: `${at}.dims`, message: `dims must be distinct indices below ${d}` };
  const bound = vectorBound(d, eps);
  const i = f.values.findIndex((x) => !(Math.abs(x) <= bound));
  if (i >= 0) return { field: `${at}.values.${i}`, message: `must lie in [-${bound}, ${bound}]` };
  return null;
}
