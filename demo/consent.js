// Lingua Kids: the consent dialog ("Your privacy choices"). It fills the form from the stored
// consent record, turns the form into a ConsentInput for setConsent, withdraws consent, and opens
// itself on a first visit until a consent record exists.

import { PURPOSES } from './words.js';
import {
  byId,
  byTestId,
  describeError,
  isReal,
  on,
  scheduleRefresh,
  setStatus,
  showError,
} from './shared.js';

const dialog = () => /** @type {HTMLDialogElement} */ (byId('consent-dialog'));
const input = (testid) => /** @type {HTMLInputElement} */ (byTestId(testid));
const isChildBand = (band) => band === 'under13' || band === 'unknown';

/**
 * Only what applies to the age band is shown (src/core/consent-rules.ts): under 13 or of unknown age,
 * parental consent (COMPLIANCE.md rules 6, 7) and never the learner's own; from 13, the learner's own
 * consent (rule 8) and never the parent's. School authorisation and the opt-outs apply to every band.
 */
function syncAgeSections() {
  const child = isChildBand(input('consent-age').value);
  byId('parental-fieldset').hidden = !child;
  byId('self-fieldset').hidden = child;
}

/** Whether a stored record grants anything that withdrawing would take back. */
function hasConsentToWithdraw(c) {
  if (!c) return false;
  const parental = c.parental?.verified === true || (c.parental?.purposes?.length ?? 0) > 0;
  return c.schoolAuthorized === true || parental || (c.self?.purposes?.length ?? 0) > 0;
}

/** Fills the form from a stored consent record (or clears it for none). */
function fillConsentForm(c) {
  const record = c || {};
  input('consent-age').value = record.ageBand || 'unknown';
  input('consent-school').checked = record.schoolAuthorized === true;
  input('consent-parental-verified').checked = record.parental?.verified === true;
  input('consent-parental-method').value = record.parental?.method || '';
  for (const p of PURPOSES) {
    input(`consent-parental-${p}`).checked = !!record.parental?.purposes?.includes(p);
    input(`consent-thirdparty-${p}`).checked = !!record.parental?.thirdParty?.includes(p);
    input(`consent-self-${p}`).checked = !!record.self?.purposes?.includes(p);
    input(`consent-optout-${p}`).checked = !!record.optOut?.includes(p);
  }
  byId('consent-error').textContent = '';
  byTestId('consent-withdraw').hidden = !hasConsentToWithdraw(c);
  syncAgeSections();
}

const checkedPurposes = (kind) => PURPOSES.filter((p) => input(`consent-${kind}-${p}`).checked);

/** The ConsentInput the form describes; empty parts are left out rather than sent empty. */
function consentFromForm() {
  const now = new Date().toISOString();
  const ageBand = input('consent-age').value;
  const record = { ageBand, schoolAuthorized: input('consent-school').checked };
  const verified = input('consent-parental-verified').checked;
  const method = input('consent-parental-method').value.trim();
  const parentalPurposes = checkedPurposes('parental');
  // COPPA as amended in 2025: disclosure to third parties (the site's other tools) is a separate consent.
  const thirdParty = checkedPurposes('thirdparty');
  const parentalGiven = verified || method || parentalPurposes.length > 0 || thirdParty.length > 0;
  // Like the learner's own choice from 13, a parent's only counts for a child (hidden otherwise).
  if (isChildBand(ageBand) && parentalGiven) {
    record.parental = { verified, purposes: parentalPurposes, at: now };
    if (method) record.parental.method = method;
    if (thirdParty.length > 0) record.parental.thirdParty = thirdParty;
  }
  const selfPurposes = checkedPurposes('self');
  if (!isChildBand(ageBand) && selfPurposes.length > 0) record.self = { purposes: selfPurposes, at: now };
  const optOut = checkedPurposes('optout');
  if (optOut.length > 0) record.optOut = optOut;
  return record;
}

async function openConsent() {
  let current = null;
  if (isReal()) {
    try {
      current = (await window.edseg.explain()).consent;
    } catch {
      /* the form starts empty */
    }
  }
  fillConsentForm(current);
  if (!dialog().open) dialog().showModal();
}

async function applyConsent(record, done) {
  const err = byId('consent-error');
  err.textContent = '';
  try {
    await window.edseg.setConsent(record);
    if (dialog().open) dialog().close();
    setStatus(done, 'ok');
  } catch (e) {
    err.textContent = describeError(e);
    showError(e);
  }
  scheduleRefresh(0);
}

function saveConsent(ev) {
  ev.preventDefault();
  void applyConsent(consentFromForm(), 'Your privacy choices are saved.');
}

/**
 * Withdrawal keeps a consent record (so the choice itself is remembered and the device stops at
 * once) with the same age band, no basis at all, and every purpose opted out: nothing is released
 * or reported from then on, and reports not yet sent are dropped. To erase the data too, use
 * "Delete everything on this device".
 */
function withdrawConsent() {
  const record = { ageBand: input('consent-age').value || 'unknown', optOut: [...PURPOSES] };
  fillConsentForm(record);
  void applyConsent(record, 'Consent withdrawn: nothing is shared or sent any more.');
}

/** True while the consent dialog is open because this is a first visit (no consent record yet). */
let firstVisitPrompt = false;

/** Opens the dialog with an empty form on a first visit: `consent` (from explain()) is null, no record yet. */
export function promptFirstVisit(consent) {
  if (consent !== null || dialog().open) return;
  fillConsentForm(null);
  firstVisitPrompt = true;
  dialog().showModal();
}

/** Closes the first-visit prompt once a consent record exists (from this tab, another, or the host page). */
export function closeFirstVisitPrompt(consent) {
  if (firstVisitPrompt && consent !== null) dialog().close();
}

const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab and Shift+Tab inside the open dialog: from its last control to its first and back (a
 * modal <dialog> makes the page behind it inert, but Chromium still tabs out of it to the browser's
 * own controls). Only controls on screen count: the age band hides a fieldset.
 */
function keepFocusInside(ev) {
  if (ev.key !== 'Tab') return;
  const stops = [...dialog().querySelectorAll(FOCUSABLE)].filter(
    (el) => !el.disabled && el.getClientRects().length > 0,
  );
  if (stops.length === 0) return;
  const [first, last] = [stops[0], stops[stops.length - 1]];
  if (ev.shiftKey && document.activeElement === first) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && document.activeElement === last) {
    ev.preventDefault();
    first.focus();
  }
}

/** Wires the dialog: open, cancel, withdraw, the age band, keeping focus inside, and saving the form. */
export function wireConsent() {
  dialog().addEventListener('keydown', keepFocusInside);
  on('consent-open', () => {
    void openConsent();
  });
  on('consent-cancel', () => dialog().close());
  dialog().addEventListener('close', () => {
    firstVisitPrompt = false;
  });
  on('consent-withdraw', withdrawConsent);
  byTestId('consent-age').addEventListener('change', syncAgeSections);
  byId('consent-form').addEventListener('submit', saveConsent);
}
