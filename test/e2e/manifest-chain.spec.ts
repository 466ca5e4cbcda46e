import { test, expect, type Request } from '@playwright/test';
import { adultAllConsent, demoStarted, openDemo } from './helpers.js';

/**
 * The manifest fetch tracks nobody: no cookie, no referrer, no validator the server chose sent
 * back (If-None-Match), before consent (the browser's HTTP cache) and after it (a stored ETag).
 * Requests are observed, not routed: Playwright's routing would turn the HTTP cache off.
 */
test('the manifest request carries no Cookie, no Referer and no If-None-Match, also on a reload', async ({
  page,
  context,
  baseURL,
}) => {
  await context.addCookies([{ name: 'edseg_probe', value: 'tracked', url: baseURL! }]);
  const manifests: Request[] = [];
  context.on('request', (r) => {
    if (/\/v1\/sites\/[^/]+\/manifest$/.test(new URL(r.url()).pathname)) manifests.push(r);
  });
  await openDemo(page);
  await page.reload();
  await demoStarted(page); // before consent: only the browser's cache could replay a validator
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await page.reload();
  await demoStarted(page); // after consent: the device's own store could
  expect(manifests.length).toBeGreaterThanOrEqual(3);
  const sent = await Promise.all(manifests.map((r) => r.allHeaders()));
  expect(sent.map((h) => h.cookie ?? null)).toEqual(manifests.map(() => null));
  expect(sent.map((h) => h.referer ?? null)).toEqual(manifests.map(() => null));
  expect(sent.map((h) => h['if-none-match'] ?? null)).toEqual(manifests.map(() => null));
  for (const r of manifests) {
    const res = await r.response();
    expect(res?.status()).toBe(200);
    expect(res?.headers()['cache-control']).toBe('no-store');
  }
});
