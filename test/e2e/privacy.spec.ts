import { test, expect } from '@playwright/test';
import type { ConsentInput } from '../../src/client/index.js';
import { PURPOSES } from '../../src/core/schema.js';
import type { ReportBatch } from '../../src/core/schema.js';
import {
  adultAllConsent,
  collectorReports,
  openDemo,
  studyHard,
  track,
  watchNetwork,
  type TrackArgs,
} from './helpers.js';

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

/** What the shape rule (PRIVACY.md) fixes for a consent record and manifest: everything but the noised values. */
function shapeOf(r: ReportBatch['reports'][number]) {
  return {
    keys: Object.keys(r).sort(),
    site: r.site,
    manifestVersion: r.manifestVersion,
    segments: r.segments.map((f) =>
      f.channel === 'clear'
        ? { model: f.model, channel: f.channel }
        : { model: f.model, channel: f.channel, oracle: f.oracle, k: f.k, eps: f.eps, bits: f.bits?.length },
    ),
    features: r.features && {
      eps: r.features.eps,
      d: r.features.d,
      mechanism: r.features.mechanism,
      dims: r.features.dims.length,
      values: r.features.values.length,
    },
    epsilon: r.epsilon,
  };
}

/** An adult who consents to every purpose: every model is computed, the ads model included. */
const adultEveryPurpose: ConsentInput = { ageBand: 'adult', self: { purposes: [...PURPOSES] } };

const lessons = (n: number): TrackArgs[] =>
  Array.from(
    { length: n },
    (_, i) => ['lesson_complete', { lessonId: `l${i}`, minutes: 8 + i }] as TrackArgs,
  );
const answers = (right: number, of = 10): TrackArgs[] =>
  Array.from({ length: of }, (_, i) => ['quiz_answer', { correct: i < right, seconds: 6 }] as TrackArgs);
const hints = (n: number): TrackArgs[] => Array.from({ length: n }, () => ['hint_used'] as TrackArgs);

/** Eight learners who behave differently, so that between them every model sees several segments. */
const LEARNERS: { name: string; events: TrackArgs[]; goal?: 'exam' | 'school' | 'travel' | 'fun' }[] = [
  { name: 'no events at all', events: [] },
  { name: 'day one', events: [['session_start']] },
  { name: 'many lessons, most answers right', events: studyHard },
  { name: 'five lessons, most answers wrong', events: [['session_start'], ...lessons(5), ...answers(2)] },
  { name: 'declared an exam goal', events: [['session_start']], goal: 'exam' },
  {
    name: 'declared a travel goal, nine answers right',
    events: [['session_start'], ...answers(9)],
    goal: 'travel',
  },
  {
    name: 'struggles and asks for hints',
    events: [['session_start'], ...answers(4), ...hints(6)],
    goal: 'fun',
  },
  {
    name: 'practice only, school goal',
    events: [['session_start'], ['practice_session', { minutes: 30, items: 20 }]],
    goal: 'school',
  },
];

test('learners who behave differently, under the same consent and manifest, send reports of one shape', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const shapes: ReturnType<typeof shapeOf>[] = [];
  const assigned = new Map<string, Set<string>>();
  const withheld: unknown[][] = [];
  for (const learner of LEARNERS) {
    // A fresh context per learner: its own IndexedDB, outbox and budget.
    const context = await browser.newContext();
    try {
      const seen = await watchNetwork(context);
      const page = await context.newPage();
      await openDemo(page);
      await page.evaluate((c) => window.edseg.setConsent(c), adultEveryPurpose);
      if (learner.goal) await page.evaluate((goal) => window.edseg.declare({ goal }), learner.goal);
      await track(page, learner.events);
      expect((await page.evaluate(() => window.edseg.flush())).sent, learner.name).toBe(1);
      const reports = collectorReports(seen);
      expect(reports, learner.name).toHaveLength(1);
      shapes.push(shapeOf(reports[0]!));
      for (const row of (await page.evaluate(() => window.edseg.explain())).segments.filter(
        (s) => s.assigned,
      )) {
        assigned.set(row.model, (assigned.get(row.model) ?? new Set()).add(row.id));
        if (row.id === 'general-audience') withheld.push([row.released, row.reasons[0], row.channel]);
      }
    } finally {
      await context.close();
    }
  }
  // One shape for all: the same fields, channels, oracles, k, eps, dimensions and epsilon.
  for (const [i, shape] of shapes.entries()) expect(shape, LEARNERS[i]!.name).toEqual(shapes[0]);
  // A segment the page may not receive (general-audience) is still reported on its model's channel.
  expect(withheld.length).toBeGreaterThan(0);
  for (const w of withheld) expect(w).toEqual([false, 'site-not-allowed', 'ldp']);
  // ...while the learners really were in different segments: at least two in every model, all three ads audiences.
  const byModel = Object.fromEntries([...assigned].map(([m, ids]) => [m, [...ids].sort()]));
  expect(Object.keys(byModel).sort()).toEqual(['ads', 'mastery', 'offers', 'pace', 'tutoring_upsell']);
  for (const [model, ids] of Object.entries(byModel)) expect(ids.length, model).toBeGreaterThanOrEqual(2);
  expect(byModel['ads']).toEqual(['exam-audience', 'general-audience', 'travel-audience']);
  expect(shapes[0]!.segments.map((f) => `${f.model}:${f.channel}`)).toEqual([
    'pace:clear',
    'mastery:ldp',
    'offers:ldp',
    'ads:ldp',
  ]);
  console.log(`shape test: ${LEARNERS.length} learners, segments per model ${JSON.stringify(byModel)}`);
});
