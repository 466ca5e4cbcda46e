/**
 * Issue 8 point 6: estimates the k threshold really protects. The public endpoint counts closed
 * periods only; counts are rounded to 10 and null under kThreshold in every view; a suppressed cell
 * cannot be recovered from the totals; the endpoint can be switched off or given a read token, and
 * is cached with Cache-Control; kThreshold has a floor of 20.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PublishedEstimates, Reporting } from '../../src/core/schema.js';
import type { Report } from '../../src/core/schema.js';
import { optionsFrom } from '../../src/server/cli.js';
import { appOf, NOW, bearer, json, useServer, sampleReports } from './helpers.js';

const DAY = 86_400_000;
const s = useServer();
afterEach(() => {
  s.clock.now = NOW;
});

const post = (reports: Report[]) => s.app.request('/v1/reports', json('POST', { reports }));
/** Posts reports in batches of 100, each accepted. */
const postAll = async (reports: Report[]) => {
  for (let i = 0; i < reports.length; i += 100)
    expect((await post(reports.slice(i, i + 100))).status).toBe(202);
};
const estimates = async (app = s.app, headers: Record<string, string> = {}) => {
  const res = await app.request('/v1/sites/lingua-kids/estimates', { headers });
  expect(res.status).toBe(200);
  return PublishedEstimates.parse(await res.json());
};
let seed = 900;
/** n reports built by the SDK's code, pace in clear with the given segment, for `period`. */
const reportsIn = async (n: number, period: number, pace?: string): Promise<Report[]> =>
  sampleReports(await s.manifest(), n, seed++).map((r) => ({
    ...r,
    period,
    segments: r.segments.map((f) => (pace && f.model === 'pace' ? { ...f, segment: pace } : f)),
  }));
/** Every count in a view: the version's, each model's, each cell's support, each feature's. */
const counts = (e: PublishedEstimates): (number | null)[] => [
  e.reports,
  ...e.models.flatMap((m) => [m.n.clear, m.n.ldp, ...m.segments.map((x) => x.support)]),
  ...e.features.map((f) => f.n),
];

describe('differencing the public estimates', () => {
  it('shows nothing of a new report: the live period is not published, a closed one moves in steps of 10 and keeps its suppressed cells', async () => {
    const app = appOf(s, { estimatesCacheSeconds: 0 });
    const p = (await s.manifest()).reporting.periodDays;
    const period = Math.floor(NOW.getTime() / DAY / p) * p;
    await postAll(await reportsIn(200, period));
    s.clock.now = new Date((period + p) * DAY + 3_600_000); // the next period: the first one is closed
    const before = await estimates(app);
    expect(before.live).toBe(false);
    expect(before.periods).toEqual([period]);

    // One report in the live period: the public answer does not change at all.
    expect((await post(await reportsIn(1, period + p, 'sprinter'))).status).toBe(202);
    const after = await estimates(app);
    expect({ ...after, generatedAt: '' }).toEqual({ ...before, generatedAt: '' });

    // One late report for the closed period: every count is a multiple of 10, suppressed cells stay so.
    expect((await post(await reportsIn(1, period, 'drifting'))).status).toBe(202);
    const late = await estimates(app);
    for (const c of [...counts(before), ...counts(late)]) if (c !== null) expect(c % 10).toBe(0);
    before.models.forEach((m, i) =>
      m.segments.forEach((cell, v) => {
        if (cell.suppressed) expect(late.models[i]!.segments[v]!.suppressed).toBe(true);
      }),
    );
    // The signed-in admin API shows the live period, rounded and suppressed the same way.
    const res = await s.app.request('/admin/api/sites/lingua-kids/estimates', { headers: bearer });
    const admin = PublishedEstimates.parse(await res.json());
    expect(admin.live).toBe(true);
    expect(admin.periods).toEqual([period, period + p]);
    for (const c of counts(admin)) if (c !== null) expect(c % 10 === 0 && c >= admin.kThreshold).toBe(true);
  });
});

describe('suppressed cells and the totals', () => {
  it('does not let a suppressed cell be recovered from the per-model n', async () => {
    // A fresh series (pace's centroids moved, as a refinement does), so only these reports count:
    // pace in clear, 120 / 80 / 30 / 0 (k = 50). A publish without changes would pool version 1's.
    const m = await s.manifest();
    const models = m.models.map((x) =>
      x.id === 'pace' && x.kind === 'centroids'
        ? { ...x, centroids: x.centroids.map((c) => c.map((v) => v * 0.99)) }
        : x,
    );
    const res = await s.app.request(
      '/admin/api/sites/lingua-kids/publish',
      json('POST', { manifest: { ...m, models } }, bearer),
    );
    expect(res.status).toBe(201);
    const p = (await s.manifest()).reporting.periodDays;
    const period = Math.floor(NOW.getTime() / DAY / p) * p;
    const reports = [
      ...(await reportsIn(120, period, 'steady-learner')),
      ...(await reportsIn(80, period, 'sprinter')),
      ...(await reportsIn(30, period, 'drifting')),
    ];
    expect(reports[0]!.manifestVersion).toBe(2);
    await postAll(reports);
    s.clock.now = new Date((period + p) * DAY + 3_600_000);
    const est = await estimates(appOf(s));
    const pace = est.models.find((m) => m.model === 'pace')!;
    const total = (pace.n.clear ?? 0) + (pace.n.ldp ?? 0);
    const shown = pace.segments.reduce((sum, x) => sum + (x.support ?? 0), 0);
    // Whatever the published cells leave over is at least kThreshold: "drifting" (30) is not in reach.
    expect(pace.segments.filter((x) => x.suppressed).length).toBeGreaterThan(0);
    expect(total - shown).toBeGreaterThanOrEqual(est.kThreshold);
    expect(pace.segments.map((x) => x.support)).toEqual([120, null, null, null]);
    // The shares say no more: 1 minus the published ones, times the total, is the same left-over.
    const shareLeft = 1 - pace.segments.reduce((sum, x) => sum + (x.share?.value ?? 0), 0);
    expect(shareLeft * total).toBeGreaterThanOrEqual(est.kThreshold);
  });
});

describe('who may read the public estimates', () => {
  it('can be switched off, while the admin API still shows them', async () => {
    const app = appOf(s, { publicEstimates: false });
    expect((await app.request('/v1/sites/lingua-kids/estimates')).status).toBe(404);
    expect((await app.request('/admin/api/sites/lingua-kids/estimates', { headers: bearer })).status).toBe(
      200,
    );
  });

  it('asks for the read token when one is set', async () => {
    const app = appOf(s, { estimatesToken: 'read-0123456789abcdef' });
    const none = await app.request('/v1/sites/lingua-kids/estimates');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await app.request('/v1/sites/lingua-kids/estimates', {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const ok = await app.request('/v1/sites/lingua-kids/estimates', {
      headers: { Authorization: 'Bearer read-0123456789abcdef' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(ok.headers.get('vary')).toBe('Authorization');
  });

  it('takes the switch, the token and the cache from flags and the environment', () => {
    expect(
      optionsFrom(['--estimates', 'off', '--estimates-cache', '60'], { EDSEG_ESTIMATES_TOKEN: 'tok' }),
    ).toMatchObject({ publicEstimates: false, estimatesToken: 'tok', estimatesCacheSeconds: 60 });
    expect(optionsFrom([], { EDSEG_ESTIMATES: 'public' })).not.toHaveProperty('publicEstimates');
    expect(() => optionsFrom(['--estimates', 'maybe'], {})).toThrow(/--estimates/);
    expect(() => optionsFrom(['--estimates-cache', '-1'], {})).toThrow(/--estimates-cache/);
  });
});

describe('caching', () => {
  it('sends Cache-Control and an ETag, answers 304, and keeps an answer until its TTL, new data or the next period', async () => {
    const app = appOf(s, { estimatesCacheSeconds: 300 });
    const p = (await s.manifest()).reporting.periodDays;
    const period = Math.floor(NOW.getTime() / DAY / p) * p;
    s.clock.now = new Date((period + p) * DAY + 3_600_000);
    const first = await app.request('/v1/sites/lingua-kids/estimates');
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await app.request('/v1/sites/lingua-kids/estimates', {
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    // Nothing new: the answer is kept (for the rest of its TTL).
    s.clock.now = new Date(s.clock.now.getTime() + 200_000);
    const cached = await app.request('/v1/sites/lingua-kids/estimates');
    expect(cached.headers.get('etag')).toBe(etag);
    expect(cached.headers.get('cache-control')).toBe('public, max-age=100');
    // The cache is keyed by the sums it was computed from: a late report for the closed period,
    // stored through another app on the same database (another process), shows at once.
    expect((await post(await reportsIn(20, period))).status).toBe(202);
    const fresh = await app.request('/v1/sites/lingua-kids/estimates');
    expect(fresh.headers.get('etag')).not.toBe(etag);
    expect(fresh.headers.get('cache-control')).toBe('public, max-age=300');
    // Never cached past the end of the live period, when the set of closed periods changes.
    s.clock.now = new Date((period + 2 * p) * DAY - 60_000);
    const late = await app.request('/v1/sites/lingua-kids/estimates');
    expect(late.headers.get('cache-control')).toBe('public, max-age=60');
  });
});

describe('the kThreshold floor', () => {
  it('refuses a kThreshold under 20 in the schema and on publish, naming the field', async () => {
    const reporting = (await s.manifest()).reporting;
    const low = Reporting.safeParse({ ...reporting, kThreshold: 19 });
    expect(low.success).toBe(false);
    expect(low.error?.issues[0]?.message).toMatch(/at least 20/);
    expect(Reporting.safeParse({ ...reporting, kThreshold: 20 }).success).toBe(true);
    const m = await s.manifest();
    const res = await s.app.request(
      '/admin/api/sites/lingua-kids/publish',
      json('POST', { manifest: { ...m, reporting: { ...m.reporting, kThreshold: 5 } } }, bearer),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'manifest.reporting.kThreshold' });
  });
});
