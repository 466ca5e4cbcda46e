import { expect, test, type Page } from '@playwright/test';
import { adultAllConsent, openDemo, openFirstVisit } from './helpers.js';

/** Whether the page scrolls sideways: the document is wider than the viewport. */
const sideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test.describe('at 360 px wide', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('the page does not scroll sideways and the consent dialog fits, down to its buttons', async ({
    page,
  }) => {
    const dialog = await openFirstVisit(page);
    expect(await sideways(page)).toBe(0);
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(740);
    // The dialog scrolls within itself: its last button comes into view inside the viewport and works.
    await page.getByTestId('consent-age').selectOption('adult');
    await page.getByTestId('consent-self-instruction').check();
    const save = page.getByTestId('consent-save');
    await save.scrollIntoViewIfNeeded();
    const saveBox = (await save.boundingBox())!;
    expect(saveBox.x + saveBox.width).toBeLessThanOrEqual(360);
    expect(saveBox.y + saveBox.height).toBeLessThanOrEqual(740);
    await save.click();
    await expect(dialog).toBeHidden();
    await expect(page.locator('[data-testid="released"] [data-segment-id]')).toHaveCount(2);
    // With the learning profile, the suggestion and the transparency panel drawn: still no sideways scroll.
    await expect(page.locator('[data-testid="suggestion"] .suggestion')).toHaveAttribute(
      'data-kind',
      'on-track',
    );
    expect(await sideways(page)).toBe(0);
  });
});

test('the suggested next lesson follows the released mastery segment, and is generic without one', async ({
  page,
}) => {
  await openDemo(page);
  const suggestion = page.locator('[data-testid="suggestion"] .suggestion');
  const suggestedCard = page.locator('.lesson.suggested');
  // No consent yet: nothing released, so the suggestion is the one everyone gets.
  await expect(suggestion).toHaveAttribute('data-kind', 'generic');
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await expect(suggestion).toHaveAttribute('data-kind', 'on-track');
  await expect(suggestedCard).toHaveAttribute('data-lesson-id', 'animals');
  // Mostly wrong answers: needs-support, and the page suggests a review instead.
  await page.getByTestId('bulk-quiz-wrong').click();
  await expect(suggestion).toHaveAttribute('data-kind', 'needs-support');
  await expect(suggestion).toContainText('Review “Colours”');
  await expect(suggestedCard).toHaveAttribute('data-lesson-id', 'colours');
  await expect(page.locator('.lesson.suggested .suggested-badge')).toBeVisible();
  await expect(page.locator('.lesson.suggested')).toHaveCount(1);
  // Withdrawn consent: nothing released, the suggestion is generic again.
  await page.evaluate(() => window.edseg.setConsent({ ageBand: 'adult' }));
  await expect(suggestion).toHaveAttribute('data-kind', 'generic');
});

test('a learner whose answers are mostly right is suggested the challenge', async ({ page }) => {
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await page.getByTestId('bulk-quiz-right').click();
  const suggestion = page.locator('[data-testid="suggestion"] .suggestion');
  await expect(suggestion).toHaveAttribute('data-kind', 'ready-for-challenge');
  await expect(page.locator('.lesson.suggested')).toHaveAttribute('data-lesson-id', 'greetings');
});

test.describe('the consent dialog shows only what applies', () => {
  const sections = (page: Page) => ({
    parental: page.locator('#parental-fieldset'),
    self: page.locator('#self-fieldset'),
    thirdParty: page.getByTestId('consent-thirdparty-instruction'),
    selfBox: page.getByTestId('consent-self-instruction'),
  });

  test('each age band sees its own section and not the others', async ({ page }) => {
    await openFirstVisit(page);
    const s = sections(page);
    const age = page.getByTestId('consent-age');
    // Under 13 or of unknown age: the parent decides (COMPLIANCE.md rules 6, 7); the learner's own choice does not count.
    for (const band of ['unknown', 'under13']) {
      await age.selectOption(band);
      await expect(s.parental, band).toBeVisible();
      await expect(s.thirdParty, band).toBeVisible();
      await expect(s.self, band).toBeHidden();
      await expect(s.selfBox, band).toBeHidden();
    }
    // From 13: the learner's own choice (rule 8); no parent section.
    for (const band of ['teen', 'adult']) {
      await age.selectOption(band);
      await expect(s.self, band).toBeVisible();
      await expect(s.selfBox, band).toBeVisible();
      await expect(s.parental, band).toBeHidden();
      await expect(s.thirdParty, band).toBeHidden();
    }
    // School and the opt-outs apply to every band.
    await expect(page.getByTestId('consent-school')).toBeVisible();
    await expect(page.getByTestId('consent-optout-advertising')).toBeVisible();
  });

  test('Withdraw is absent on a first visit and offered once there is a consent', async ({ page }) => {
    const dialog = await openFirstVisit(page);
    const withdraw = page.getByTestId('consent-withdraw');
    await expect(withdraw).toBeHidden();
    await page.getByTestId('consent-age').selectOption('adult');
    await page.getByTestId('consent-self-instruction').check();
    await page.getByTestId('consent-save').click();
    await expect(dialog).toBeHidden();
    await page.getByTestId('consent-open').click();
    await expect(dialog).toBeVisible();
    await expect(withdraw).toBeVisible();
    await withdraw.click();
    await expect(dialog).toBeHidden();
    await expect(page.locator('[data-testid="released"] [data-segment-id]')).toHaveCount(0);
    // Withdrawn: nothing left to withdraw.
    await page.getByTestId('consent-open').click();
    await expect(dialog).toBeVisible();
    await expect(withdraw).toBeHidden();
  });

  for (const viewport of [
    { width: 1280, height: 720 },
    { width: 390, height: 844 },
  ]) {
    test(`Save is in view without scrolling at ${viewport.width}x${viewport.height}`, async ({ page }) => {
      await page.setViewportSize(viewport);
      await openFirstVisit(page);
      // The longest form: a child's, with the parent section.
      await page.getByTestId('consent-age').selectOption('under13');
      const save = page.getByTestId('consent-save');
      const box = (await save.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      // Not clipped by the dialog's scrolling body: the button itself is what is drawn there.
      const hit = await page.evaluate(
        ({ x, y }) => document.elementFromPoint(x, y)?.closest('[data-testid]')?.getAttribute('data-testid'),
        { x: box.x + box.width / 2, y: box.y + box.height / 2 },
      );
      expect(hit).toBe('consent-save');
      await page.screenshot({ path: `/tmp/demo20-consent-${viewport.width}x${viewport.height}.png` });
    });
  }
});
