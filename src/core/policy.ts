/**
 * The consent and compliance decision (COMPLIANCE.md): may a segment be released to the host page,
 * and on which channel may it reach the collector?
 *
 * Contracts:
 * - Rules 1-9 apply in the order COMPLIANCE.md lists them; the first that denies decides, and its
 *   code is `reasons[0]`. Every later rule that would also deny is appended after it, in rule
 *   order, so the transparency panel can say everything that stands in the way; a released segment
 *   has exactly `['allowed']`. With no consent record (rule 1) nothing else is evaluated: there is
 *   no record to evaluate it against, so the reasons are exactly `['no-consent']`.
 * - Age: a record without `ageBand` is read as `unknown`, and `unknown` is treated as `under13`
 *   both for the COPPA rules (as COMPLIANCE.md says) and for the age ordering of rule 9
 *   (under13 < teen < adult): when we do not know, we protect as for a child.
 * - Parental consent is a basis only for `under13`/`unknown` (rules 6, 7); for a teen or an adult
 *   only the learner's own consent, or the school for instruction/analytics, is (rule 8). The
 *   learner's own consent is never a basis under 13.
 * - Channel (PRIVACY.md "The shape rule"): decided per MODEL, never per segment, so that for a fixed
 *   consent record and manifest a report's shape (which models have a field, each field's channel)
 *   is the same for every learner. A model is `none` unless analytics and the model's own purpose
 *   are allowed, the model may be used for its purpose at all (rule 5 is a property of the model),
 *   and the site may receive at least one of its segments; `clear` only where the site policy lists
 *   every one of the model's segments in `clear` and, for a child (or unknown age), verified
 *   parental consent names `analytics` (school authorisation alone never sends a child's segment id
 *   in clear), and the learner's age band reaches every segment's minAgeBand (a model-level test of
 *   the consent record: no id of a segment the learner is too young for travels as it is); `ldp`
 *   otherwise. The per-segment rules (3 site allow list, 9 minAgeBand) decide only
 *   what the page receives; they never change the channel, or the shape would tell the segment.
 *
 * Pure: no DOM, no storage, no clock.
 */
import { REASON_CODES } from './schema.js';
import {
  AGE_RANK,
  ageBandOf,
  isChildBand,
  isCommercial,
  parentalNames,
  purposeAllowed,
  purposeDenials,
} from './consent-rules.js';

// The purpose rules live in consent-rules.ts (no zod: edseg/activate applies them on the main thread).
export { purposeAllowed, thirdPartyAllowed } from './consent-rules.js';

// A manifest validity rule, kept with the schema's manifestIssues; re-exported for the policy's callers.
export { partialClearModels } from './schema.js';
import type { Channel, Consent, Manifest, MinAgeBand, Purpose, ReasonCode, SitePolicy } from './schema.js';

/** What the policy knows of one model: its purpose, its segment ids, whether it reads education records. */
export type ModelContext = {
  model: string;
  purpose: Purpose;
  usesEducationRecord: boolean;
  /** the ids of every segment of the model, in the model's order */
  modelSegments: readonly string[];
  /** the highest minAgeBand among the model's segments (absent: under13, no segment is age-gated) */
  modelMinAgeBand?: MinAgeBand;
};
/** What the policy knows of one segment: its model's context, its id and its minimum age band. */
export type SegmentContext = ModelContext & { id: string; minAgeBand: MinAgeBand };
export type Decision = { release: boolean; channel: Channel; reasons: ReasonCode[] };

/**
 * Rule precedence as COMPLIANCE.md numbers it, used to merge the purpose and segment rules in order:
 * the schema lists the denial codes in rule order, then 'allowed'.
 */
const RULE_ORDER: readonly ReasonCode[] = REASON_CODES.filter((r) => r !== 'allowed');

/** COMPLIANCE.md rules 1-9 in order (release), and the model's collector channel; `consent === null` means no record (rule 1). */
export function decide(consent: Consent | null, segment: SegmentContext, sitePolicy: SitePolicy): Decision {
  if (consent === null) return { release: false, channel: 'none', reasons: ['no-consent'] };
  const denials = new Set<ReasonCode>(purposeDenials(consent, segment.purpose));
  if (!sitePolicy.allowed.includes(segment.id)) denials.add('site-not-allowed'); // rule 3
  if (segment.usesEducationRecord && isCommercial(segment.purpose)) denials.add('ferpa-education-record'); // rule 5
  if (AGE_RANK[segment.minAgeBand] > AGE_RANK[ageBandOf(consent)]) denials.add('age'); // rule 9
  // The channel is the model's, whichever segment this is and whether or not the page may receive it.
  const channel = modelChannel(consent, segment, sitePolicy);
  if (denials.size > 0) return { release: false, channel, reasons: RULE_ORDER.filter((r) => denials.has(r)) };
  return { release: true, channel, reasons: ['allowed'] };
}

/**
 * The collector channel of a model under this consent and site policy (COMPLIANCE.md "Channel to
 * the collector"): the same for every segment of the model, whichever one the learner is in.
 */
export function modelChannel(consent: Consent | null, model: ModelContext, sitePolicy: SitePolicy): Channel {
  if (consent === null || !purposeAllowed(consent, 'analytics').allowed) return 'none';
  if (!purposeAllowed(consent, model.purpose).allowed) return 'none';
  if (model.usesEducationRecord && isCommercial(model.purpose)) return 'none'; // rule 5, a property of the model
  if (!model.modelSegments.some((id) => sitePolicy.allowed.includes(id))) return 'none';
  const childNeedsParent = isChildBand(ageBandOf(consent)) && !parentalNames(consent, 'analytics');
  // In clear only when the learner's band reaches every segment's minAgeBand: else the id of a segment
  // the learner is too young for would travel as it is. The test reads the consent, never the segment.
  const tooYoungForSome = AGE_RANK[model.modelMinAgeBand ?? 'under13'] > AGE_RANK[ageBandOf(consent)];
  return wholeModelInClear(model, sitePolicy) && !childNeedsParent && !tooYoungForSome ? 'clear' : 'ldp';
}

/** Whether the site policy lists every segment of the model as reportable in clear. */
export function wholeModelInClear(
  model: Pick<ModelContext, 'modelSegments'>,
  sitePolicy: SitePolicy,
): boolean {
  return model.modelSegments.length > 0 && model.modelSegments.every((id) => sitePolicy.clear.includes(id));
}

/** Every segment of a manifest as a SegmentContext; usesEducationRecord derived from the features its model reads. */
export function segmentContexts(manifest: Pick<Manifest, 'features' | 'models'>): SegmentContext[] {
  const educationRecord = new Map(manifest.features.map((f) => [f.name, f.educationRecord]));
  return manifest.models.flatMap((model) => {
    // A feature name the manifest does not define cannot pass manifestIssues; if one slips through,
    // count it as an education record (fail closed).
    const usesEducationRecord = model.features.some((name) => educationRecord.get(name) ?? true);
    const modelSegments = model.segments.map((s) => s.id);
    const modelMinAgeBand = model.segments
      .map((s) => s.minAgeBand)
      .reduce<MinAgeBand>((a, b) => (AGE_RANK[b] > AGE_RANK[a] ? b : a), 'under13');
    return model.segments.map((s) => ({
      id: s.id,
      model: model.id,
      purpose: model.purpose,
      minAgeBand: s.minAgeBand,
      usesEducationRecord,
      modelSegments,
      modelMinAgeBand,
    }));
  });
}
