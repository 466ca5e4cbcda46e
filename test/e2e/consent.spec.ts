import { test, expect } from '@playwright/test';
import { E2E_PORT } from '../../playwright.config.js';
import {
  adultAllConsent,
  collectorReports,
  openFirstVisit,
  expectWorkerRequestsSeen,
  openDemo,
  studyHard,
  track,
  watchNetwork,
} from './helpers.js';

const reasonsOf = async (page: import('@playwright/test').Page) => {
  const ex = await page.evaluate(() => window.edseg.explain());
  return ex.segments;
};

test('under 13 with neither parental consent nor school authorisation: nothing released, nothing sent', async ({
  page,
  context,
}) => {
  const seen = await watchNetwork(context);
  await openDemo(page);
  await page.evaluate(() => window.edseg.setConsent({ ageBand: 'under13' }));
  await track(page, studyHard);
  expect(await page.evaluate(() => window.edseg.segments())).toEqual([]);
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 0 });
  expectWorkerRequestsSeen(seen);
  expect(seen.filter((s) => new URL(s.url).pathname === '/v1/reports')).toHaveLength(0);
  const segs = await reasonsOf(page);
  expect(
    segs.filter((s) => s.purpose === 'instruction').every((s) => s.reasons[0] === 'coppa-parental-consent'),
  ).toBe(true);
  // Nothing allowed, so nothing was written to IndexedDB either.
  expect((await page.evaluate(() => window.edseg.exportData())).persisted).toBe(false);
});

test('under 13 with school authorisation only: instruction released, marketing withheld, reports only through ldp', async ({
  page,
  context,
}) => {
  const seen = await watchNetwork(context);
  await openDemo(page);
  await page.evaluate(() => window.edseg.setConsent({ ageBand: 'under13', schoolAuthorized: true }));
  await track(page, studyHard);
  const released = await page.evaluate(() => window.edseg.segments());
  expect(new Set(released.map((s) => s.purpose))).toEqual(new Set(['instruction']));
  expect(new Set(released.map((s) => s.model))).toEqual(new Set(['pace', 'mastery']));
  const segs = await reasonsOf(page);
  const offers = segs.filter((s) => s.model === 'offers');
  expect(offers.every((s) => !s.released && s.reasons[0] === 'coppa-separate-consent')).toBe(true);
  expect(
    segs.filter((s) => s.model === 'tutoring_upsell').every((s) => s.reasons[0] === 'ferpa-education-record'),
  ).toBe(true);
  expect((await page.evaluate(() => window.edseg.flush())).sent).toBe(1);
  const reports = collectorReports(seen);
  expect(reports).toHaveLength(1);
  const fields = reports[0]!.segments;
  expect(fields.map((f) => f.model).sort()).toEqual(['mastery', 'pace']);
  expect(fields.every((f) => f.channel === 'ldp')).toBe(true);
});

test('with verified parental consent naming analytics, the pace segment may go in clear', async ({
  page,
  context,
}) => {
  const seen = await watchNetwork(context);
  await openDemo(page);
  await page.evaluate(() =>
    window.edseg.setConsent({
      ageBand: 'under13',
      schoolAuthorized: true,
      parental: { verified: true, method: 'card-check', purposes: ['instruction', 'analytics'] },
    }),
  );
  await track(page, studyHard);
  expect((await page.evaluate(() => window.edseg.flush())).sent).toBe(1);
  const fields = collectorReports(seen)[0]!.segments;
  expect(fields.find((f) => f.model === 'pace')?.channel).toBe('clear');
  expect(fields.find((f) => f.model === 'mastery')?.channel).toBe('ldp');
});

test('GPC set by the browser withholds advertising segments with reason gpc', async ({ page }) => {
  await page.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
      get: () => true,
      configurable: true,
    }),
  );
  await openDemo(page);
  await page.evaluate(() =>
    window.edseg.setConsent({
      ageBand: 'adult',
      self: { purposes: ['instruction', 'analytics', 'marketing', 'advertising'] },
    }),
  );
  await track(page, studyHard);
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.consent?.gpc).toBe(true);
  const ads = ex.segments.filter((s) => s.purpose === 'advertising');
  expect(ads.length).toBeGreaterThan(0);
  // general-audience is outside the site policy (rule 3 decides first); gpc denies every one of them.
  expect(ads.every((s) => !s.released && s.reasons.includes('gpc'))).toBe(true);
  expect(ads.filter((s) => s.reasons[0] === 'gpc').length).toBeGreaterThanOrEqual(2);
  const released = await page.evaluate(() => window.edseg.segments());
  expect(released.some((s) => s.purpose === 'marketing')).toBe(true);
  expect(released.some((s) => s.purpose === 'advertising')).toBe(false);
});

test('a segment that uses education records is never released for marketing, whatever the consent', async ({
  page,
}) => {
  await openDemo(page);
  await page.evaluate(() =>
    window.edseg.setConsent({
      ageBand: 'adult',
      schoolAuthorized: true,
      self: { purposes: ['instruction', 'analytics', 'marketing', 'advertising'] },
      parental: { verified: true, purposes: ['instruction', 'analytics', 'marketing', 'advertising'] },
    }),
  );
  await track(page, studyHard);
  const segs = await reasonsOf(page);
  const upsell = segs.filter((s) => s.model === 'tutoring_upsell');
  expect(upsell.length).toBeGreaterThanOrEqual(3);
  expect(
    upsell.every((s) => s.usesEducationRecord && !s.released && s.reasons[0] === 'ferpa-education-record'),
  ).toBe(true);
  expect(
    (await page.evaluate(() => window.edseg.segments())).some((s) => s.model === 'tutoring_upsell'),
  ).toBe(false);
  // The same learner's non-education-record marketing segment is released: the rule is specific.
  expect((await page.evaluate(() => window.edseg.segments())).some((s) => s.model === 'offers')).toBe(true);
});

test('withdrawing consent fires an empty segments event and drops the unsent report', async ({
  page,
  context,
}) => {
  const seen = await watchNetwork(context);
  let collectorUp = false;
  await context.route('**/v1/reports', (route) =>
    collectorUp ? route.continue() : route.abort('connectionrefused'),
  );
  await openDemo(page);
  await page.evaluate(() =>
    window.edseg.setConsent({ ageBand: 'teen', self: { purposes: ['instruction', 'analytics'] } }),
  );
  await track(page, studyHard);
  expect((await page.evaluate(() => window.edseg.segments())).length).toBeGreaterThan(0);
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 1 });
  await page.evaluate(() =>
    window.edseg.setConsent({
      ageBand: 'teen',
      optOut: ['instruction', 'analytics', 'marketing', 'advertising'],
    }),
  );
  const events = await page.evaluate(() => window.__segmentsEvents!);
  expect(events.at(-1)).toEqual([]);
  collectorUp = true;
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 0 });
  expect(
    seen
      .filter((s) => new URL(s.url).pathname === '/v1/reports' && s.method === 'POST')
      .every((s) => s.body === null || s.body.length > 0),
  ).toBe(true);
  const audit = (await page.evaluate(() => window.edseg.exportData())).audit;
  expect(audit.some((a) => a.kind === 'report-dropped')).toBe(true);
  expect(audit.some((a) => a.kind === 'report-sent')).toBe(false);
});

test('forget() deletes the edseg database and no request follows', async ({ page, context }) => {
  const seen = await watchNetwork(context);
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain(
    'edseg:lingua-kids',
  );
  await page.evaluate(() => window.edseg.forget());
  const countAfter = seen.length;
  // What is left is the rollback floor (floor.ts): one record per site, { site, version, lastSpend },
  // nothing else (lastSpend: the day of the last report's spend; null, none was made here).
  expect(
    await page.evaluate(async () =>
      (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith('edseg')),
    ),
  ).toEqual(['edseg-floor']);
  const floor = await page.evaluate(
    () =>
      new Promise<unknown[]>((ok) => {
        const open = indexedDB.open('edseg-floor');
        open.onsuccess = () => {
          const all = open.result.transaction('floor').objectStore('floor').getAll();
          all.onsuccess = () => {
            open.result.close();
            ok(all.result);
          };
        };
      }),
  );
  expect(floor).toEqual([{ site: 'lingua-kids', version: expect.any(Number), lastSpend: null }]);
  const after = await page.evaluate(() => {
    try {
      window.edseg.track('lesson_complete', { lessonId: 'z', minutes: 1 });
      return 'accepted';
    } catch (e) {
      return (e as { code: string }).code;
    }
  });
  expect(after).toBe('forgotten');
  await page.waitForTimeout(1500);
  expect(seen.slice(countAfter).filter((s) => !new URL(s.url).pathname.startsWith('/demo/'))).toEqual([]);
});

test('a page on an origin the manifest does not list gets nothing, and explain() says why', async ({
  page,
}) => {
  await openDemo(page, `http://other.localhost:${E2E_PORT}/demo/`);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  expect(await page.evaluate(() => window.edseg.segments())).toEqual([]);
  const ex = await page.evaluate(() => window.edseg.explain());
  expect(ex.origin).toBe(`http://other.localhost:${E2E_PORT}`);
  expect(ex.manifest.reason).toBe('origin-not-allowed');
  expect(ex.blocked).toBe('origin-not-allowed');
  expect(await page.evaluate(() => window.edseg.flush())).toEqual({ sent: 0, pending: 0 });
});

test('a first visit asks through the consent dialog, and the choices made there take effect', async ({
  page,
}) => {
  const dialog = await openFirstVisit(page);
  // Nothing is released before a choice is made.
  await expect(page.locator('[data-testid="released"] [data-segment-id]')).toHaveCount(0);
  await page.getByTestId('consent-age').selectOption('under13');
  // A child's own consent does not count (rule 8), so the dialog does not ask for it.
  await expect(page.getByTestId('consent-self-instruction')).toBeHidden();
  await page.getByTestId('consent-school').check();
  await page.getByTestId('consent-save').click();
  await expect(dialog).toBeHidden();
  await expect(
    page.locator('[data-testid="released"] [data-purpose="instruction"] [data-segment-id]'),
  ).toHaveCount(2);
  await expect(page.locator('[data-testid="released"] [data-purpose="marketing"]')).toHaveCount(0);
  const consent = await page.evaluate(async () => (await window.edseg.explain()).consent);
  expect(consent).toMatchObject({ ageBand: 'under13', schoolAuthorized: true });
  expect(consent?.self).toBeUndefined();
  // Reopened, the dialog shows the stored choices.
  await page.getByTestId('consent-open').click();
  await expect(page.getByTestId('consent-age')).toHaveValue('under13');
  await expect(page.getByTestId('consent-school')).toBeChecked();
});

test('the first-visit dialog closes by itself when consent is given elsewhere', async ({ page }) => {
  await openFirstVisit(page);
  // As another tab (or the host page's own consent flow) would.
  await page.evaluate(() =>
    window.edseg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } }),
  );
  await expect(page.locator('#consent-dialog')).toBeHidden();
  await expect(
    page.locator('[data-testid="released"] [data-purpose="instruction"] [data-segment-id]'),
  ).toHaveCount(2);
});
