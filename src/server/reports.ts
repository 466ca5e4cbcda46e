/**
 * The collector's admission check. A batch is accepted whole or refused whole, with the first
 * field at fault named, so a device can log one actionable reason:
 * 1. the shape (ReportBatch: strict objects, so no extra field — no user id, no timestamp — gets in);
 * 2. the site exists and published the manifest version the report names;
 * 3. the report agrees with that manifest: known models, k = the model's segment count, a clear
 *    segment that belongs to the model AND that the version's policy lets this site report in
 *    clear (the server's own check of the rule the SDK applies), d = the manifest's feature count.
 */
import { ReportBatch, check } from '../core/schema.js';
import type { Manifest, Report } from '../core/schema.js';

export type Refusal = { field: string; message: string };
export type Admission = { ok: true; reports: Report[] } | ({ ok: false } & Refusal);

/**
 * Looks up a published manifest; null when the site never published this version, 'unknown-site'
 * when there is no such site. The app's lookup caches published manifests (they never change).
 */
export type ManifestLookup = (site: string, version: number) => Promise<Manifest | null | 'unknown-site'>;

/** Parses and checks a batch against the manifests it names. */
export async function admitBatch(body: unknown, lookup: ManifestLookup): Promise<Admission> {
  const parsed = check(ReportBatch, body);
  if (!parsed.ok) return { ok: false, field: parsed.field, message: parsed.message };
  for (const [i, r] of parsed.value.reports.entries()) {
    const manifest = await lookup(r.site, r.manifestVersion);
    const at = `reports.${i}`;
    if (manifest === 'unknown-site')
      return { ok: false, field: `${at}.site`, message: `unknown site "${r.site}"` };
    if (!manifest)
      return {
        ok: false,
        field: `${at}.manifestVersion`,
        message: `site "${r.site}" never published version ${r.manifestVersion}`,
      };
    const refusal = disagreement(r, manifest, at);
    if (refusal) return { ok: false, ...refusal };
  }
  return { ok: true, reports: parsed.value.reports };
}

/** The first way a report disagrees with its manifest, or null. */
function disagreement(r: Report, manifest: Manifest, at: string): Refusal | null {
  const seen = new Set<string>();
  for (const [j, f] of r.segments.entries()) {
    const field = `${at}.segments.${j}`;
    const model = manifest.models.find((m) => m.id === f.model);
    if (!model)
      return { field: `${field}.model`, message: `manifest v${manifest.version} has no model "${f.model}"` };
    if (seen.has(f.model))
      return { field: `${field}.model`, message: `model "${f.model}" is reported twice` };
    seen.add(f.model);
    if (f.channel === 'ldp') {
      if (f.k !== model.segments.length)
        return { field: `${field}.k`, message: `model "${f.model}" has ${model.segments.length} segments` };
    } else {
      if (!model.segments.some((s) => s.id === f.segment))
        return { field: `${field}.segment`, message: `model "${f.model}" has no segment "${f.segment}"` };
      if (!manifest.policy.clear.includes(f.segment))
        return {
          field: `${field}.channel`,
          message: `segment "${f.segment}" may not be reported in clear under manifest v${manifest.version}'s policy`,
        };
    }
  }
  if (r.features && r.features.d !== manifest.features.length) {
    return {
      field: `${at}.features.d`,
      message: `manifest v${manifest.version} has ${manifest.features.length} features`,
    };
  }
  return null;
}
