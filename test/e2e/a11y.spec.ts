import { mkdirSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { ROUTE_ROLES } from '../../src/server/admin/access.js';
import { axeViolations, describeViolations } from './axe.js';
import { signedIn, startA11yServer, type A11yServer, type Role } from './a11y-server.js';
import { openFirstVisit } from './helpers.js';

// Issue 20, "Accessibility to WCAG 2.1 AA": axe-core (WCAG 2.0/2.1 A and AA rules) finds nothing on
// the demo (before and after consent, its consent dialog open for each age band) and on every
// console page, as the owner and as an analyst (whose pages differ: fewer controls, the 403 page),
// on a desktop and a phone viewport. Phone screenshots go to test-results/a11y/ to be looked at.

/** What a console URL is built from: the demo site and items of its working copy. */
type Ids = { site: string; feature: string; model: string; segment: string };

/**
 * Every console page, by the GET route pattern the role table (src/server/admin/access.ts) lists it
 * under: one line per page. The coverage test below fails for a console GET route missing here.
 */
const PAGES: Record<string, (x: Ids) => string> = {
  '/admin/login': () => '/admin/login',
  '/admin': () => '/admin',
  '/admin/account': () => '/admin/account',
  '/admin/accounts': () => '/admin/accounts',
  '/admin/audit': (x) => `/admin/audit?site=${x.site}`,
  '/admin/keys': () => '/admin/keys',
  '/admin/sites/:site': (x) => `/admin/sites/${x.site}`,
  '/admin/sites/:site/estimates': (x) => `/admin/sites/${x.site}/estimates`,
  '/admin/sites/:site/refinement': (x) => `/admin/sites/${x.site}/refinement`,
  '/admin/sites/:site/review': (x) => `/admin/sites/${x.site}/review`,
  '/admin/sites/:site/new-feature': (x) => `/admin/sites/${x.site}/new-feature`,
  '/admin/sites/:site/features/:name': (x) => `/admin/sites/${x.site}/features/${x.feature}`,
  '/admin/sites/:site/new-model': (x) => `/admin/sites/${x.site}/new-model`,
  '/admin/sites/:site/models/:model': (x) => `/admin/sites/${x.site}/models/${x.model}`,
  '/admin/sites/:site/models/:model/segments/:segment/documentation': (x) =>
    `/admin/sites/${x.site}/models/${x.model}/segments/${x.segment}/documentation`,
  '/admin/sites/:site/fit': (x) => `/admin/sites/${x.site}/fit`,
};

/** Views that are not a route of their own: banners, refusals, the 404s. */
const STATES: Record<string, (x: Ids) => string> = {
  'site page with both banners': (x) =>
    `/admin/sites/${x.site}?ok=${encodeURIComponent('Policy saved.')}&error=${encodeURIComponent('Refused: a reason.')}`,
  'no such site (404)': () => '/admin/sites/no-such-site',
  'no such console page (404)': () => '/admin/no-such-page',
};

/** The console's HTML GET routes as the role table lists them (the JSON API is not a page). */
const consoleGets = () =>
  ROUTE_ROLES.filter((r) => r.method === 'GET' && !r.path.startsWith('/admin/api')).map((r) => r.path);

const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
type ViewportName = keyof typeof VIEWPORTS;

let s: A11yServer;
let ids: Ids;
test.beforeAll(async ({ request }) => {
  s = await startA11yServer(request);
  const pace = s.manifest.models.find((m) => m.id === 'pace')!;
  ids = {
    site: 'lingua-kids',
    feature: s.manifest.features[0]!.name,
    model: pace.id,
    segment: pace.segments[0]!.id,
  };
});
test.afterAll(async () => {
  await s?.close();
});

test('every console GET route in the role table is in the accessibility suite', () => {
  const missing = consoleGets().filter((path) => !(path in PAGES));
  expect(missing, 'console pages the a11y suite does not visit: add a line to PAGES').toEqual([]);
  const stale = Object.keys(PAGES).filter((path) => !consoleGets().includes(path));
  expect(stale, 'PAGES lines without a console GET route').toEqual([]);
});

/** Runs axe over the page as it is, as a soft failure naming each violation. */
async function softAxe(page: Page, label: string): Promise<void> {
  const found = await axeViolations(page);
  expect.soft(found, `axe on ${label} (${page.url()}):\n${describeViolations(found)}`).toEqual([]);
}

/** Visits `url`, runs axe, records a soft failure naming each violation, and on a phone takes a screenshot. */
async function check(page: Page, label: string, url: string, shot: string | null): Promise<void> {
  const res = await page.goto(url);
  expect.soft(res?.status(), `${label}: ${url} answered`).toBeLessThan(500);
  await softAxe(page, label);
  if (shot) await page.screenshot({ path: shot, fullPage: true });
}

const shotName = (dir: string, name: string) =>
  `${dir}/${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.png`;

for (const vp of Object.keys(VIEWPORTS) as ViewportName[]) {
  for (const role of ['owner', 'analyst'] as Role[]) {
    test(`axe finds nothing on any console page, as ${role}, ${vp}`, async ({ browser }) => {
      test.setTimeout(180_000);
      const dir = `test-results/a11y/console-${vp}-${role}`;
      if (vp === 'phone') mkdirSync(dir, { recursive: true });
      const context = await signedIn(browser, s, role, VIEWPORTS[vp]);
      const page = await context.newPage();
      for (const [path, url] of [...Object.entries(PAGES), ...Object.entries(STATES)]) {
        if (path === '/admin/login') continue;
        await check(page, path, url(ids), vp === 'phone' ? shotName(dir, path) : null);
      }
      if (role === 'owner') {
        // A refused edit: the form again, with each message beside its field.
        await page.goto(PAGES['/admin/sites/:site/models/:model/segments/:segment/documentation']!(ids));
        await page.locator('textarea[name="dataSources"]').fill('');
        await page.locator('form.editor button[type=submit]').first().click();
        await expect(page.locator('#error-dataSources')).toBeVisible();
        await softAxe(page, 'a refused documentation card');
        if (vp === 'phone')
          await page.screenshot({ path: `${dir}/refused-documentation.png`, fullPage: true });
        // A fit's result: its table and charts (a small learner CSV over the site's features).
        await page.goto(PAGES['/admin/sites/:site/fit']!(ids));
        await page.locator('input[name="csv"]').setInputFiles({
          name: 'learners.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(learnerCsv(s.manifest.features.map((f) => f.name))),
        });
        await page.locator('input[name="k"]').fill('2..3');
        await page.getByRole('button', { name: 'Run the fit' }).click();
        await expect(page.locator('figure svg').first()).toBeVisible();
        await softAxe(page, "a fit's result");
        if (vp === 'phone') await page.screenshot({ path: `${dir}/fit-result.png`, fullPage: true });
      }
      await context.close();
    });
  }
  test(`axe finds nothing on the login page, refused or not, ${vp}`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: VIEWPORTS[vp], baseURL: s.server.url });
    const page = await context.newPage();
    const dir = 'test-results/a11y/login';
    mkdirSync(dir, { recursive: true });
    await check(page, 'login', '/admin/login', vp === 'phone' ? `${dir}/login.png` : null);
    await page.getByLabel(/name/i).first().fill('nobody');
    await page.locator('input[type=password]').fill('wrong');
    await page.locator('form button[type=submit], form input[type=submit]').first().click();
    await expect(page.locator('.flash.error, [role=alert]').first()).toBeVisible();
    const found = await axeViolations(page);
    expect(found, `axe on the refused login:\n${describeViolations(found)}`).toEqual([]);
    await context.close();
  });
}

/** A learner table of 90 rows in three loose groups, one column per feature (seeded, no randomness). */
function learnerCsv(features: readonly string[]): string {
  const rows = Array.from({ length: 90 }, (_, i) =>
    features
      .map((_, j) => (((i % 3) * 0.6 - 0.6 + ((i * 7 + j * 3) % 10) / 50) * (j + 1)).toFixed(3))
      .join(','),
  );
  return [features.join(','), ...rows].join('\n');
}

const BANDS = ['unknown', 'under13', 'teen', 'adult'] as const;

for (const vp of Object.keys(VIEWPORTS) as ViewportName[]) {
  test(`axe finds nothing on the demo, its consent dialog open for each age band, before and after consent, ${vp}`, async ({
    browser,
  }) => {
    test.setTimeout(120_000);
    const dir = `test-results/a11y/demo-${vp}`;
    if (vp === 'phone') mkdirSync(dir, { recursive: true });
    const context = await browser.newContext({ viewport: VIEWPORTS[vp], baseURL: s.server.url });
    const page = await context.newPage();
    const dialog = await openFirstVisit(page);
    for (const band of BANDS) {
      await page.getByTestId('consent-age').selectOption(band);
      await softAxe(page, `the first-visit consent dialog, age band ${band}`);
      if (vp === 'phone') await page.screenshot({ path: `${dir}/dialog-${band}.png` });
    }
    await page.getByTestId('consent-self-instruction').check();
    await page.getByTestId('consent-self-analytics').check();
    await page.getByTestId('consent-save').click();
    await expect(dialog).toBeHidden();
    await expect(page.locator('[data-testid="released"] [data-segment-id]').first()).toBeVisible();
    await page.getByTestId('bulk-lessons').click();
    await page.getByTestId('bulk-quiz-right').click();
    await page.locator('details.audit summary').click();
    await softAxe(page, 'the demo after consent');
    if (vp === 'phone') await page.screenshot({ path: `${dir}/after-consent.png`, fullPage: true });
    await page.getByTestId('consent-open').click();
    await expect(page.getByTestId('consent-withdraw')).toBeVisible();
    await softAxe(page, 'the consent dialog with a consent to withdraw');
    if (vp === 'phone') await page.screenshot({ path: `${dir}/dialog-withdraw.png` });
    await context.close();
  });
}
