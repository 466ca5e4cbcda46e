import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** The rules the project holds itself to: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** One violation as the failure message names it: rule id, impact and each node's target. */
export type Found = { id: string; impact: string; targets: string[] };

/**
 * Runs axe-core (@axe-core/playwright) over the page as it is now, with the WCAG 2.0/2.1 A and AA
 * rules (`tags`), or with axe's default rule set (best practices too) for `tags: null`. The script is
 * evaluated through the DevTools protocol, so a page's CSP (the console's `default-src 'none'`)
 * stays on and does not block it.
 */
export async function axeViolations(
  page: Page,
  tags: readonly string[] | null = WCAG_TAGS,
): Promise<Found[]> {
  const builder = new AxeBuilder({ page });
  const results = await (tags ? builder.withTags([...tags]) : builder).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? 'unknown',
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** Lines for a failure message: `id (impact): target, target…` per violation. */
export function describeViolations(found: readonly Found[]): string {
  return found.map((f) => `${f.id} (${f.impact}): ${f.targets.join(', ')}`).join('\n');
}

/** Fails, listing each violation's id, impact and node targets, when axe finds any on the page. */
export async function expectNoAxeViolations(
  page: Page,
  where: string,
  tags: readonly string[] | null = WCAG_TAGS,
): Promise<void> {
  const found = await axeViolations(page, tags);
  expect(found, `axe on ${where} (${page.url()}):\n${describeViolations(found)}`).toEqual([]);
}
