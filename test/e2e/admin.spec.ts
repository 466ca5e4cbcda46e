import { test, expect } from '@playwright/test';
import { adultAllConsent, demoStarted, openDemo, segmentOf, track, studyHard } from './helpers.js';

// The e2e server's admin token (scripts/e2e-server.mjs).
const TOKEN = process.env.EDSEG_ADMIN_TOKEN ?? 'e2e-admin-token';
const auth = { Authorization: `Bearer ${TOKEN}` };

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

  // The policy as published (the payload of the current JWS).
  const payload = (await (await request.get('/v1/sites/lingua-kids/manifest')).text()).split('.')[1]!;
  const original = JSON.parse(Buffer.from(payload, 'base64url').toString()).policy as {
    allowed: string[];
    clear: string[];
  };
  try {
    const put = await request.put('/admin/api/sites/lingua-kids/policy', {
      headers: auth,
      data: {
        allowed: original.allowed.filter((id) => id !== pace),
        // A model is in clear whole or not at all (the shape rule): withholding one of its segments takes it out of clear.
        clear: original.clear.filter((id) => !paceModel.includes(id)),
      },
    });
    expect(put.status()).toBe(200);
    const pub = await request.post('/admin/api/sites/lingua-kids/publish', {
      headers: auth,
      data: { note: `e2e: withhold ${pace}` },
    });
    expect(pub.status()).toBe(201);
    const { version } = (await pub.json()) as { version: number };
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
    await request.put('/admin/api/sites/lingua-kids/policy', { headers: auth, data: original });
    await request.post('/admin/api/sites/lingua-kids/publish', {
      headers: auth,
      data: { note: 'e2e: restore policy' },
    });
  }
});

test('the admin API refuses a request without the token', async ({ request }) => {
  expect(
    (await request.put('/admin/api/sites/lingua-kids/policy', { data: { allowed: [], clear: [] } })).status(),
  ).toBe(401);
});
