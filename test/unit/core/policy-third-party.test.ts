/** COMPLIANCE.md "Disclosure to third parties": thirdPartyAllowed, the rule edseg/activate applies. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { consentArb } from '../../fixtures/arbitraries.js';
import { purposeAllowed, thirdPartyAllowed } from '../../../src/core/policy.js';
import { PURPOSES, type AgeBand, type Consent } from '../../../src/core/schema.js';

const CHILD: AgeBand[] = ['under13', 'unknown'];
const OLDER: AgeBand[] = ['teen', 'adult'];

describe('thirdPartyAllowed', () => {
  it('refuses without a consent record', () => {
    for (const p of PURPOSES) expect(thirdPartyAllowed(null, p)).toBe(false);
  });

  it('under 13 or unknown age: verified parental consent must name the purpose in thirdParty', () => {
    for (const ageBand of CHILD)
      for (const p of PURPOSES) {
        const parental = { verified: true, purposes: [...PURPOSES] };
        // Released to the page, but no separate consent to disclose: nothing reaches a tool.
        const released: Consent = { ageBand, schoolAuthorized: true, parental };
        expect(purposeAllowed(released, p).allowed).toBe(true);
        expect(thirdPartyAllowed(released, p)).toBe(false);
        const other = PURPOSES.filter((q) => q !== p);
        expect(thirdPartyAllowed({ ageBand, parental: { ...parental, thirdParty: other } }, p)).toBe(false);
        expect(thirdPartyAllowed({ ageBand, parental: { ...parental, thirdParty: [p] } }, p)).toBe(true);
        // Unverified parental consent is no consent.
        const unverified = { ageBand, parental: { ...parental, verified: false, thirdParty: [p] } };
        expect(thirdPartyAllowed(unverified, p)).toBe(false);
      }
  });

  it('a record without an age band is a child', () => {
    const c: Consent = { schoolAuthorized: true, self: { purposes: [...PURPOSES] } };
    expect(thirdPartyAllowed(c, 'instruction')).toBe(false);
  });

  it('teen or adult: the purpose allowed is the whole answer', () => {
    for (const ageBand of OLDER)
      for (const p of PURPOSES) {
        expect(thirdPartyAllowed({ ageBand, self: { purposes: [p] } }, p)).toBe(true);
        expect(thirdPartyAllowed({ ageBand, self: { purposes: [p] }, optOut: [p] }, p)).toBe(false);
      }
  });

  it('never allows a purpose the consent does not allow, whatever the record', () => {
    fc.assert(
      fc.property(consentArb, fc.constantFrom(...PURPOSES), (c, p) => {
        if (thirdPartyAllowed(c, p)) expect(purposeAllowed(c, p).allowed).toBe(true);
        const child = c.ageBand === undefined || CHILD.includes(c.ageBand);
        if (child && thirdPartyAllowed(c, p)) expect(c.parental?.thirdParty).toContain(p);
      }),
    );
  });
});
