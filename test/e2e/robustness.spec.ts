import { test, expect, type Page } from '@playwright/test';
import { adultAllConsent, demoStarted, openDemo, studyHard, track } from './helpers.js';

/** The Content Security Policy violations the page reports from now on (console messages and securitypolicyviolation events). */
async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Refused to ... ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return violations;
}

test('the whole flow runs under a strict Content Security Policy without a single violation', async ({
  page,
}) => {
  const violations = await watchCspViolations(page);
  const response = await page.goto('/demo/');
  const csp = response!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self' 'sha256-");
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toContain('unsafe-inline');
  await demoStarted(page);
  const workerCsp = (await page.request.get('/edseg/edseg.worker.js')).headers()['content-security-policy'];
  expect(workerCsp).toContain("script-src 'self'");
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  expect((await page.evaluate(() => window.edseg.segments())).length).toBeGreaterThan(0);
  expect((await page.evaluate(() => window.edseg.flush())).sent).toBe(1);
  await page.getByTestId('bulk-lessons').click();
  await page.waitForTimeout(300);
  expect(violations).toEqual([]);
});

test('the violation detector of the CSP test does see a violation (negative control)', async ({
  page,
  context,
}) => {
  const violations = await watchCspViolations(page);
  // A same-origin script under the same policy that probes eval the way a JIT would, swallowing the error.
  await context.route('**/demo/app.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: "try { new Function('return 1'); } catch { /* swallowed */ }",
    }),
  );
  await page.goto('/demo/');
  await expect.poll(() => violations.length).toBeGreaterThan(0);
});

test('a worker URL that cannot load gives an error event and an inert segmenter, not rejections', async ({
  page,
}) => {
  await openDemo(page);
  const r = await page.evaluate(async () => {
    const seg = window.__newSegmenter({ workerUrl: '/edseg/no-such-worker.js' });
    const errors: string[] = [];
    seg.on('error', (e) => errors.push(e.code));
    seg.track('practice_session', { minutes: 3 });
    const segments = await seg.segments();
    await seg.ready;
    return { segments, errors, blocked: (await seg.explain()).blocked };
  });
  expect(r).toEqual({ segments: [], errors: ['worker-unavailable'], blocked: 'worker-unavailable' });
});

test('calls reject with worker-timeout when the worker does not answer', async ({ page, context }) => {
  await context.route('**/edseg/silent.worker.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: 'self.onmessage = () => {};' }),
  );
  await openDemo(page);
  const result = await page.evaluate(async () => {
    const seg = window.__newSegmenter({ workerUrl: '/edseg/silent.worker.js', timeoutMs: 300 });
    const t0 = performance.now();
    try {
      await seg.segments();
      return { code: 'resolved', ms: 0 };
    } catch (e) {
      return { code: (e as { code?: string }).code, ms: performance.now() - t0 };
    }
  });
  expect(result.code).toBe('worker-timeout');
  expect(result.ms).toBeLessThan(2_000);
});

test('createSegmenter names the bad option', async ({ page }) => {
  await openDemo(page);
  const err = await page.evaluate(() => {
    try {
      window.__newSegmenter({ publicKeys: [{ kty: 'RSA' }] });
      return null;
    } catch (e) {
      return { code: (e as { code: string }).code, field: (e as { field: string }).field };
    }
  });
  expect(err).toEqual({ code: 'invalid-input', field: 'options.publicKeys.0.kty' });
});

test('consent set in one tab reaches another open tab at once', async ({ context }) => {
  const a = await context.newPage();
  await openDemo(a);
  await a.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  const b = await context.newPage();
  await openDemo(b);
  expect((await b.evaluate(() => window.edseg.segments())).length).toBeGreaterThan(0);
  await a.evaluate(() =>
    window.edseg.setConsent({
      ageBand: 'adult',
      optOut: ['instruction', 'analytics', 'marketing', 'advertising'],
    }),
  );
  await expect.poll(() => b.evaluate(() => window.edseg.segments())).toEqual([]);
  await expect.poll(() => b.evaluate(() => window.__segmentsEvents!.at(-1))).toEqual([]);
});
