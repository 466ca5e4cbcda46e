import { test, expect } from '@playwright/test';
import { adultAllConsent, collectorReports, openDemo, studyHard, track, watchNetwork } from './helpers.js';

test('two tabs open on the same site produce exactly one report per period', async ({ context }) => {
  const seen = await watchNetwork(context);
  const a = await context.newPage();
  await openDemo(a);
  await a.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(a, studyHard);
  const b = await context.newPage();
  await openDemo(b);
  // Both tabs race to report for the same period, several times over.
  for (let i = 0; i < 3; i++)
    await Promise.all([a.evaluate(() => window.edseg.flush()), b.evaluate(() => window.edseg.flush())]);
  const reports = collectorReports(seen);
  expect(reports).toHaveLength(1);
  const [ea, eb] = await Promise.all([
    a.evaluate(() => window.edseg.explain()),
    b.evaluate(() => window.edseg.explain()),
  ]);
  expect(ea.budget.reportsInWindow).toBe(1);
  expect(eb.budget.reportsInWindow).toBe(1);
  expect(ea.budget.spent).toBeCloseTo(reports[0]!.epsilon, 9);
  expect(ea.budget.cap).toBeGreaterThan(0);
});

test('a report carries exactly the fields PRIVACY.md lists, and its epsilon', async ({ page, context }) => {
  const seen = await watchNetwork(context);
  await openDemo(page);
  await page.evaluate((c) => window.edseg.setConsent(c), adultAllConsent);
  await track(page, studyHard);
  await page.evaluate(() => window.edseg.flush());
  const [report] = collectorReports(seen);
  expect(Object.keys(report!).sort()).toEqual([
    'epsilon',
    'features',
    'id',
    'manifestVersion',
    'period',
    'segments',
    'site',
  ]);
  const manifest = (await page.evaluate(() => window.edseg.exportData())).manifest!.payload as {
    reporting: { epsilonSegment: number; epsilonFeatures: number; periodDays: number };
  };
  const ldp = report!.segments.filter((f) => f.channel === 'ldp').length;
  expect(report!.epsilon).toBeCloseTo(
    ldp * manifest.reporting.epsilonSegment + manifest.reporting.epsilonFeatures,
    9,
  );
  expect(report!.period % manifest.reporting.periodDays).toBe(0);
  // The server accepted it: idempotent by id, stored once.
  const audit = (await page.evaluate(() => window.edseg.exportData())).audit;
  expect(audit.filter((a) => a.kind === 'report-sent')).toHaveLength(1);
});
