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
