/**
 * The privacy budget's rules (PRIVACY.md "Budget"), pure so the worker can run them inside one
 * IndexedDB transaction under a Web Lock: read the spends, canSpend, append, commit.
 *
 * Contracts:
 * - At most one report per period per site (any epsilon, including 0: clear-only reports too).
 * - For every rolling window (D - windowDays, D], the epsilon spent there stays <= maxEpsilon.
 *   canSpend checks the sum over every spend after day - windowDays, including any recorded on a
 *   LATER day than `day` (which only happens when the device clock went back). Every window that
 *   contains `day` lies inside (day - windowDays, infinity), so counting them keeps every window
 *   under the cap whatever order the requests arrive in; without them, a spend on day 5 followed
 *   by one on day 4 could overfill the window ending on day 5.
 * - Sums compare with a 1e-9 tolerance so that, say, ten spends of 0.1 fit a cap of 1.
 */
import type { BudgetSpend, Reporting } from '../schema.js';
import { EdsegError } from '../errors.js';

const TOLERANCE = 1e-9;

/** Epsilon and reports of `site` recorded on days in (from, to]. */
function sumSpends(
  spends: readonly BudgetSpend[],
  site: string,
  from: number,
  to: number,
): { spent: number; reports: number } {
  let spent = 0;
  let reports = 0;
  for (const s of spends) {
    if (s.site === site && s.day > from && s.day <= to) {
      spent += s.epsilon;
      reports++;
    }
  }
  return { spent, reports };
}

/** Epsilon spent and reports sent for `site` in the window (day - windowDays, day]. */
export function spentInWindow(
  spends: readonly BudgetSpend[],
  site: string,
  day: number,
  windowDays: number,
): { spent: number; reports: number } {
  return sumSpends(spends, site, day - windowDays, day);
}

/**
 * The budget a new spend on `day` is checked against: the window plus any spend dated later (a clock
 * that went back). What canSpend counts, and what explain() shows, so the two never disagree.
 */
export function budgetInUse(
  spends: readonly BudgetSpend[],
  site: string,
  day: number,
  windowDays: number,
): { spent: number; reports: number } {
  return sumSpends(spends, site, day - windowDays, Infinity);
}

/**
 * Why a spend is refused: `period-used` (this period already has a report), `nothing-to-spend`
 * (the window's budget is used up and the request costs epsilon > 0), `over-budget` (some budget is
 * left but not enough for this request). `spent` is what the decision counted, `cap` the maximum.
 */
export type SpendDecision =
  | { ok: true }
  | { ok: false; reason: 'period-used' | 'over-budget' | 'nothing-to-spend'; spent: number; cap: number };

/**
 * Whether a report of `epsilon` for (site, period) on `day` may be sent given earlier spends: under
 * every budget given (the manifest's, and the device's own ceiling window), the first refusal decides.
 */
export function canSpend(
  spends: readonly BudgetSpend[],
  req: { site: string; day: number; period: number; epsilon: number },
  budgets: Reporting['budget'] | readonly Reporting['budget'][],
): SpendDecision {
  if (!(Number.isFinite(req.epsilon) && req.epsilon >= 0))
    throw new EdsegError(
      'invalid-input',
      `edseg: epsilon must be a finite number >= 0, got ${req.epsilon}`,
      'epsilon',
    );
  for (const budget of Array.isArray(budgets) ? budgets : [budgets]) {
    const d = canSpendUnder(spends, req, budget);
    if (!d.ok) return d;
  }
  return { ok: true };
}

/** canSpend under one budget. */
function canSpendUnder(
  spends: readonly BudgetSpend[],
  req: { site: string; day: number; period: number; epsilon: number },
  budget: Reporting['budget'],
): SpendDecision {
  const cap = budget.maxEpsilon;
  const { spent } = budgetInUse(spends, req.site, req.day, budget.windowDays);
  const periodUsed = spends.some((s) => s.site === req.site && s.period === req.period);
  if (periodUsed) return { ok: false, reason: 'period-used', spent, cap };
  if (req.epsilon > 0 && spent >= cap - TOLERANCE)
    return { ok: false, reason: 'nothing-to-spend', spent, cap };
  if (spent + req.epsilon > cap + TOLERANCE) return { ok: false, reason: 'over-budget', spent, cap };
  return { ok: true };
}
