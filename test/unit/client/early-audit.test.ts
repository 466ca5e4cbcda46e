/**
 * The device's audit log records what the page released early (src/client/early.ts): the page tells
 * the first worker in init (`early`, 'pending' while it reads, then `earlyReleased`), the engine logs
 * `segments-released` with `early: true`, and its first recompute logs only a change. Here the
 * recompute differs (a new manifest version): exportData() still shows that [busy, promo-high] were
 * released to the page at this start (from the review of the move of the early release to the page).
 */
import 'fake-indexeddb/auto';
import { expect, it } from 'vitest';
import { engineHarness } from '../../fixtures/engine.js';
import { ids, pageOf } from '../../fixtures/page.js';

const h = engineHarness();
const { page, serveAdvertising: serve, firstVisit } = pageOf(h);

it('the audit log records the segments the page released early, also when the recompute differs', async () => {
  await firstVisit();

  await serve({ version: 2, policy: { allowed: ['idle', 'promo-low', 'promo-high'], clear: [] } });
  const p = page(true);
  await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]); // released to the page early
  p.open();
  await p.seg.ready;
  await expect.poll(() => p.seen).toEqual([['busy', 'promo-high'], ['promo-high']]);
  const audit = (await p.seg.exportData()).audit as { kind: string; detail: { segments?: string[] } }[];
  const released = audit.filter((a) => a.kind === 'segments-released').map((a) => a.detail.segments);
  // the first visit's two (consent, then the lessons), this visit's early one, then its recompute's
  expect(released).toEqual([
    ['idle', 'promo-low'],
    ['busy', 'promo-high'],
    ['busy', 'promo-high'],
    ['promo-high'],
  ]);
  await p.seg.close();
});

it('logs the early release once when the first recompute agrees with it', async () => {
  await firstVisit();

  const p = page(true);
  await expect.poll(() => p.seen).toEqual([['busy', 'promo-high']]);
  p.open();
  await p.seg.ready;
  expect(ids(await p.seg.segments())).toEqual(['busy', 'promo-high']);
  const audit = (await p.seg.exportData()).audit as { kind: string; detail: { early?: boolean } }[];
  const released = audit.filter((a) => a.kind === 'segments-released').map((a) => a.detail.early === true);
  expect(released).toEqual([false, false, true]);
  expect(p.seen).toEqual([['busy', 'promo-high']]);
  await p.seg.close();
});
