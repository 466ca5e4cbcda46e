import { test, expect, type BrowserContext } from '@playwright/test';
import {
  adultAllConsent,
  demoStarted,
  openDemo,
  publishPolicy,
  publishedPolicy,
  segmentOf,
  studyHard,
  track,
  withholding,
} from './helpers.js';

// The device's resilience inside the worker (issue 13, points 3, 4, 6 and 7): each fault injected
// here, in Chromium, against the built SDK and the reference server.

/**
 * The worker's init script: Playwright's addInitScript does not reach dedicated workers, so the
 * worker's own script is served with `code` run before it.
 */
async function workerInitScript(context: BrowserContext, code: string): Promise<void> {
  await context.route('**/edseg/edseg.worker.js', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, body: `${code}\n${await res.text()}` });
  });
}

/** Date moved by `ms` (the device clock set wrong), for the page and the worker alike. */
const shiftDate = (ms: number) => `(() => {
  const Real = Date;
  const now = () => Real.now() + ${ms};
  class Shifted extends Real {
    constructor(...a) { if (a.length === 0) super(now()); else super(...a); }
    static now() { return now(); }
  }
  globalThis.Date = Shifted;
})();`;

test('a policy published while the page is open reaches it without a reload', async ({ page, request }) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  // A segmenter that refreshes its manifest every second (the default is an hour).
  const before = await page.evaluate(async () => {
    const s = window.__newSegmenter({ manifestRefreshMs: 1000 });
    (window as unknown as { __fast: typeof s }).__fast = s;
    await s.ready;
    return { segments: await s.segments(), explain: await s.explain() };
  });
  const pace = segmentOf(before.segments, 'pace')!;
  expect(pace).toBeDefined();
  const paceModel = before.explain.segments.filter((s) => s.model === 'pace').map((s) => s.id);
  const original = await publishedPolicy(request);
  try {
    await page.evaluate(() => {
      const w = window as unknown as { __fast: Window['edseg']; __fastEvents: unknown[][] };
      w.__fastEvents = [];
      w.__fast.on('segments', (s) => w.__fastEvents.push(s));
    });
    const version = await publishPolicy(
      request,
      withholding(original, pace, paceModel),
      `e2e: withhold ${pace} while a page is open`,
    );
    const fast = () =>
      page.evaluate(async () => {
        const s = (window as unknown as { __fast: Window['edseg'] }).__fast;
        return { segments: await s.segments(), version: (await s.explain()).manifest.version };
      });
    await expect.poll(async () => (await fast()).version, { timeout: 10_000 }).toBe(version);
    const after = await fast();
    expect(segmentOf(after.segments, 'pace')).toBeUndefined();
    // The page was told: a `segments` event without the withheld segment.
    const events = await page.evaluate(
      () => (window as unknown as { __fastEvents: { id: string }[][] }).__fastEvents,
    );
    expect(events.some((list) => !list.some((s) => s.id === pace))).toBe(true);
    await page.evaluate(() => (window as unknown as { __fast: Window['edseg'] }).__fast.close());
  } finally {
    await publishPolicy(request, original, 'e2e: restore policy');
  }
});

test('a first visit while the manifest answers 503 holds the events, then stores them when it answers 200', async ({
  page,
  context,
}) => {
  let down = true;
  let refused = 0;
  await context.route('**/v1/sites/*/manifest', async (route) => {
    if (down) {
      refused++;
      await route.fulfill({ status: 503, body: 'down' });
    } else await route.continue();
  });
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  const held = await page.evaluate(() => window.edseg.explain());
  expect(held.manifest).toMatchObject({ status: 'missing', reason: 'network' });
  expect(held.held.events).toBeGreaterThanOrEqual(studyHard.length); // and what the demo itself tracks
  expect((await page.evaluate(() => window.edseg.exportData())).events).toEqual([]);
  expect(await page.evaluate(() => window.edseg.segments())).toEqual([]);
  down = false;
  await expect
    .poll(async () => (await page.evaluate(() => window.edseg.explain())).manifest.status, {
      timeout: 15_000,
    })
    .toBe('accepted');
  expect(refused).toBeGreaterThanOrEqual(1);
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.held).toEqual({ events: 0, dropped: 0 });
  expect(ex.stored.events.lesson_complete).toBe(12);
  // Minimised as any stored event: the lesson ids no feature reads are gone.
  const stored = (await page.evaluate(() => window.edseg.exportData())).events;
  expect(stored.every((e) => !('lessonId' in e.props))).toBe(true);
  expect(segmentOf(await page.evaluate(() => window.edseg.segments()), 'pace')).toBeDefined();
});

test('IndexedDB unavailable in the worker: the page works on memory and explain() says so', async ({
  page,
  context,
}) => {
  await workerInitScript(
    context,
    `IDBFactory.prototype.open = function () { throw new DOMException('The operation is insecure.', 'SecurityError'); };
     IDBFactory.prototype.databases = function () { return Promise.reject(new DOMException('The operation is insecure.', 'SecurityError')); };`,
  );
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.storage).toMatchObject({ mode: 'memory', reason: 'unavailable' });
  expect(ex.storage.error).toMatch(/SecurityError/);
  expect(ex.persisted).toBe(false);
  expect(ex.manifest.status).toBe('accepted');
  expect(segmentOf(await page.evaluate(() => window.edseg.segments()), 'pace')).toBeDefined();
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 0 });
});

test('a database written by the previous schema version (v1) opens with all its data', async ({ page }) => {
  // A page of the same origin without the SDK writes the old schema first.
  await page.goto('/v1/keys');
  const written = await page.evaluate(async () => {
    const day = Math.floor(Date.now() / 86_400_000);
    const events = Array.from({ length: 12 }, (_, i) => ({
      type: 'lesson_complete',
      ts: Date.now() - 1000 + i,
      day,
      props: { minutes: 12 },
    }));
    const consent = {
      ageBand: 'adult',
      self: { purposes: ['instruction', 'analytics'] },
      gpc: false,
      updatedAt: Date.now() - 5000,
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('edseg:lingua-kids', 1);
      req.onupgradeneeded = () => {
        const d = req.result;
        d.createObjectStore('events', { keyPath: 'id', autoIncrement: true }).createIndex('day', 'day');
        d.createObjectStore('rollups', { keyPath: 'key' }).createIndex('day', 'day');
        d.createObjectStore('kv');
        d.createObjectStore('outbox', { keyPath: 'id' });
        d.createObjectStore('budget', { keyPath: 'reportId' }).createIndex('period', 'period');
        d.createObjectStore('audit', { keyPath: 'id', autoIncrement: true });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction(['events', 'rollups', 'kv', 'audit'], 'readwrite');
    for (const e of events) tx.objectStore('events').add(e);
    tx.objectStore('rollups').put({
      key: `${day}|lesson_complete|`,
      day,
      type: 'lesson_complete',
      prop: '',
      count: 12,
      sum: 12,
      min: 1,
      max: 1,
    });
    tx.objectStore('rollups').put({
      key: `${day}|lesson_complete|minutes`,
      day,
      type: 'lesson_complete',
      prop: 'minutes',
      count: 12,
      sum: 144,
      min: 12,
      max: 12,
    });
    tx.objectStore('kv').put(consent, 'consent');
    tx.objectStore('kv').put({ goal: 'exam' }, 'declared');
    tx.objectStore('audit').add({ ts: Date.now() - 5000, kind: 'consent-changed', detail: { v1: true } });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    return { consent, events: events.length };
  });
  await openDemo(page);
  const data = await page.evaluate(() => window.edseg.exportData());
  expect(data.persisted).toBe(true);
  expect(data.consent).toEqual(written.consent);
  expect(data.declared).toEqual({ goal: 'exam' });
  expect(data.events.filter((e) => e.type === 'lesson_complete')).toHaveLength(written.events);
  expect(data.audit.some((a) => a.kind === 'consent-changed' && a.detail.v1 === true)).toBe(true);
  expect((await page.evaluate(() => window.edseg.explain())).stored.events.lesson_complete).toBe(12);
  const version = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const req = indexedDB.open('edseg:lingua-kids');
        req.onsuccess = () => {
          resolve(req.result.version);
          req.result.close();
        };
      }),
  );
  expect(version).toBe(2);
});

test('the device clock three days ahead, then set right: no crash, and no second report for a period already reported', async ({
  page,
  context,
}) => {
  const ahead = 3 * 86_400_000;
  await page.addInitScript({ content: shiftDate(ahead) });
  let shifted = true;
  await context.route('**/edseg/edseg.worker.js', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, body: `${shifted ? shiftDate(ahead) : ''}\n${await res.text()}` });
  });
  const posted: string[] = [];
  context.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/reports') posted.push(r.postData() ?? '');
  });
  await openDemo(page);
  expect(await page.evaluate(() => Date.now() - performance.timeOrigin - performance.now())).toBeGreaterThan(
    ahead - 60_000,
  );
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  // This period's one report is out once flush() answers: sent by it, or already by the outbox's own
  // timer (which one depends on where today falls in the period).
  expect((await page.evaluate(() => window.edseg.flush())).pending).toBe(0);
  await expect.poll(() => posted.length).toBe(1);
  const first = await page.evaluate(() => window.edseg.explain());
  expect(first.budget.lastPeriod).not.toBeNull();
  // The clock set right: a new page of the same learner.
  shifted = false;
  const right = await context.newPage();
  await right.goto('/demo/');
  await demoStarted(right);
  expect(
    Math.abs(await right.evaluate(() => Date.now() - (performance.timeOrigin + performance.now()))),
  ).toBeLessThan(60_000);
  const r = await right.evaluate(() => window.edseg.flush());
  expect(r.sent).toBe(0);
  expect(posted).toHaveLength(1);
  const ex = await right.evaluate(() => window.edseg.explain());
  expect(ex.budget.reportsInWindow).toBe(1);
  expect(ex.budget.spent).toBeGreaterThanOrEqual(0);
  expect(ex.budget.lastPeriod).toBe(first.budget.lastPeriod);
  expect(segmentOf(await right.evaluate(() => window.edseg.segments()), 'pace')).toBeDefined();
});
