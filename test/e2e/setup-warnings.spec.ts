/**
 * Issue 20 point 1 and 2: a page whose setup leaves the SDK releasing nothing says so once, without
 * data-debug, with the fix: an origin the manifest does not list, a manifest signed by a key the page
 * does not pin, an expired manifest. A good setup warns nothing.
 */
import { test, expect, type Page } from '@playwright/test';
import { DAY, testKey, testManifest } from '../fixtures/manifest.js';
import { openDemo } from './helpers.js';

const port = Number(process.env.EDSEG_E2E_PORT);

/** Records the page's `[edseg]` console warnings (the worker's own console is not the page's). */
function warnings(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().startsWith('[edseg]')) seen.push(m.text());
  });
  return seen;
}

test('a good setup warns nothing', async ({ page }) => {
  const seen = warnings(page);
  await openDemo(page);
  await page.evaluate(() => window.edseg.segments());
  expect(seen).toEqual([]);
});

test("an origin the manifest does not list: one warning naming the page's origin and the fix", async ({
  page,
}) => {
  const seen = warnings(page);
  const origin = `http://other.localhost:${port}`;
  await openDemo(page, `${origin}/demo/`);
  await page.evaluate(() => window.edseg.segments());
  expect(seen).toHaveLength(1);
  expect(seen[0]).toContain(`this page's origin ${origin} is not in site "lingua-kids"'s origins`);
  expect(seen[0]).toContain(
    `npx edseg-admin site origins lingua-kids --add ${origin} && npx edseg-admin publish lingua-kids`,
  );
  // The refresh of a refused manifest does not warn again.
  await page.waitForTimeout(1500);
  expect(seen).toHaveLength(1);
});

test("a key the page does not pin: one warning naming the manifest's kid and the pinned ids", async ({
  page,
  request,
}) => {
  await openDemo(page);
  const seen = warnings(page);
  const signer = ((await (await request.get('/v1/keys')).json()) as { keys: { kid: string }[] }).keys;
  const retired = (await testKey('retired-key')).publicJwk;
  await page.evaluate(async (k) => {
    const seg = window.__newSegmenter({ publicKeys: [k] });
    await seg.ready;
    await seg.close();
  }, retired);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatch(/nothing is released: the manifest from \S+ was refused \(unknown-key\)/);
  expect(signer.some((k) => seen[0]!.includes(`"${k.kid}"`))).toBe(true);
  expect(seen[0]).toContain('This page pins "retired-key".');
});

test('an expired manifest: one warning naming when it expired', async ({ page }) => {
  await openDemo(page);
  const seen = warnings(page);
  const key = await testKey('expired-test');
  const now = Date.now();
  const expiresAt = new Date(now - DAY).toISOString();
  const jws = await key.sign({
    ...testManifest({ site: { id: 'lingua-kids', origins: [`http://127.0.0.1:${port}`] } }, now - 7 * DAY),
    expiresAt,
  });
  // The worker's request is the page's context's too: served the expired manifest here.
  await page.context().route('**/expired/manifest', (r) => r.fulfill({ status: 200, body: jws }));
  await page.evaluate(async (k) => {
    const seg = window.__newSegmenter({ publicKeys: [k], manifestUrl: '/expired/manifest' });
    await seg.ready;
    await seg.close();
  }, key.publicJwk);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toContain(`(expired): expired at ${expiresAt}.`);
  expect(seen[0]).toContain('npx edseg-admin publish lingua-kids');
});
