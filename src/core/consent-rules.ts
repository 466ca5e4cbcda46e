/**
 * The rules of COMPLIANCE.md that read only the consent record and a purpose (2, 4, 6, 7, 8), the age
 * ordering, and the rule of disclosure to third parties: the part of the policy (policy.ts) that
 * edseg/activate applies on the main thread. Imports types only, so no zod reaches that bundle.
 * Pure: no DOM, no storage, no clock.
 */
import type { AgeBand, Consent, Purpose, ReasonCode } from './schema.js';

/** Source: COMPLIANCE.md rule 9 ordering; `unknown` ranks with `under13` (most protective). */
export const AGE_RANK: Record<AgeBand, number> = { unknown: 0, under13: 0, teen: 1, adult: 2 };

export const isChildBand = (band: AgeBand): boolean => AGE_RANK[band] === 0;
export const isCommercial = (p: Purpose): boolean => p === 'marketing' || p === 'advertising';
const isSchoolPurpose = (p: Purpose): boolean => p === 'instruction' || p === 'analytics';

/** The learner's age band as the rules read it: a record without one is `unknown`. */
export function ageBandOf(consent: Consent): AgeBand {
  return consent.ageBand ?? 'unknown';
}

export const parentalNames = (c: Consent, p: Purpose): boolean =>
  c.parental?.verified === true && c.parental.purposes.includes(p);

/**
 * The rules that read only the consent record and the purpose (2, 4, 6, 7, 8), in order,
 * each returning its code when it denies.
 */
export function purposeDenials(c: Consent, purpose: Purpose): ReasonCode[] {
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

/** Whether a purpose itself is allowed for this learner (rules 1, 2, 4, 6, 7, 8 without a segment). */
export function purposeAllowed(
  consent: Consent | null,
  purpose: Purpose,
): { allowed: boolean; reason: ReasonCode } {
  if (consent === null) return { allowed: false, reason: 'no-consent' };
  const first = purposeDenials(consent, purpose)[0];
  return first === undefined ? { allowed: true, reason: 'allowed' } : { allowed: false, reason: first };
}

/**
 * COMPLIANCE.md "Disclosure to third parties": may a released segment of this purpose reach a tool of
 * the page (edseg/activate's destinations)? Only when the purpose itself is allowed, and, under 13 or
 * of unknown age, only when verified parental consent names the purpose in `thirdParty` (COPPA as
 * amended 2025 asks a separate consent for disclosure to third parties; school authorisation is never
 * one). For a teen or an adult the release decision is the whole answer.
 */
export function thirdPartyAllowed(consent: Consent | null, purpose: Purpose): boolean {
  if (consent === null || !purposeAllowed(consent, purpose).allowed) return false;
  if (!isChildBand(ageBandOf(consent))) return true;
  return consent.parental?.verified === true && consent.parental.thirdParty?.includes(purpose) === true;
}
