/**
 * Series: the published versions of a site whose models and reporting are unchanged pool their
 * reports. Every re-sign is a new version (the daily re-sign before expiry, a restart on another
 * port, a publish without changes, a key rotation), but its reports come from the same models
 * under the same mechanisms, so they estimate the same shares and means; a changed model (a
 * refinement moves centroids) or changed reporting starts a new series.
 *
 * The series key is a hash of exactly what the reports' meaning depends on: the features (every
 * field of their specs), each model without its documentation and names (id, purpose, kind, the
 * features it reads, its segment ids in order, centroids or weights and bias), and the reporting
 * period and epsilons. Not in it: origins, policy (which segments the page may receive, and which
 * models go in clear: the estimators pool clear and ldp reports), documentation, dates, budget,
 * kThreshold and retention.
 */
import { createHash } from 'node:crypto';
import type { Manifest } from '../../core/schema.js';
import { canonical } from '../../core/diff.js';

/** The content a series is defined by (see above). */
export function seriesContent(m: Pick<Manifest, 'features' | 'models' | 'reporting'>): unknown {
  return {
    features: m.features,
    models: m.models.map((model) => ({
      ...model,
      segments: model.segments.map((s) => s.id),
    })),
    reporting: {
      periodDays: m.reporting.periodDays,
      epsilonSegment: m.reporting.epsilonSegment,
      epsilonFeatures: m.reporting.epsilonFeatures,
    },
  };
}

/** The series key of a manifest: the first 16 hex characters of the SHA-256 of its canonical series content. */
export function seriesKey(m: Pick<Manifest, 'features' | 'models' | 'reporting'>): string {
  return createHash('sha256')
    .update(canonical(seriesContent(m)))
    .digest('hex')
    .slice(0, 16);
}
