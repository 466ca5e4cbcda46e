/**
 * The device's own privacy ceilings (PRIVACY.md "Ceilings"): limits no manifest can raise.
 *
 * Contracts:
 * - A manifest is refused when the most one of its reports can spend (eps_s for every model, as if
 *   all were ldp, plus eps_f) is above `maxEpsilonPerReport`, or when the most its rules let a device
 *   spend in any CEILING_WINDOW_DAYS-day window is above `maxEpsilonWindow`. Both are worst cases
 *   over every consent record, so the decision reads the manifest alone, never the learner.
 * - The window bound: in any window of W days, a rule "at most E per rolling windowDays" allows at
 *   most ceil(W / windowDays) * E (the window is covered by that many disjoint rule windows), and
 *   "one report per period" at most (ceil((W - 1) / periodDays) + 1) reports, each at most the
 *   per-report worst case: periods are aligned (periodOf), so W days can touch that many (for
 *   W = 28 and weekly periods, 5: days 6, 7, 14, 21 and 28 lie in five periods). The smaller of the two is what the manifest can make a device spend.
 * - The accountant also checks every spend against the device window itself (spendBudgets), so a
 *   change of manifest between versions can never add up to more than the ceiling either.
 * - Options may only lower the ceilings: a larger value is clamped to the default.
 */
import type { Manifest, Reporting } from '../schema.js';

/** Defaults: at most 8 per report and 32 in any 28-day window. */
export const DEFAULT_MAX_EPSILON_PER_REPORT = 8;
export const DEFAULT_MAX_EPSILON_WINDOW = 32;
export const CEILING_WINDOW_DAYS = 28;

export type Ceilings = { maxEpsilonPerReport: number; maxEpsilonWindow: number };

/** The ceilings in force: the defaults, lowered (never raised) by the options. */
export function deviceCeilings(opts: Partial<Ceilings> = {}): Ceilings {
  const lower = (v: number | undefined, dflt: number): number =>
    v !== undefined && Number.isFinite(v) && v >= 0 ? Math.min(v, dflt) : dflt;
  return {
    maxEpsilonPerReport: lower(opts.maxEpsilonPerReport, DEFAULT_MAX_EPSILON_PER_REPORT),
    maxEpsilonWindow: lower(opts.maxEpsilonWindow, DEFAULT_MAX_EPSILON_WINDOW),
  };
}

/** The most one report under this manifest can spend: eps_s per model plus eps_f. */
export function worstReportEpsilon(m: Pick<Manifest, 'models' | 'reporting'>): number {
  return m.models.length * m.reporting.epsilonSegment + m.reporting.epsilonFeatures;
}

/** The most this manifest's rules let a device spend in any CEILING_WINDOW_DAYS-day window. */
export function worstWindowEpsilon(m: Pick<Manifest, 'models' | 'reporting'>): number {
  const { budget, periodDays } = m.reporting;
  const byBudget = Math.ceil(CEILING_WINDOW_DAYS / budget.windowDays) * budget.maxEpsilon;
  const byPeriods = (Math.ceil((CEILING_WINDOW_DAYS - 1) / periodDays) + 1) * worstReportEpsilon(m);
  return Math.min(byBudget, byPeriods);
}

/** Why a manifest asks for more than the ceilings allow, or null when it does not. */
export function ceilingExcess(m: Pick<Manifest, 'models' | 'reporting'>, ceilings: Ceilings): string | null {
  const perReport = worstReportEpsilon(m);
  if (perReport > ceilings.maxEpsilonPerReport + 1e-9)
    return `a report may spend epsilon ${perReport}, above this device's ceiling of ${ceilings.maxEpsilonPerReport} per report`;
  const window = worstWindowEpsilon(m);
  if (window > ceilings.maxEpsilonWindow + 1e-9)
    return `the budget lets a device spend epsilon ${window} in ${CEILING_WINDOW_DAYS} days, above this device's ceiling of ${ceilings.maxEpsilonWindow}`;
  return null;
}

/** The budgets every spend is checked against: the manifest's, and the device's own window. */
export function spendBudgets(budget: Reporting['budget'], ceilings: Ceilings): Reporting['budget'][] {
  return [budget, { windowDays: CEILING_WINDOW_DAYS, maxEpsilon: ceilings.maxEpsilonWindow }];
}

/**
 * The first day a device may spend again for a site after its store was deleted (forget(), or found
 * gone) with a last spend on day `lastSpend` (null or undefined: none, so no wait): no rolling budget
 * window, the manifest's (`windowDays`) nor the device's own (CEILING_WINDOW_DAYS), can then hold both
 * that spend and a new one. A spend on day d counts in the windows (D - W, D] with D in [d, d + W - 1].
 */
export function quietUntil(lastSpend: number | null | undefined, windowDays: number): number | null {
  if (lastSpend === null || lastSpend === undefined) return null;
  return lastSpend + Math.max(windowDays, CEILING_WINDOW_DAYS);
}
