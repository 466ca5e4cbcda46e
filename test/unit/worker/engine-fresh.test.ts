/**
 * A full wipe (issue 17 point 4: Safari deletes every database of a site after 7 days without a
 * visit, the floor's included) leaves a device that cannot tell itself from a new one. Under the
 * manifest's `reporting.budget.freshStore: 'wait'`, a store created with nothing known of the site
 * reports only once a full window (the larger of the manifest's and the device's own) has passed
 * since its creation; under 'report', or without the field, it reports at once, as a new device.
 * On fake-indexeddb, every engine a new "page" (its own floor in memory).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import { Engine } from '../../../worker/engine.js';
import { CEILING_WINDOW_DAYS } from '../../../src/core/privacy/ceilings.js';
import { dayOf, type ConsentInput, type Reporting } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };
const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
type Fresh = Reporting['budget']['freshStore'];

/** The test manifest's reporting with `freshStore` (undefined: absent) and a budget window of `windowDays`. */
function reporting(freshStore: Fresh, windowDays = 28): Reporting {
  const base = testManifest({}, h.clock).reporting;
  const budget = { ...base.budget, windowDays, ...(freshStore ? { freshStore } : {}) };
  return { ...base, budget };
}

/** Moves the clock by `days` and has the server sign a manifest valid then, with this reporting. */
async function later(days: number, r: Reporting): Promise<void> {
  h.clock += days * DAY;
  await h.resign({ reporting: r });
}

/** A new page of this test's site: an engine with consent and a few events. */
async function page(): Promise<Engine> {
  const e = new Engine(h.deps());
  await h.start(e, `site-${h.site}`);
  await e.setConsent(adult);
  await e.ingest(h.lessons(9));
  return e;
}

/** What Safari's 7-day rule does: both databases of the site gone, the learner's and the floor. */
async function wipeAll(): Promise<void> {
  await deleteDB(`edseg:site-${h.site}`);
  await deleteDB('edseg-floor');
}

/** Flushes a new page and closes it: what it sent and had pending, and explain()'s quietUntil. */
async function visit(): Promise<{ flushed: { sent: number; pending: number }; quietUntil?: string }> {
  const e = await page();
  const flushed = await e.flush();
  const { quietUntil } = (await e.explain()).budget;
  await e.close();
  return { flushed, ...(quietUntil ? { quietUntil } : {}) };
}

const none = { sent: 0, pending: 0 };
const one = { sent: 1, pending: 0 };

describe("freshStore 'wait': a store created knowing nothing of the site waits a full window", () => {
  it('a full wipe after a report: no report until its creation + the window, then one', async () => {
    const wait = reporting('wait');
    await later(0, wait);
    await wipeAll(); // a clean slate for this test: no floor left by an earlier one
    const createdOn = dayOf(h.clock);
    // A new device: quiet for a window from its first store.
    expect(await visit()).toEqual({ flushed: none, quietUntil: isoDay(createdOn + CEILING_WINDOW_DAYS) });
    await later(CEILING_WINDOW_DAYS, wait);
    expect(await visit()).toEqual({ flushed: one });
    expect(h.net.posts).toHaveLength(1);

    // Two days later the browser deletes everything; the next visit consents again.
    await later(2, wait);
    await wipeAll();
    const recreatedOn = dayOf(h.clock);
    const until = isoDay(recreatedOn + CEILING_WINDOW_DAYS);
    expect(await visit()).toEqual({ flushed: none, quietUntil: until });
    // Inside the window, a later period: nothing. Its last day: nothing. The day after: one report.
    await later(7, wait);
    expect(await visit()).toEqual({ flushed: none, quietUntil: until });
    await later(CEILING_WINDOW_DAYS - 7 - 1, wait);
    expect(await visit()).toEqual({ flushed: none, quietUntil: until });
    await later(1, wait);
    expect(await visit()).toEqual({ flushed: one });
    expect(h.net.posts).toHaveLength(2);
  });

  it("waits the manifest's window where it is longer than the device's own", async () => {
    const wait = reporting('wait', 35);
    await later(0, wait);
    await wipeAll();
    const createdOn = dayOf(h.clock);
    expect(await visit()).toEqual({ flushed: none, quietUntil: isoDay(createdOn + 35) });
    await later(34, wait);
    expect((await visit()).flushed).toEqual(none);
    await later(1, wait);
    expect(await visit()).toEqual({ flushed: one });
  });

  it('forget() before the first report keeps the wait: consenting again does not start a new clock at zero', async () => {
    const wait = reporting('wait');
    await later(0, wait);
    await wipeAll();
    const createdOn = dayOf(h.clock);
    const first = await page();
    await later(1, wait);
    await first.forget();
    expect(await visit()).toEqual({ flushed: none, quietUntil: isoDay(createdOn + CEILING_WINDOW_DAYS) });
    expect(h.net.posts).toHaveLength(0);
  });
});

describe("freshStore 'report', or absent: a fresh store reports at once", () => {
  for (const fresh of ['report', undefined] as const) {
    it(`${fresh ?? 'absent'}: a new device, and a full wipe after a report, report at once`, async () => {
      const r = reporting(fresh);
      await later(0, r);
      await wipeAll();
      expect(await visit()).toEqual({ flushed: one });
      await later(2, r);
      await wipeAll();
      expect(await visit()).toEqual({ flushed: one });
      expect(h.net.posts).toHaveLength(2);
    });
  }
});
