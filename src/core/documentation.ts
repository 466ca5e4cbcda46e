/**
 * The documentation card a published segment must carry: at least one data source, its criteria and
 * how it was validated, none of them blank. Pure: the publish path (src/server/sites/publish.ts)
 * refuses the first segment it changes or adds without them, naming the field
 * (`models.0.segments.1.documentation.dataSources`); a re-sign that changes nothing is never refused,
 * so a version published before this rule can still be renewed.
 */
import type { Model, SegmentDoc } from './schema.js';

/** The card's fields a published segment must fill, in the order they are checked. */
export const REQUIRED_DOC_FIELDS = ['dataSources', 'criteria', 'validation'] as const;
export type RequiredDocField = (typeof REQUIRED_DOC_FIELDS)[number];

const WORDS: Record<RequiredDocField, string> = {
  dataSources: 'at least one data source (which events and props feed it)',
  criteria: 'its criteria (what a learner meets to be in it)',
  validation: 'how it was validated (or "Not yet validated.")',
};

/** The first field of `doc` that is empty or blank, else null. */
export function missingDocField(doc: Pick<SegmentDoc, RequiredDocField>): RequiredDocField | null {
  if (!doc.dataSources.some((d) => d.trim() !== '')) return 'dataSources';
  if (doc.criteria.trim() === '') return 'criteria';
  if (doc.validation.trim() === '') return 'validation';
  return null;
}

/** The card without its changelog, as JSON: what an editor changes. */
const card = (doc: SegmentDoc): string => JSON.stringify([doc.dataSources, doc.criteria, doc.validation]);

/**
 * The first segment of `models` that is new or whose card differs from `before` (the published
 * models; [] for a first publish) and lacks a required field: its path and a sentence to show.
 */
export function undocumented(
  models: readonly Model[],
  before: readonly Model[],
): { field: string; message: string } | null {
  for (const [i, m] of models.entries()) {
    for (const [j, s] of m.segments.entries()) {
      const was = before.find((b) => b.id === m.id)?.segments.find((b) => b.id === s.id);
      if (was && card(was.documentation) === card(s.documentation)) continue;
      const missing = missingDocField(s.documentation);
      if (missing === null) continue;
      return {
        field: `models.${i}.segments.${j}.documentation.${missing}`,
        message: `segment "${s.id}" of model "${m.id}" needs ${WORDS[missing]} before it is published`,
      };
    }
  }
  return null;
}
