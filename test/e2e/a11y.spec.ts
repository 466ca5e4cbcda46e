import { mkdirSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { ROUTE_ROLES } from '../../src/server/admin/access.js';
import { axeViolations, describeViolations } from './axe.js';
import { ADMIN_TOKEN, signedIn, startA11yServer, type A11yServer, type Role } from './a11y-server.js';
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
  '/admin/sites/:site/installation': (x) => `/admin/sites/${x.site}/installation`,
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
  '/admin/sites/:site/train': (x) => `/admin/sites/${x.site}/train`,
};

/**
 * Pages that exist only for a job a form started, so they are checked in a flow: the fit job's page in
 * the owner's fit below (running, then its result), the train job's in console-fit.spec.ts.
 */
const IN_FLOWS = ['/admin/sites/:site/fit/jobs/:job', '/admin/sites/:site/train/jobs/:job'];

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
  const missing = consoleGets().filter((path) => !(path in PAGES) && !IN_FLOWS.includes(path));
  expect(missing, 'console pages the a11y suite does not visit: add a line to PAGES').toEqual([]);
  const stale = Object.keys(PAGES).filter((path) => !consoleGets().includes(path));
  expect(stale, 'PAGES lines without a console GET route').toEqual([]);
});

/** Runs axe over the page as it is, as a soft failure naming each violation. */
async function softAxe(page: Page, label: string): Promise<void> {
  const found = await axeViolations(page);
  expect.soft(found, `axe on ${label} (${page.url()}):\n${describeViolations(found)}`).toEqual([]);
}

/**
 * The whole page as screenshots of at most 1600 px each (`<base>-1.png`, …), so each can be looked at
 * at its size; a long page in one image is shrunk past reading.
 */
async function pageShots(page: Page, base: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const width = page.viewportSize()!.width;
  for (let y = 0, i = 1; y < height; y += 1600, i++) {
    const clip = { x: 0, y, width, height: Math.min(1600, height - y) };
    await page.screenshot({ path: `${base}-${i}.png`, fullPage: true, clip });
  }
}

/**
 * WCAG 1.4.10 Reflow: the page never scrolls sideways (a wide table scrolls inside its own region).
 * Checked at every viewport; it bites on the phone.
 */
async function softReflow(page: Page, label: string): Promise<void> {
  const sideways = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect.soft(sideways, `${label} (${page.url()}) scrolls sideways by ${sideways} px`).toBe(0);
}

/**
 * Charts keep their drawn size (a phone scrolls them sideways in their figure): an SVG drawn at less
 * than its viewBox's width shrinks its 10 px labels past reading (WCAG 1.4.4).
 */
async function softChartScale(page: Page, label: string): Promise<void> {
  const shrunk = await page.evaluate(() =>
    [...document.querySelectorAll<SVGSVGElement>('figure > svg[viewBox]')]
      .map((svg) => ({
        id: svg.closest('figure')!.id,
        scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
      }))
      .filter((c) => c.scale < 0.99)
      .map((c) => `${c.id || 'figure'} at ${c.scale.toFixed(2)}`),
  );
  expect.soft(shrunk, `${label}: charts drawn smaller than their size`).toEqual([]);
}

/** Visits `url`, runs axe, records a soft failure naming each violation, and on a phone takes a screenshot. */
async function check(page: Page, label: string, url: string, shot: string | null): Promise<void> {
  const res = await page.goto(url);
  expect.soft(res?.status(), `${label}: ${url} answered`).toBeLessThan(500);
  await softAxe(page, label);
  await softReflow(page, label);
  await softChartScale(page, label);
  if (shot) await pageShots(page, shot);
}

const shotName = (dir: string, name: string) =>
  `${dir}/${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}`;

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
        await softReflow(page, 'a refused documentation card');
        if (vp === 'phone') await pageShots(page, `${dir}/refused-documentation`);
        // A fit's result: its table and charts (a small learner CSV over the site's features).
        await page.goto(PAGES['/admin/sites/:site/fit']!(ids));
        await page.locator('input[name="csv"]').setInputFiles({
          name: 'learners.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(learnerCsv(s.manifest.features.map((f) => f.name))),
        });
        await page.locator('input[name="k"]').fill('2..3');
        await page.getByRole('button', { name: 'Run the fit' }).click();
        // the job's page, reloading itself until the fit is done
        await expect(page).toHaveURL(/\/fit\/jobs\//);
        await expect(page.getByTestId('fit-result')).toBeVisible({ timeout: 120_000 });
        await expect(page.locator('figure svg').first()).toBeVisible();
        await softAxe(page, "a fit's result");
        await softReflow(page, "a fit's result");
        await softChartScale(page, "a fit's result");
        if (vp === 'phone') await pageShots(page, `${dir}/fit-result`);
      }
      await context.close();
    });
  }
  test(`axe finds nothing on the login page, refused or not, ${vp}`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: VIEWPORTS[vp], baseURL: s.server.url });
    const page = await context.newPage();
    const dir = 'test-results/a11y/login';
    mkdirSync(dir, { recursive: true });
    await check(page, 'login', '/admin/login', vp === 'phone' ? `${dir}/login` : null);
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
    await softReflow(page, 'the demo after consent');
    if (vp === 'phone') await pageShots(page, `${dir}/after-consent`);
    await page.getByTestId('consent-open').click();
    await expect(page.getByTestId('consent-withdraw')).toBeVisible();
    await softAxe(page, 'the consent dialog with a consent to withdraw');
    if (vp === 'phone') await page.screenshot({ path: `${dir}/dialog-withdraw.png` });
    await context.close();
  });
}

// Keyboard only from here: Tab, Shift+Tab, Enter, Space, Escape and arrow keys; no click, no fill.

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails after `max` presses. */
async function tabTo(page: Page, selector: string, { back = false, max = 150 } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${selector} not reached in ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}`);
}

/** What the focused element is (test id, id, name or tag), and whether a focus indicator is drawn on it. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return { what: 'none', ring: false, inDialog: false };
    const style = getComputedStyle(el);
    const ring =
      (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    const what =
      el.dataset.testid ??
      (el.id || el.getAttribute('name') || `${el.tagName.toLowerCase()}:${el.textContent}`);
    return { what, ring, inDialog: Boolean(el.closest('dialog[open]')) };
  });

test('the consent dialog by keyboard: open, age band, purposes, Save, focus back; Escape; focus kept inside', async ({
  browser,
}) => {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: s.server.url });
  const page = await context.newPage();
  const dialog = await openFirstVisit(page);
  // The first-visit prompt has focus inside it, and Escape closes it.
  expect((await focused(page)).inDialog).toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await tabTo(page, '[data-testid="consent-open"]');
  expect((await focused(page)).ring, 'a focus indicator on "Privacy choices"').toBe(true);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  // Focus stays inside the open dialog, forwards and backwards, with an indicator on every stop.
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press(key);
      const f = await focused(page);
      expect(f.inDialog, `${key} ×${i + 1} left the dialog for ${f.what}`).toBe(true);
      expect(f.ring, `no focus indicator on ${f.what}`).toBe(true);
    }
  }
  // Age band: the select takes arrow keys; 18 or older is the last option.
  await tabTo(page, '[data-testid="consent-age"]');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('consent-age')).toHaveValue('adult');
  await expect(page.locator('#self-fieldset')).toBeVisible();
  for (const purpose of ['instruction', 'analytics']) {
    await tabTo(page, `[data-testid="consent-self-${purpose}"]`);
    await page.keyboard.press('Space');
    await expect(page.getByTestId(`consent-self-${purpose}`)).toBeChecked();
  }
  await tabTo(page, '[data-testid="consent-save"]');
  expect((await focused(page)).ring, 'a focus indicator on Save').toBe(true);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('status')).toContainText('saved');
  await expect(page.locator('[data-testid="released"] [data-segment-id]').first()).toBeVisible();
  expect((await focused(page)).what, 'focus back on the opener').toBe('consent-open');

  // Open again: Withdraw is offered now; Escape closes, and focus is back on the opener.
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('consent-withdraw')).toBeVisible();
  await expect(page.getByTestId('consent-age')).toHaveValue('adult');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect((await focused(page)).what).toBe('consent-open');
  await context.close();
});

test('the console by keyboard: skip link, log in, open the editor, edit a field, save, publish, the banner', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: s.server.url });
  const page = await context.newPage();
  await page.goto('/admin/login');
  // The first stop is the skip link; it moves focus to the main content.
  await page.keyboard.press('Tab');
  expect(await focused(page)).toMatchObject({ what: 'a:Skip to main content', ring: true });
  await page.keyboard.press('Enter');
  expect((await focused(page)).what).toBe('main');
  await tabTo(page, 'input[name="name"]');
  await page.keyboard.type('owner');
  await page.keyboard.press('Tab');
  await page.keyboard.type(ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/admin$/);

  await tabTo(page, `a[href="/admin/sites/${ids.site}"]`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/admin/sites/${ids.site}$`));
  await tabTo(page, `a[href="/admin/sites/${ids.site}/features/${ids.feature}"]`);
  expect((await focused(page)).ring).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.locator('h1')).toContainText(ids.feature);
  await tabTo(page, 'textarea[name="description"]');
  await page.keyboard.press('End');
  await page.keyboard.type(' Edited by keyboard.');
  await tabTo(page, 'form.editor button[type="submit"]');
  await page.keyboard.press('Enter');
  await expect(page.locator('.flash').first()).toContainText('Review and publish to make it live');

  await tabTo(page, `a[href="/admin/sites/${ids.site}/review"]`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/review$/);
  await tabTo(page, 'form[action$="/publish"] button[type="submit"]');
  expect((await focused(page)).ring).toBe(true);
  await page.keyboard.press('Space');
  await expect(page.locator('.flash').first()).toContainText(/^Published version \d+/);
  await expect(page).toHaveURL(new RegExp(`/admin/sites/${ids.site}\\?ok=`));
  await context.close();
});
