import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import type { ConsentInput } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';

const h = engineHarness();
const adult: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } };

/** An engine of this test's site with consent to report. */
async function reportingEngine() {
  const e = new Engine(h.deps());
  await h.start(e, `site-${h.site}`);
  await e.setConsent(adult);
  return e;
}

/** An engine whose first report the collector answered 503 with `Retry-After: seconds`; it answers 202 from then on. */
async function heldBack(seconds: number) {
  const e = await reportingEngine();
  h.net.collectorStatus = 503;
  h.net.collectorHeaders = { 'retry-after': String(seconds) };
  expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
  h.net.collectorStatus = 202;
  return e;
}

describe('engine: delivery triggers', () => {
  it("online() (the page's online event) delivers a report that failed offline at once, without waiting out its backoff", async () => {
    const e = await reportingEngine();
    h.net.collectorDown = true;
    expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
    expect((await e.exportData()).outbox[0]).toMatchObject({ attempts: 1, offline: true });
    h.net.collectorDown = false;
    await e.online(); // the engine's clock has not moved: its backoff is not over
    expect(h.net.posts).toHaveLength(1);
    expect((await e.exportData()).outbox).toEqual([]);
    await e.close();
  });

  it('online() does not override a Retry-After', async () => {
    const e = await heldBack(60);
    await e.online();
    expect(h.net.posts).toHaveLength(0);
    h.clock += 60_000;
    expect(await e.flush()).toEqual({ sent: 1, pending: 0 });
    await e.close();
  });

  it('retries by itself when a Retry-After is over, without a flush', async () => {
    const e = await heldBack(1);
    h.clock += 1_000; // the engine's clock; its timer waits the same 1 s of real time
    expect(h.net.posts).toHaveLength(0);
    await vi.waitFor(() => expect(h.net.posts).toHaveLength(1), { timeout: 5_000, interval: 50 });
    await e.close();
  });
});
