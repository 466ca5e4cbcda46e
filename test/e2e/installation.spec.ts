/**
 * Issue 20: the installation view in the console. The demo loaded from an origin the site does not
 * list (installation.localhost, beside the listed 127.0.0.1 and localhost) shows up on the site's
 * installation page as "not listed", with the command and the owner's button that fix it.
 */
import { test, expect } from '@playwright/test';
import { expectNoAxeViolations } from './axe.js';
import { openDemo } from './helpers.js';

const port = Number(process.env.EDSEG_E2E_PORT);
const UNLISTED = `http://installation.localhost:${port}`;
const TOKEN = process.env.EDSEG_ADMIN_TOKEN ?? 'e2e-admin-token';

test('an unlisted origin seen on the installation page, with the command and the button that fix it', async ({
  page,
  browser,
}) => {
  // A learner's page on the unlisted origin: its manifest request is counted, nothing is released.
  const learner = await browser.newPage();
  await openDemo(learner, `${UNLISTED}/demo/`);
  expect((await learner.evaluate(() => window.edseg.explain())).blocked).toBe('origin-not-allowed');
  await learner.close();

  // The owner signs in, follows the site page's link to the installation page.
  await page.goto('/admin/login');
  await page.getByLabel('Account name').fill('Grace');
  await page.getByLabel('Password (or the admin token)').fill(TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.goto('/admin/sites/lingua-kids');
  await page.getByRole('link', { name: 'Installation', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/sites\/lingua-kids\/installation$/);
  const row = page.getByTestId('origins').locator('tr', { hasText: UNLISTED });
  await expect(row).toContainText('not listed');
  const fix = page.locator(`[data-testid="unlisted"][data-origin="${UNLISTED}"]`);
  await expect(fix).toContainText(
    `npx edseg-admin site origins lingua-kids --add ${UNLISTED} && npx edseg-admin publish lingua-kids`,
  );
  await expect(page.getByText('Listed in the published manifest')).toContainText(`http://127.0.0.1:${port}`);

  // The owner's fix: the Add button (it posts to the site's origins form) and Review and publish.
  // Not pressed here: the e2e server is shared, and other tests read the working copy and its diff.
  await expect(fix.getByRole('button', { name: `Add ${UNLISTED}` })).toBeVisible();
  await expect(fix.locator('input[name="add"]')).toHaveValue(UNLISTED);
  await expect(fix.getByRole('link', { name: 'Review and publish' })).toHaveAttribute(
    'href',
    '/admin/sites/lingua-kids/review',
  );

  // axe-core over the page, axe's default rules as trends.spec.ts: no violation.
  await expectNoAxeViolations(page, 'the installation page', null);
});
