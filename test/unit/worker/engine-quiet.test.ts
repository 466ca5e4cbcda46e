/**
 * A store that disappears must not let the device spend more than a budget window allows (issue 17
 * point 4, issue 19 point 7). forget() keeps, beside the rollback floor, the day of the last spend; a
 * store found gone while the floor remembers the site counts today as that day. Until no window can
 * hold both that spend and a new one, the device does not report for the site, and explain() says
 * until when. On fake-indexeddb, every engine a new "page" (its own floor in memory).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { Engine } from '../../../worker/engine.js';
import { CEILING_WINDOW_DAYS } from '../../../src/core/privacy/ceilings.js';
import { dayOf, type ConsentInput } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY } from '../../fixtures/manifest.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };
/** the test manifest's budget window (28 days) and the device's own (28): the larger one */
const W = CEILING_WINDOW_DAYS;
const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** A new page of this test's site: an engine with consent and a few events. */
async function page(): Promise<Engine> {
  const e = new Engine(h.deps());
  await h.start(e, `site-${h.site}`);
  await e.setConsent(adult);
  await e.ingest(h.lessons(9));
  return e;
}

/** Moves the clock by `days` and has the server sign a manifest valid then. */
async function later(days: number): Promise<void> {
  h.clock += days * DAY;
  await h.resign();
}

describe('a store that disappears spends nothing more inside the window', () => {
  it('forget() then consent again: no second report in the period nor the window; one again after it', async () => {
    const first = await page();
    expect(await first.flush()).toEqual({ sent: 1, pending: 0 });
    const spentOn = dayOf(h.clock);
    expect((await first.explain()).budget.quietUntil).toBeUndefined();
    await first.forget();

    const again = await page();
    expect(await again.flush()).toEqual({ sent: 0, pending: 0 });
    expect(h.net.posts).toHaveLength(1);
    const ex = await again.explain();
    expect(ex.budget.quietUntil).toBe(isoDay(spentOn + W));
    expect(ex.budget.spent).toBe(0);
    await again.close();

    // The next period, still inside the window: nothing.
    await later(7);
    const nextPeriod = await page();
    expect(await nextPeriod.flush()).toEqual({ sent: 0, pending: 0 });
    await nextPeriod.close();
    // The last day of the window: nothing; the day after it: a report.
    await later(W - 7 - 1);
    const lastDay = await page();
    expect(await lastDay.flush()).toEqual({ sent: 0, pending: 0 });
    await lastDay.close();
    await later(1);
    const after = await page();
    expect((await after.explain()).budget.quietUntil).toBeUndefined();
    expect(await after.flush()).toEqual({ sent: 1, pending: 0 });
    expect(h.net.posts).toHaveLength(2);
    await after.close();
  });

  it('forget() with nothing spent: reporting starts again at once', async () => {
    const first = await page();
    await first.forget();
    const again = await page();
    expect((await again.explain()).budget.quietUntil).toBeUndefined();
    expect(await again.flush()).toEqual({ sent: 1, pending: 0 });
    await again.close();
  });

  it('forgetting twice in the window does not move the date earlier, nor later', async () => {
    const first = await page();
    await first.flush();
    const spentOn = dayOf(h.clock);
    await first.forget();
    await later(3);
    const second = await page();
    await second.forget();
    const third = await page();
    expect((await third.explain()).budget.quietUntil).toBe(isoDay(spentOn + W));
    expect(await third.flush()).toEqual({ sent: 0, pending: 0 });
    await third.close();
  });

  it("the learner's database wiped while the floor remembers the site: quiet for a window from the day it is found gone", async () => {
    const first = await page();
    expect(await first.flush()).toEqual({ sent: 1, pending: 0 });
    await first.close();
    await later(2);
    await deleteDB(`edseg:site-${h.site}`); // as a browser's storage clean-up, not forget()
    const again = await page();
    expect(await again.flush()).toEqual({ sent: 0, pending: 0 });
    expect((await again.explain()).budget.quietUntil).toBe(isoDay(dayOf(h.clock) + W));
    await again.close();
  });

  it('the floor keeps the day and nothing else about the learner', async () => {
    const first = await page();
    await first.flush();
    await first.forget();
    const db = await openDB('edseg-floor');
    const record = (await db.get('floor', `site-${h.site}`)) as Record<string, unknown>;
    db.close();
    expect(record).toEqual({ site: `site-${h.site}`, version: 1, lastSpend: dayOf(h.clock) });
  });
});
