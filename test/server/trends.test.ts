/**
 * Issue 12 points 3 and 5: the admin estimates route's timeline (every period, the live one
 * included, each with its reports) and the dashboard over time drawn from it. A suppressed cell is
 * null in the timeline and a gap in the charts, never a number.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PublishedEstimates } from '../../src/core/schema.js';
import type { Report } from '../../src/core/schema.js';
import { NOW, adminApiOf, consoleSession, json, useServer, sampleReports } from './helpers.js';

const DAY = 86_400_000;
const s = useServer();
let api: ReturnType<typeof adminApiOf>;
const session = consoleSession(s);
let P = 0;
let PD = 0;
let seed = 4000;
/** n reports of `period` with pace (clear) in segment `pace`. */
const reportsIn = async (n: number, period: number, pace: string): Promise<Report[]> =>
  sampleReports(await s.manifest(), n, seed++).map((r) => ({
    ...r,
    period,
    segments: r.segments.map((f) => (f.model === 'pace' ? { ...f, segment: pace } : f)),
  }));
const postAll = async (reports: Report[]) => {
  for (let i = 0; i < reports.length; i += 100) {
    const res = await s.app.request('/v1/reports', json('POST', { reports: reports.slice(i, i + 100) }));
    expect(res.status).toBe(202);
  }
};

beforeAll(async () => {
  api = adminApiOf(s);
  PD = (await s.manifest()).reporting.periodDays;
  // Two periods after the version was published, so that all three are periods its devices report
  // (the collector refuses a period before the one before its publication).
  P = Math.floor(NOW.getTime() / DAY / PD) * PD + 2 * PD;
  s.clock.now = new Date(NOW.getTime() + 2 * PD * DAY);
  // Two closed periods and the live one; "sprinter" is rare in the middle one (suppressed there).
  // "drifting" (60) is what secondary suppression gives up, so that "sprinter" shows where it is common.
  await postAll([
    ...(await reportsIn(120, P - 2 * PD, 'steady-learner')),
    ...(await reportsIn(90, P - 2 * PD, 'sprinter')),
    ...(await reportsIn(60, P - 2 * PD, 'drifting')),
    ...(await reportsIn(150, P - PD, 'steady-learner')),
    ...(await reportsIn(4, P - PD, 'sprinter')),
    ...(await reportsIn(60, P - PD, 'drifting')),
    ...(await reportsIn(100, P, 'steady-learner')),
    ...(await reportsIn(80, P, 'sprinter')),
    ...(await reportsIn(60, P, 'drifting')),
  ]);
  expect((await session.login()).status).toBe(303);
});

describe('GET /admin/api/sites/:site/estimates', () => {
  it('gives every period, the live one included, each with the reports it aggregated', async () => {
    const res = await api('/sites/lingua-kids/estimates');
    expect(res.status).toBe(200);
    const est = PublishedEstimates.parse(await res.json());
    expect(est.live).toBe(true);
    expect(est.periods).toEqual([P - 2 * PD, P - PD, P]);
    expect(est.reports).toBe(720);
    expect(est.versions).toEqual([1]);
    expect(est.series).toBe((await s.store.getVersion('lingua-kids', 1))!.series);
    const t = est.timeline!;
    expect(t.map((p) => [p.period, p.live, p.reports])).toEqual([
      [P - 2 * PD, false, 270],
      [P - PD, false, 210],
      [P, true, 240],
    ]);
    expect(t[0]!.start).toBe(new Date((P - 2 * PD) * DAY).toISOString().slice(0, 10));
    const sprinter = t.map((p) =>
      p.models.find((m) => m.model === 'pace')!.segments.find((x) => x.id === 'sprinter')!,
    );
    expect(sprinter.map((x) => x.share === null)).toEqual([false, true, false]);
    expect(sprinter[1]!.support).toBeNull();
  });

  it('leaves the public view without the timeline and without the live period', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/estimates');
    const est = PublishedEstimates.parse(await res.json());
    expect(est.timeline).toBeUndefined();
    expect(est.periods).toEqual([P - 2 * PD, P - PD]);
    expect(est.reports).toBe(480);
  });
});

describe('the dashboard over time', () => {
  it('draws shares with bands, means, reports by channel and the mix as inline SVG', async () => {
    const res = await session.get('/admin/sites/lingua-kids/estimates');
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const id of ['reports', 'mix', 'shares-pace', 'means-pace', 'channels-pace', 'shares-mastery'])
      expect(page).toContain(`data-chart="${id}"`);
    const shares = figureOf(page, 'shares-pace');
    expect(shares).toContain('<svg');
    expect(shares).toMatch(/data-mark="area"/);
    expect(shares).toMatch(/data-mark="line"/);
    // aria-label only where the role allows it (axe: aria-prohibited-attr): the chart, role="img".
    for (const id of ['reports', 'mix', 'shares-pace', 'means-pace', 'channels-pace']) {
      const tags = figureOf(page, id).match(/<[a-z]+\s[^>]*aria-label=[^>]*>/g) ?? [];
      expect(tags, id).toHaveLength(1);
      expect(tags[0], id).toMatch(/^<svg[^>]* role="img"/);
      expect(figureOf(page, id), id).toMatch(
        /<svg[^>]* role="img"[^>]* aria-label="[^"]+"[^>]*><title>[^<]+<\/title>/,
      );
    }
  });

  it('draws a suppressed cell as a gap: the line breaks, and no dot or label gives its value', async () => {
    const page = await (await session.get('/admin/sites/lingua-kids/estimates')).text();
    const shares = figureOf(page, 'shares-pace');
    const middle = new Date((P - PD) * DAY).toISOString().slice(0, 10);
    const names = (await s.manifest()).models.find((m) => m.id === 'pace')!.segments;
    const name = (id: string) => names.find((x) => x.id === id)!.name;
    const line = pathTitled(shares, name('sprinter'));
    // Two pieces (the closed period before and the live one after), no point in between.
    expect(line.match(/M/g)?.length).toBe(2);
    expect(shares).not.toContain(`${name('sprinter')}, ${middle}`);
    expect(shares).toContain(`${name('steady-learner')}, ${middle}`);
  });
});

/** The markup of one figure of the page. */
function figureOf(page: string, id: string): string {
  const at = page.indexOf(`data-chart="${id}"`);
  expect(at).toBeGreaterThan(0);
  return page.slice(at, page.indexOf('</figure>', at));
}

/** The d attribute of the line path whose title starts with `name`. */
function pathTitled(svg: string, name: string): string {
  const m = new RegExp(`<path[^>]*\\sd="([^"]*)"[^>]*>\\s*<title>${name} `).exec(svg);
  expect(m, `a line titled ${name}`).not.toBeNull();
  return m![1]!;
}

describe('a model whose cells are all suppressed', () => {
  it('draws no bar and no 0 tick in its reports-by-channel chart', async () => {
    const { trendsSection } = await import('../../src/server/admin/views/trends.js');
    const est = PublishedEstimates.parse(await (await api('/sites/lingua-kids/estimates')).json());
    // Every count of the pace model suppressed (null), as disclose() leaves a model under k.
    for (const p of est.timeline!)
      for (const m of p.models) if (m.model === 'pace') m.n = { clear: null, ldp: null };
    const page = String(await trendsSection([{ label: 'series 1', estimates: est }], []));
    const channels = figureOf(page, 'channels-pace');
    expect(channels).not.toContain('<svg');
    expect(channels).not.toContain('<rect');
    expect(channels).not.toContain('0.000000');
    expect(channels).toContain('every count suppressed');
    // The mastery model's counts are not suppressed: its bars are drawn.
    expect(figureOf(page, 'channels-mastery')).toMatch(/<rect[^>]*\sheight="[1-9]/);
  });
});

describe('an estimate outside the axis range', () => {
  it('is drawn clamped to the range, and the caption and its tooltip say so', async () => {
    const { trendsSection } = await import('../../src/server/admin/views/trends.js');
    const { parseHTML } = await import('linkedom');
    const est = PublishedEstimates.parse(await (await api('/sites/lingua-kids/estimates')).json());
    const pace = est.timeline![0]!.models.find((m) => m.model === 'pace')!;
    const mean = pace.segments.flatMap((x) => x.featureMeans).find((f) => f.estimate)!;
    mean.estimate = { value: 1.7, se: 0.25, lo: 1.2, hi: 2.2 }; // a debiased LDP mean can leave [-1, 1]
    const page = String(await trendsSection([{ label: 'series 1', estimates: est }], []));
    const means = figureOf(page, 'means-pace');
    expect(means).toContain('1 estimate lies outside [-1, 1] and is drawn at the edge');
    expect(means).toMatch(/1\.700 \(outside the range, drawn at its edge\)/);
    const { document } = parseHTML(`<div>${means}</figure></div>`);
    const ticks = [...document.querySelectorAll('g[data-mark="y-axis tick label"] text')].map((t) =>
      Number(t.textContent!.replace('−', '-')),
    );
    expect(ticks.length).toBeGreaterThan(0);
    for (const t of ticks) expect(Math.abs(t)).toBeLessThanOrEqual(1);
    // Nothing in range: nothing said.
    expect(figureOf(page, 'shares-pace')).not.toContain('outside [0, 1]');
  });
});

describe('labels', () => {
  it('fit inside the chart and do not overlap (boxes from the emitted coordinates)', async () => {
    const { trendsSection } = await import('../../src/server/admin/views/trends.js');
    const { CHAR_W } = await import('../../src/server/science/svg.js');
    const { parseHTML } = await import('linkedom');
    const est = PublishedEstimates.parse(await (await api('/sites/lingua-kids/estimates')).json());
    const page = String(await trendsSection([{ label: 'series 1', estimates: est }], []));
    const xOf = (el: Element) =>
      Number(
        /translate\(([-\d.]+)/.exec(el.getAttribute('transform') ?? '')?.[1] ?? el.getAttribute('x') ?? 0,
      );
    for (const id of ['reports', 'mix', 'shares-pace', 'means-pace', 'channels-pace']) {
      const { document } = parseHTML(`<div>${figureOf(page, id)}</figure></div>`);
      const root = document.querySelector('svg')!;
      const width = Number(root.getAttribute('width'));
      // y tick labels: right-anchored 9px left of the axis; their left edge stays in the svg.
      for (const t of document.querySelectorAll('g[data-mark="y-axis tick label"] text'))
        expect(
          xOf(t) - 9 - CHAR_W * t.textContent!.length,
          `${id} tick ${t.textContent}`,
        ).toBeGreaterThanOrEqual(0);
      // No end-of-line labels that could pile up: the series are named in a legend instead.
      expect(document.querySelector('g[data-mark="text"]'), id).toBeNull();
      // Legend entries: one row each per y, boxes disjoint and inside the width.
      const rows = new Map<string, [number, number][]>();
      for (const t of document.querySelectorAll('g.plot-head text')) {
        const x = Number(t.getAttribute('x'));
        const box: [number, number] = [x - 16, x + CHAR_W * t.textContent!.length];
        expect(box[1], `${id} legend ${t.textContent}`).toBeLessThanOrEqual(width);
        const row = rows.get(t.getAttribute('y')!) ?? [];
        for (const b of row) expect(box[0] >= b[1] || box[1] <= b[0], `${id} legend overlap`).toBe(true);
        rows.set(t.getAttribute('y')!, [...row, box]);
      }
    }
    for (const id of ['mix', 'shares-pace', 'means-pace'])
      expect(figureOf(page, id), `${id} has a legend`).toContain('class="plot-head"');
  });

  it('marker labels a day apart are laid out in lanes: no two label boxes intersect', async () => {
    const { trendsSection } = await import('../../src/server/admin/views/trends.js');
    const { CHAR_W } = await import('../../src/server/science/svg.js');
    const { parseHTML } = await import('linkedom');
    const est = PublishedEstimates.parse(await (await api('/sites/lingua-kids/estimates')).json());
    // three labelled markers on consecutive days (and a re-sign between them): before, all three
    // labels sat in one row at the frame's top and printed over each other
    const at = (days: number) => new Date((P - 2 * PD + days) * DAY);
    const markers = [
      { at: at(1), version: 3, kind: 'refine' as const },
      { at: at(2), version: 4, kind: 'series' as const },
      { at: at(2.5), version: 5, kind: 'publish' as const },
      { at: at(3), version: 6, kind: 'refine' as const },
    ];
    const page = String(await trendsSection([{ label: 'series 1', estimates: est }], markers));
    /** The sum of the translate() of `el` and its ancestors: its position in the chart's svg. */
    const offset = (el: Element | null): [number, number] => {
      let x = 0;
      let y = 0;
      for (let e = el; e && e.tagName.toLowerCase() !== 'figure'; e = e.parentElement) {
        const t = /translate\(([-\d.]+)[ ,]*([-\d.]*)\)/.exec(e.getAttribute('transform') ?? '');
        if (t) {
          x += Number(t[1]);
          y += Number(t[2] || 0);
        }
        if (e.tagName.toLowerCase() === 'svg' && e.getAttribute('y')) y += Number(e.getAttribute('y'));
      }
      return [x, y];
    };
    for (const id of ['mix', 'shares-pace', 'means-pace']) {
      const { document } = parseHTML(`<div>${figureOf(page, id)}</figure></div>`);
      const labels = [...document.querySelectorAll('g[data-mark="text"] text')];
      expect(
        labels
          .map((t) => t.textContent)
          .filter((t, i, all) => all.indexOf(t) === i)
          .sort(),
        id,
      ).toEqual(['v3 refined', 'v4 new series', 'v6 refined']);
      // boxes: start-anchored 9px text hanging from its y (y="0.71em": the baseline 0.71em down)
      const boxes = labels.map((t) => {
        const [x, y] = offset(t);
        return {
          text: t.textContent!,
          x0: x,
          x1: x + (CHAR_W * 9 * t.textContent!.length) / 10,
          y0: y,
          y1: y + 9,
        };
      });
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i]!, boxes[j]!];
          const apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0;
          expect(apart, `${id}: "${a.text}" and "${b.text}" overlap`).toBe(true);
        }
    }
  });
});
