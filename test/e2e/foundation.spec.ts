import { test, expect } from '@playwright/test';
import { CompactSign } from 'jose';
import { testKey } from '../fixtures/manifest.js';
import {
  adultAllConsent,
  collectorReports,
  demoStarted,
  expectNoLeak,
  expectWorkerRequestsSeen,
  openDemo,
  segmentOf,
  studyHard,
  track,
  watchNetwork,
} from './helpers.js';

test('the demo page loads the script tag and the worker verifies the manifest', async ({ page }) => {
  await openDemo(page);
  const explanation = await page.evaluate(() => window.edseg.explain());
  expect(explanation.manifest.status).toBe('accepted');
  expect(explanation.manifest.version).toBeGreaterThanOrEqual(1);
  expect(explanation.segments.length).toBeGreaterThanOrEqual(6);
  // The worker is a real dedicated worker, loaded from the SDK's folder.
  expect(page.workers().some((w) => w.url().endsWith('/edseg/edseg.worker.js'))).toBe(true);
});

test('calls queued on the stub before the script loads are replayed', async ({ page }) => {
  await page.route('**/edseg/edseg.js', async (route) => {
    await new Promise((r) => setTimeout(r, 300)); // load late, so the stub is what the page talks to first
    await route.continue();
  });
  await page.addInitScript(() => {
    (window as unknown as { edseg: unknown }).edseg = {
      q: [] as unknown[],
      track(...a: unknown[]) {
        (this as { q: unknown[] }).q.push(['track', a]);
      },
      setConsent(...a: unknown[]) {
        (this as { q: unknown[] }).q.push(['setConsent', a]);
      },
    };
    (
      window as unknown as { edseg: { setConsent(c: unknown): void; track(t: string, p?: unknown): void } }
    ).edseg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    (window as unknown as { edseg: { track(t: string, p?: unknown): void } }).edseg.track(
      'practice_session',
      { minutes: 3, items: 4 },
    );
  });
  await openDemo(page);
  const data = await page.evaluate(async () => {
    await window.edseg.segments();
    return window.edseg.exportData();
  });
  expect(data.consent?.ageBand).toBe('adult');
  expect(data.events.some((e) => e.type === 'practice_session' && e.props.minutes === 3)).toBe(true);
});

test('track() throws an EdsegError naming the field, and keeps the valid calls around it', async ({
  page,
}) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  const err = await page.evaluate(() => {
    window.edseg.track('practice_session', { minutes: 5, items: 1 });
    let caught: { name: string; code: string; field: string } | null = null;
    try {
      window.edseg.track('practice_session', { minutes: Number.NaN });
    } catch (e) {
      caught = {
        name: (e as Error).name,
        code: (e as { code: string }).code,
        field: (e as { field: string }).field,
      };
    }
    window.edseg.track('practice_session', { minutes: 7, items: 2 });
    return caught;
  });
  expect(err).toEqual({ name: 'EdsegError', code: 'invalid-input', field: 'event.props.minutes' });
  const events = await page.evaluate(async () => {
    await window.edseg.segments();
    return (await window.edseg.exportData()).events;
  });
  expect(events.filter((e) => e.type === 'practice_session').map((e) => e.props.minutes)).toEqual([5, 7]);
});

test('events persist in IndexedDB across a reload', async ({ page }) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, [
    ['lesson_complete', { lessonId: 'x', minutes: 9 }],
    ['practice_session', { minutes: 20, items: 30 }],
  ]);
  await page.reload();
  await demoStarted(page);
  const data = await page.evaluate(() => window.edseg.exportData());
  expect(data.persisted).toBe(true);
  expect(data.consent?.ageBand).toBe('adult');
  // (the demo itself records a session_start on every page load)
  expect(
    data.events
      .map((e) => e.type)
      .filter((t) => t !== 'session_start')
      .sort(),
  ).toEqual(['lesson_complete', 'practice_session']);
  expect(data.events.filter((e) => e.type === 'session_start')).toHaveLength(2);
  expect(data.rollups.find((r) => r.type === 'practice_session' && r.prop === 'minutes')?.sum).toBe(20);
});

test('the released segment changes as the learner works through the demo', async ({ page }) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  const before = await page.evaluate(() => window.edseg.segments());
  const paceBefore = segmentOf(before, 'pace');
  expect(paceBefore).toBeDefined();
  await expect(page.locator(`[data-testid="released"] [data-segment-id="${paceBefore}"]`)).toBeVisible();
  // Work through the demo's own controls.
  for (const id of ['bulk-lessons', 'bulk-lessons', 'bulk-practice', 'bulk-quiz-right'])
    await page.getByTestId(id).click();
  await expect
    .poll(async () => segmentOf(await page.evaluate(() => window.edseg.segments()), 'pace'))
    .not.toBe(paceBefore);
  const paceAfter = segmentOf(await page.evaluate(() => window.edseg.segments()), 'pace');
  await expect(page.locator(`[data-testid="released"] [data-segment-id="${paceAfter}"]`)).toBeVisible();
  const events = await page.evaluate(() => window.__segmentsEvents!.map((s) => s.map((x) => x.id)));
  expect(events.some((ids) => ids.includes(paceAfter!))).toBe(true);
});

test('no raw event, event prop or declared preference ever leaves the page', async ({ page, context }) => {
  const seen = await watchNetwork(context);
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await page.evaluate(() => window.edseg.declare({ goal: 'travel' }));
  await track(page, [...studyHard, ['quiz_complete', { score: 87 }], ['hint_used']]);
  const flushed = await page.evaluate(() => window.edseg.flush());
  expect(flushed.sent).toBe(1);
  expectWorkerRequestsSeen(seen);
  expect(collectorReports(seen)).toHaveLength(1);
  expectNoLeak(seen, [
    'lesson_complete',
    'practice_session',
    'quiz_answer',
    'quiz_complete',
    'hint_used',
    'session_start',
    'lessonId',
    'minutes',
    'travel',
    'goal',
    '"score"',
  ]);
});

test('a manifest signed with another key is refused and nothing is released', async ({ page, context }) => {
  const real = await (await page.request.get('/v1/sites/lingua-kids/manifest')).text();
  const payload = Buffer.from(real.split('.')[1]!, 'base64url');
  const realKid = JSON.parse(Buffer.from(real.split('.')[0]!, 'base64url').toString()).kid as string;
  // Same payload and the kid the page pins, signed by an attacker's key.
  const attacker = await testKey(realKid);
  const forged = await new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', kid: realKid })
    .sign(attacker.privateKey);
  expect(attacker.publicJwk.kty).toBe('EC');
  await context.route('**/v1/sites/lingua-kids/manifest', (route) =>
    route.fulfill({ status: 200, contentType: 'application/jose', body: forged }),
  );
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  expect(await page.evaluate(() => window.edseg.segments())).toEqual([]);
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.manifest.status).toBe('refused');
  expect(ex.manifest.reason).toBe('bad-signature');
  expect(ex.blocked).toBe('manifest-refused');
  const audit = (await page.evaluate(() => window.edseg.exportData())).audit;
  expect(audit.some((a) => a.kind === 'manifest-refused' && a.detail.reason === 'bad-signature')).toBe(true);
  await expect(page.locator('[data-testid="released"] [data-segment-id]')).toHaveCount(0);
});
