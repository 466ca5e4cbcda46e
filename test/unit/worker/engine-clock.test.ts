import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import { dayOf, type ConsentInput, type Explanation } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, ORIGIN, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const consent: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };

// Daily periods, so a clock moved by days crosses periods while the manifest (valid 6 more days) holds.
beforeEach(async () => {
  const base = testManifest({ site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock);
  h.net.manifest = await h.key.sign({ ...base, reporting: { ...base.reporting, periodDays: 1 } });
});

async function reporting() {
  const e = new Engine(h.deps());
  await h.start(e, `site-${h.site}`);
  await e.setConsent(consent);
  await e.ingest(h.lessons(9));
  return e;
}

/** No count, window or budget figure of explain() is negative or not finite. */
function expectSane(ex: Explanation): void {
  const { budget, stored } = ex;
  for (const v of [budget.spent, budget.cap, budget.reportsInWindow, budget.windowDays, stored.rollups])
    expect(Number.isFinite(v) && v >= 0, `figure ${v}`).toBe(true);
  for (const n of Object.values(stored.events)) expect(n).toBeGreaterThanOrEqual(0);
}

describe('clock faults', () => {
  it('moved back by days after a report: no crash, no second report, the budget window counts the later spend', async () => {
    const e = await reporting();
    expect((await e.flush()).sent).toBe(1);
    const spentBefore = (await e.explain()).budget.spent;
    h.clock -= 3 * DAY; // three earlier periods, none of them reported
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    const ex = await e.explain();
    expectSane(ex);
    expect(ex.budget.reportsInWindow).toBe(1);
    expect(ex.budget.spent).toBe(spentBefore);
    expect(ex.budget.lastPeriod).toBe(dayOf(h.clock + 3 * DAY));
    // The manifest adopted stays adopted (its JWS unchanged): segments are still released.
    expect(await e.segments()).toHaveLength(1);
    expect(h.net.posts).toHaveLength(1);
    await e.close();
  });

  it('moved forward by days, then back: the periods in between are never reported afterwards', async () => {
    const e = await reporting();
    expect((await e.flush()).sent).toBe(1);
    h.clock += 2 * DAY;
    expect((await e.flush()).sent).toBe(1); // a new period
    h.clock -= DAY; // set right: the day between was passed over
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    h.clock += DAY;
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 }); // that period was reported already
    const periods = (await e.exportData()).budget.map((b) => b.period);
    expect(new Set(periods).size).toBe(periods.length);
    expectSane(await e.explain());
    await e.close();
  });

  it('moved forward past the manifest expiry: stops releasing and reporting, and recovers when set right', async () => {
    const e = await reporting();
    expect((await e.segments()).map((s) => s.id)).toEqual(['busy']);
    h.clock += 10 * DAY;
    expect(await e.segments()).toEqual([]);
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    const ex = await e.explain();
    expect(ex.blocked).toBe('manifest-expired');
    expectSane(ex);
    h.clock -= 10 * DAY;
    // The next load (a retry, or a new page) adopts the server's manifest again.
    const again = new Engine(h.deps());
    await h.start(again, `site-${h.site}`);
    expect((await again.segments()).map((s) => s.id)).toEqual(['busy']);
    await e.close();
    await again.close();
  });

  it('moved back by days while a report waits out its backoff: it is tried at once, not days later', async () => {
    h.net.collectorStatus = 503;
    const e = await reporting();
    expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
    h.net.collectorStatus = 202;
    h.clock -= 2 * DAY;
    expect(await e.flush()).toEqual({ sent: 1, pending: 0 });
    await e.close();
  });
});
