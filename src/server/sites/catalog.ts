/**
 * The segment catalogue an admin reads: each segment with its model's purpose, the features the
 * model reads, its documentation, and whether it uses education records. That last flag is
 * DERIVED from the features' `educationRecord` marks, never typed by hand (ARCHITECTURE.md), by
 * the same function the SDK's policy uses (segmentContexts), so console and device cannot disagree.
 */
import { segmentContexts } from '../../core/policy.js';
import type { CatalogSegment, FeatureSpec, SiteDefinition, SitePolicy } from '../../core/schema.js';

/** Every segment of a definition, in model order, with the policy's verdict for this site. */
export function segmentCatalog(
  def: Pick<SiteDefinition, 'features' | 'models'>,
  policy: SitePolicy,
): CatalogSegment[] {
  const specs = new Map(def.features.map((f) => [f.name, f]));
  const derived = new Map(segmentContexts(def).map((c) => [c.id, c.usesEducationRecord]));
  return def.models.flatMap((m) => {
    const features = m.features
      .map((name) => specs.get(name))
      .filter((f): f is FeatureSpec => f !== undefined);
    const edu = features.filter((f) => f.educationRecord).map((f) => f.name);
    return m.segments.map((s) => ({
      id: s.id,
      name: s.name,
      model: m.id,
      modelKind: m.kind,
      purpose: m.purpose,
      minAgeBand: s.minAgeBand,
      features: features.map((f) => ({
        name: f.name,
        kind: f.kind,
        windowDays: f.windowDays,
        educationRecord: f.educationRecord,
        description: f.description ?? null,
      })),
      usesEducationRecord: derived.get(s.id) ?? true,
      educationRecordFeatures: edu,
      documentation: s.documentation,
      allowed: policy.allowed.includes(s.id),
      clear: policy.clear.includes(s.id),
    }));
  });
}
