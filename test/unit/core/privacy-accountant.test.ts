import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetInUse, canSpend, spentInWindow } from '../../../src/core/privacy/accountant.js';
import { deviceCeilings, spendBudgets } from '../../../src/core/privacy/ceilings.js';
import type { BudgetSpend } from '../../../src/core/schema.js';
import { periodOf } from '../../../src/core/schema.js';
import { EdsegError } from '../../../src/core/errors.js';

const spend = (day: number, epsilon: number, over: Partial<BudgetSpend> = {}): BudgetSpend => ({
  reportId: `r${day}-${epsilon}`,
  site: 's',
  period: day,
  day,
  epsilon,
  ...over,
});
const budget = { windowDays: 30, maxEpsilon: 4 };

describe('spentInWindow', () => {
  it('counts spends in (day - windowDays, day] and nothing else', () => {
    const spends = [spend(70, 1), spend(71, 2), spend(100, 4), spend(101, 8)];
    expect(spentInWindow(spends, 's', 100, 30)).toEqual({ spent: 6, reports: 2 });
  });

  it('drops a spend on the day it falls out of the window', () => {
    expect(spentInWindow([spend(70, 1)], 's', 99, 30).spent).toBe(1);
    expect(spentInWindow([spend(70, 1)], 's', 100, 30).spent).toBe(0);
  });

  it('counts only the given site', () => {
    expect(spentInWindow([spend(100, 1), spend(100, 2, { site: 't' })], 's', 100, 30)).toEqual({
      spent: 1,
      reports: 1,
    });
  });

  it('with a window of one day counts only that day', () => {
    expect(spentInWindow([spend(99, 1), spend(100, 2)], 's', 100, 1).spent).toBe(2);
  });
});

describe('budgetInUse', () => {
  it('counts what canSpend counts, a spend dated after a clock rollback included', () => {
    const spends = [spend(105, 3)];
    expect(budgetInUse(spends, 's', 100, 30)).toEqual({ spent: 3, reports: 1 });
    expect(spentInWindow(spends, 's', 100, 30).spent).toBe(0);
    expect(canSpend(spends, { site: 's', day: 100, period: 100, epsilon: 2 }, budget)).toEqual({
      ok: false,
      reason: 'over-budget',
      spent: 3,
      cap: 4,
    });
  });
});

describe('canSpend', () => {
  it("checks every budget it is given: the device's own 28-day ceiling holds across manifests", () => {
    // The current manifest allows 8 per 7 days; 32 were spent in the last 28 days (partly under an
    // earlier manifest), so the device's own window refuses more, though the manifest's would not.
    const manifestBudget = { windowDays: 7, maxEpsilon: 8 };
    const spends = [spend(76, 8), spend(82, 8), spend(89, 8), spend(96, 8)];
    const budgets = spendBudgets(manifestBudget, deviceCeilings());
    expect(canSpend(spends, req(103, 4), manifestBudget)).toEqual({ ok: true });
    expect(canSpend(spends, req(103, 4), budgets)).toMatchObject({
      ok: false,
      reason: 'nothing-to-spend',
      cap: 32,
    });
    expect(canSpend(spends, req(104, 4), budgets)).toEqual({ ok: true });
  });
  const req = (day: number, epsilon: number, period = day) => ({ site: 's', day, period, epsilon });

  it('allows a first report within the cap', () => {
    expect(canSpend([], req(100, 4), budget)).toEqual({ ok: true });
  });

  it('refuses a second report in the same period, even one that costs nothing', () => {
    expect(canSpend([spend(100, 1)], req(100, 0), budget)).toEqual({
      ok: false,
      reason: 'period-used',
      spent: 1,
      cap: 4,
    });
  });

  it('refuses a report that would take the window over the cap', () => {
    expect(canSpend([spend(90, 3)], req(100, 1.5), budget)).toEqual({
      ok: false,
      reason: 'over-budget',
      spent: 3,
      cap: 4,
    });
  });

  it('says nothing is left to spend when the window is at the cap', () => {
    expect(canSpend([spend(90, 4)], req(100, 1), budget)).toEqual({
      ok: false,
      reason: 'nothing-to-spend',
      spent: 4,
      cap: 4,
    });
  });

  it('still allows a report that costs 0 epsilon when the budget is used up', () => {
    expect(canSpend([spend(90, 4)], req(100, 0), budget)).toEqual({ ok: true });
  });

  it('allows spending again once the old spends leave the window', () => {
    expect(canSpend([spend(70, 4)], req(100, 4), budget)).toEqual({ ok: true });
    expect(canSpend([spend(71, 4)], req(100, 4), budget)).toMatchObject({
      ok: false,
      reason: 'nothing-to-spend',
    });
  });

  it('counts a spend recorded on a later day (the clock went back)', () => {
    expect(canSpend([spend(110, 3)], req(100, 2), budget)).toMatchObject({
      ok: false,
      reason: 'over-budget',
      spent: 3,
    });
  });

  it('ignores other sites', () => {
    expect(canSpend([spend(100, 4, { site: 't' })], req(100, 4), budget)).toEqual({ ok: true });
  });

  it('fits ten spends of 0.1 into a cap of 1 despite rounding', () => {
    const spends = Array.from({ length: 9 }, (_, i) => spend(i, 0.1));
    expect(canSpend(spends, req(9, 0.1), { windowDays: 30, maxEpsilon: 1 })).toEqual({ ok: true });
  });

  it('throws an EdsegError naming epsilon for a negative or non-finite epsilon', () => {
    for (const epsilon of [-1, Number.NaN, Infinity]) {
      expect(() => canSpend([], req(1, epsilon), budget)).toThrow(EdsegError);
      try {
        canSpend([], req(1, epsilon), budget);
      } catch (e) {
        expect((e as EdsegError).field).toBe('epsilon');
      }
    }
  });
});

describe('canSpend under arbitrary interleavings (property)', () => {
  const request = fc.record({
    site: fc.constantFrom('a', 'b'),
    day: fc.integer({ min: 0, max: 60 }),
    epsilon: fc.oneof(
      fc.constant(0),
      fc.constantFrom(0.1, 0.5, 1, 2),
      fc.double({ min: 0, max: 3, noNaN: true }),
    ),
  });
  const scenario = fc.record({
    windowDays: fc.integer({ min: 1, max: 20 }),
    periodDays: fc.integer({ min: 1, max: 7 }),
    maxEpsilon: fc.double({ min: 0.1, max: 6, noNaN: true }),
    // each tab's own queue of requests; `order` says which tab moves next
    tabs: fc.array(fc.array(request, { maxLength: 25 }), { minLength: 1, maxLength: 4 }),
    order: fc.array(fc.nat(), { maxLength: 100 }),
  });

  it('never lets any rolling window exceed the cap nor any period hold two reports, and refuses only for those reasons', () => {
    fc.assert(
      fc.property(scenario, ({ windowDays, periodDays, maxEpsilon, tabs, order }) => {
        const b = { windowDays, maxEpsilon };
        const spends: BudgetSpend[] = [];
        const queues = tabs.map((t) => [...t]);
        const apply = (r: { site: string; day: number; epsilon: number }) => {
          const period = periodOf(r.day, periodDays);
          const decision = canSpend(spends, { ...r, period }, b);
          if (decision.ok) {
            spends.push({
              reportId: String(spends.length),
              site: r.site,
              day: r.day,
              period,
              epsilon: r.epsilon,
            });
            return;
          }
          // A refusal must be justified: the period is taken, or what counts plus this request passes the cap.
          const mine = spends.filter((s) => s.site === r.site);
          if (decision.reason === 'period-used') expect(mine.some((s) => s.period === period)).toBe(true);
          else {
            expect(mine.some((s) => s.period === period)).toBe(false);
            expect(decision.spent).toBeCloseTo(
              mine.filter((s) => s.day > r.day - windowDays).reduce((t, s) => t + s.epsilon, 0),
              9,
            );
            expect(decision.spent + r.epsilon).toBeGreaterThan(maxEpsilon - 1e-9);
          }
        };
        for (const pick of order) {
          const queue = queues[pick % queues.length] as (typeof queues)[number];
          const next = queue.shift();
          if (next) apply(next);
        }
        for (const queue of queues) for (const r of queue) apply(r);

        for (const site of ['a', 'b']) {
          for (let day = 0; day <= 60 + windowDays; day++) {
            expect(spentInWindow(spends, site, day, windowDays).spent).toBeLessThanOrEqual(maxEpsilon + 1e-9);
          }
          const periods = spends.filter((s) => s.site === site).map((s) => s.period);
          expect(new Set(periods).size).toBe(periods.length);
        }
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
