import { test, expect, type Page } from '@playwright/test';
import { adultAllConsent, collectorReports, openDemo, studyHard, track, watchNetwork } from './helpers.js';

/** The demo with consent to report and a week of study tracked, its report not built yet. */
async function readyToReport(page: Page): Promise<void> {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
}

/** The queued reports and the audit's report-sent entries, as the worker has them. */
const outboxAndSent = (page: Page) =>
  page.evaluate(async () => {
    const d = await window.edseg.exportData();
    return { outbox: d.outbox, sent: d.audit.filter((a) => a.kind === 'report-sent') };
  });

test('a report that failed offline is delivered on the online event, not after its backoff or the report interval', async ({
  page,
  context,
}) => {
  await readyToReport(page);
  await context.setOffline(true);
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 1 });
  const [item] = (await outboxAndSent(page)).outbox;
  expect(item).toMatchObject({ attempts: 1, offline: true });
  const online = await page.evaluate(() => Date.now());
  await context.setOffline(false);
  await expect.poll(async () => (await outboxAndSent(page)).sent.length).toBe(1);
  const { outbox, sent } = await outboxAndSent(page);
  expect(outbox).toEqual([]);
  // Delivered in moments (the report interval is 5 minutes)...
  expect(sent[0]!.ts - online).toBeLessThan(5_000);
  // ...and before the jittered backoff was over, when the draw left time for the difference to show.
  if (item!.nextAttemptAt - online > 2_000) expect(sent[0]!.ts).toBeLessThan(item!.nextAttemptAt);
});

test('a 503 with Retry-After: 1 is retried by itself about 1 s later, not after the 30 s backoff', async ({
  page,
  context,
}) => {
  const posts: { at: number; status: number }[] = [];
  await context.route('**/v1/reports', async (route) => {
    if (posts.length === 0) {
      posts.push({ at: Date.now(), status: 503 });
      await route.fulfill({ status: 503, headers: { 'retry-after': '1' }, body: '' });
    } else {
      posts.push({ at: Date.now(), status: 202 });
      await route.continue();
    }
  });
  await readyToReport(page);
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 1 });
  await expect.poll(() => posts.length, { timeout: 10_000 }).toBe(2);
  const waited = posts[1]!.at - posts[0]!.at;
  expect(waited).toBeGreaterThanOrEqual(900);
  expect(waited).toBeLessThan(5_000);
  await expect.poll(async () => (await outboxAndSent(page)).outbox).toEqual([]);
});

for (const [what, hide] of [
  ['pagehide', () => void dispatchEvent(new PageTransitionEvent('pagehide'))],
  [
    'the page turning hidden',
    () => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    },
  ],
] as const) {
  test(`${what} reports and delivers without a flush() call`, async ({ page, context }) => {
    const seen = await watchNetwork(context);
    await readyToReport(page);
    await page.waitForTimeout(300);
    expect(collectorReports(seen)).toHaveLength(0);
    await page.evaluate(hide);
    await expect.poll(() => collectorReports(seen).length).toBe(1);
  });
}
