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
 * - Channel: a segment that is not released is never reported, not even noised (`none`): an ldp
 *   report still tells the collector something about a segment the learner did not allow to be
 *   used. A released segment goes `ldp` when analytics is allowed, and `clear` only where the site
 *   policy lists it in `clear` and, for a child (or unknown age), verified parental consent names
 *   `analytics`; school authorisation alone never sends a child's segment id in clear.
 *
 * Pure: no DOM, no storage, no clock.
 */
import { REASON_CODES } from './schema.js';
import type {
  AgeBand,
  Channel,
  Consent,
  Manifest,
  MinAgeBand,
  Purpose,
  ReasonCode,
  SitePolicy,
} from './schema.js';

export type SegmentContext = {
  id: string;
  model: string;
  purpose: Purpose;
  minAgeBand: MinAgeBand;
  usesEducationRecord: boolean;
};
export type Decision = { release: boolean; channel: Channel; reasons: ReasonCode[] };

/** Source: COMPLIANCE.md rule 9 ordering; `unknown` ranks with `under13` (most protective). */
const AGE_RANK: Record<AgeBand, number> = { unknown: 0, under13: 0, teen: 1, adult: 2 };

const isChildBand = (band: AgeBand): boolean => AGE_RANK[band] === 0;
const isCommercial = (p: Purpose): boolean => p === 'marketing' || p === 'advertising';
const isSchoolPurpose = (p: Purpose): boolean => p === 'instruction' || p === 'analytics';

/** The learner's age band as the rules read it: a record without one is `unknown`. */
function ageBandOf(consent: Consent): AgeBand {
  return consent.ageBand ?? 'unknown';
}

const parentalNames = (c: Consent, p: Purpose): boolean =>
  c.parental?.verified === true && c.parental.purposes.includes(p);

/**
 * The rules that read only the consent record and the purpose (2, 4, 6, 7, 8), in order,
 * each returning its code when it denies.
 */
function purposeDenials(c: Consent, purpose: Purpose): ReasonCode[] {
  const out: ReasonCode[] = [];
  const child = isChildBand(ageBandOf(c));
  if (c.optOut?.includes(purpose)) out.push('opted-out'); // rule 2
  if (c.gpc === true && purpose === 'advertising') out.push('gpc'); // rule 4
  if (child && isCommercial(purpose) && !parentalNames(c, purpose)) out.push('coppa-separate-consent'); // rule 6
  if (child && isSchoolPurpose(purpose) && c.schoolAuthorized !== true && !parentalNames(c, purpose))
    out.push('coppa-parental-consent'); // rule 7
  if (!child) {
    const self = c.self?.purposes.includes(purpose) === true;
    const school = c.schoolAuthorized === true && isSchoolPurpose(purpose);
    if (!self && !school) out.push('no-basis'); // rule 8
  }
  return out;
}

/**
 * Rule precedence as COMPLIANCE.md numbers it, used to merge the purpose and segment rules in order:
 * the schema lists the denial codes in rule order, then 'allowed'.
 */
const RULE_ORDER: readonly ReasonCode[] = REASON_CODES.filter((r) => r !== 'allowed');

/** Whether a purpose itself is allowed for this learner (rules 1, 2, 4, 6, 7, 8 without a segment). */
export function purposeAllowed(
  consent: Consent | null,
  purpose: Purpose,
): { allowed: boolean; reason: ReasonCode } {
  if (consent === null) return { allowed: false, reason: 'no-consent' };
  const first = purposeDenials(consent, purpose)[0];
  return first === undefined ? { allowed: true, reason: 'allowed' } : { allowed: false, reason: first };
}

/** COMPLIANCE.md rules 1-9 in order, then the collector channel; `consent === null` means no record (rule 1). */
export function decide(consent: Consent | null, segment: SegmentContext, sitePolicy: SitePolicy): Decision {
  if (consent === null) return { release: false, channel: 'none', reasons: ['no-consent'] };
  const denials = new Set<ReasonCode>(purposeDenials(consent, segment.purpose));
  if (!sitePolicy.allowed.includes(segment.id)) denials.add('site-not-allowed'); // rule 3
  if (segment.usesEducationRecord && isCommercial(segment.purpose)) denials.add('ferpa-education-record'); // rule 5
  if (AGE_RANK[segment.minAgeBand] > AGE_RANK[ageBandOf(consent)]) denials.add('age'); // rule 9
  if (denials.size > 0)
    return { release: false, channel: 'none', reasons: RULE_ORDER.filter((r) => denials.has(r)) };
  return { release: true, channel: channelOf(consent, segment, sitePolicy), reasons: ['allowed'] };
}

/** The collector channel of a released segment (COMPLIANCE.md "Channel to the collector"). */
function channelOf(consent: Consent, segment: SegmentContext, sitePolicy: SitePolicy): Channel {
  if (!purposeAllowed(consent, 'analytics').allowed) return 'none';
  const childNeedsParent = isChildBand(ageBandOf(consent)) && !parentalNames(consent, 'analytics');
  return sitePolicy.clear.includes(segment.id) && !childNeedsParent ? 'clear' : 'ldp';
}

/** Every segment of a manifest as a SegmentContext; usesEducationRecord derived from the features its model reads. */
export function segmentContexts(manifest: Pick<Manifest, 'features' | 'models'>): SegmentContext[] {
  const educationRecord = new Map(manifest.features.map((f) => [f.name, f.educationRecord]));
  return manifest.models.flatMap((model) => {
    // A feature name the manifest does not define cannot pass manifestIssues; if one slips through,
    // count it as an education record (fail closed).
    const usesEducationRecord = model.features.some((name) => educationRecord.get(name) ?? true);
    return model.segments.map((s) => ({
      id: s.id,
      model: model.id,
      purpose: model.purpose,
      minAgeBand: s.minAgeBand,
      usesEducationRecord,
    }));
  });
}
