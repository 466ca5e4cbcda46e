import { test, expect } from '@playwright/test';
import {
  adminAuth as auth,
  adultAllConsent,
  demoStarted,
  openDemo,
  publishPolicy,
  publishedPolicy,
  segmentOf,
  track,
  studyHard,
  withholding,
} from './helpers.js';

test("an admin withholds a segment from the site; after publishing, the learner's SDK adopts the new signed version and stops releasing it", async ({
  page,
  request,
}) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  const before = await page.evaluate(() => window.edseg.explain());
  const pace = segmentOf(await page.evaluate(() => window.edseg.segments()), 'pace')!;
  expect(pace).toBeDefined();
  const paceModel = before.segments.filter((s) => s.model === 'pace').map((s) => s.id);

  const original = await publishedPolicy(request);
  try {
    const version = await publishPolicy(
      request,
      withholding(original, pace, paceModel),
      `e2e: withhold ${pace}`,
    );
    expect(version).toBeGreaterThan(before.manifest.version!);

    await page.reload();
    await demoStarted(page);
    const after = await page.evaluate(() => window.edseg.explain());
    expect(after.manifest.version).toBe(version);
    const row = after.segments.find((s) => s.id === pace)!;
    expect(row.assigned).toBe(true);
    expect(row.released).toBe(false);
    expect(row.reasons[0]).toBe('site-not-allowed');
    expect(segmentOf(await page.evaluate(() => window.edseg.segments()), 'pace')).toBeUndefined();
    const audit = (await page.evaluate(() => window.edseg.exportData())).audit;
    expect(audit.some((a) => a.kind === 'manifest-accepted' && a.detail.version === version)).toBe(true);
    const log = await (await request.get('/admin/api/audit', { headers: auth })).text();
    expect(log).toContain(`e2e: withhold ${pace}`);
  } finally {
    // Put the site back for the other specs (as a further version).
    await publishPolicy(request, original, 'e2e: restore policy');
  }
});

test('the admin API refuses a request without the token', async ({ request }) => {
  expect(
    (await request.put('/admin/api/sites/lingua-kids/policy', { data: { allowed: [], clear: [] } })).status(),
  ).toBe(401);
});
