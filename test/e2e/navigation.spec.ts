import { expect, test, type Page } from '@playwright/test';
import config from '../../playwright.config.js';
import {
  adultAllConsent,
  collectorReports,
  demoStarted,
  openDemo,
  studyHard,
  track,
  watchNetwork,
} from './helpers.js';

// Issue 17: the SDK survives navigation and the back/forward cache, and never hangs on storage
// another page holds. Playwright starts Chromium with --disable-back-forward-cache: these tests drop
// that default so the first page really is restored from the cache on `back`.
test.use({
  launchOptions: { ...config.use?.launchOptions, ignoreDefaultArgs: ['--disable-back-forward-cache'] },
});

/** Records, in the page, every pageshow and whether it came from the back/forward cache. */
async function recordPageshows(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as {
      __shows: boolean[];
      __eventsAtHide: number;
      __segmentsEvents?: unknown[];
    };
    w.__shows = [];
    addEventListener('pageshow', (e) => w.__shows.push((e as PageTransitionEvent).persisted));
    addEventListener('pagehide', () => (w.__eventsAtHide = w.__segmentsEvents?.length ?? -1));
  });
}

const shows = (page: Page) => page.evaluate(() => (window as unknown as { __shows: boolean[] }).__shows);

test('a second URL of the site starts at once after the first, and back restores the first from the cache, working', async ({
  page,
  context,
}) => {
  const seen = await watchNetwork(context);
  await recordPageshows(page);
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  const first = await page.evaluate(() => window.edseg.segments());
  expect(first.length).toBeGreaterThan(0);
  await page.evaluate(() => window.edseg.flush());
  await expect.poll(() => collectorReports(seen).length).toBe(1);

  // The hide flush and the pagehide close run as the page leaves; the next page must not wait on them.
  const t0 = Date.now();
  await page.goto('/demo/?page=2');
  await demoStarted(page);
  const second = await page.evaluate(() => window.edseg.segments());
  const startedIn = Date.now() - t0;
  expect(startedIn).toBeLessThan(10_000);
  expect(second.map((s) => s.id)).toEqual(first.map((s) => s.id));
  expect((await page.evaluate(() => window.edseg.explain())).storage).toEqual({ mode: 'indexeddb' });

  // goBack, not an evaluate of history.back(): Chromium does not cache a page running a script. Chromium
  // may still evict a cached page for its own reasons (DevTools reports "JavaScriptExecution" now and
  // then under automation): the round trip is repeated until the first page comes back from the
  // cache, at most 5 times, and the SDK must work after every back, restored or reloaded.
  let restoredAfter = 0;
  for (let trip = 1; trip <= 5 && !restoredAfter; trip++) {
    if (trip > 1) {
      await page.goto(`/demo/?page=${trip + 1}`);
      await demoStarted(page);
    }
    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => page.evaluate(() => location.search).catch(() => 'navigating')).toBe('');
    await expect.poll(() => page.evaluate(() => window.edseg?.segments()).catch(() => null)).toEqual(first);
    if ((await shows(page)).at(-1) === true) restoredAfter = trip;
    else await demoStarted(page);
  }
  expect(restoredAfter, 'the first page never came back from the back/forward cache').toBeGreaterThan(0);
  // The restored page answers from a new worker, with the same segments and no new `segments` event.
  const events = await page.evaluate(() => (window as unknown as { __eventsAtHide: number }).__eventsAtHide);
  expect(events).toBeGreaterThanOrEqual(0); // the pagehide recorder ran on the page now restored
  const restored = await page.evaluate(() => window.edseg.segments());
  expect(restored.map((s) => s.id)).toEqual(first.map((s) => s.id));
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.storage).toEqual({ mode: 'indexeddb' });
  expect(await page.evaluate(() => window.__segmentsEvents!.length)).toBe(events);
  // Tracked after the restore: stored once, by the new worker.
  const stored = async () =>
    (await page.evaluate(() => window.edseg.exportData())).events.filter((e) => e.type === 'lesson_complete')
      .length;
  const before = await stored();
  await page.evaluate(() => window.edseg.track('lesson_complete', { lessonId: 'after-back', minutes: 4 }));
  expect(await stored()).toBe(before + 1);
  // Nothing sent twice: one report for the period, whatever the pages did.
  await page.evaluate(() => window.edseg.flush());
  const ids = collectorReports(seen).map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toHaveLength(1);
  console.log(
    `navigation: the second page answered segments() ${startedIn} ms after goto; restored from the cache on round trip ${restoredAfter}`,
  );
});

test('storage another page holds: the page starts on memory within the limit, warns once, and picks the store up once free', async ({
  page,
  context,
}) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  // Another tab of the site holds the learner's kv store with a transaction that never ends.
  const holder = await context.newPage();
  await holder.goto('/demo/?holder');
  await holder.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const open = indexedDB.open('edseg:lingua-kids');
        open.onsuccess = () => {
          const tx = open.result.transaction('kv', 'readwrite');
          const w = window as unknown as { __release: () => void };
          let held = true;
          w.__release = () => (held = false);
          const spin = () => {
            if (held) tx.objectStore('kv').get('nothing').onsuccess = spin;
          };
          spin();
          resolve();
        };
      }),
  );
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().startsWith('[edseg]')) warnings.push(m.text());
  });
  const t0 = Date.now();
  await page.reload();
  await demoStarted(page);
  expect(Date.now() - t0).toBeLessThan(10_000);
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.storage).toMatchObject({ mode: 'memory', reason: 'blocked' });
  expect(ex.storage.error).toMatch(/blocked by another page/);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/storage is held by another page/);
  expect(warnings[0]).not.toMatch(/edseg\.worker\.js/);
  await holder.evaluate(() => (window as unknown as { __release: () => void }).__release());
  await holder.close();
  await page.evaluate(() => window.edseg.flush());
  await expect
    .poll(async () => (await page.evaluate(() => window.edseg.explain())).storage)
    .toEqual({ mode: 'indexeddb' });
  expect((await page.evaluate(() => window.edseg.explain())).consent).not.toBeNull();
});
