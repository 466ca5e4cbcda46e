/**
 * Drift on a running app: reports over four periods, the pace shares stable for three and shifted in
 * the fourth. GET /admin/api/sites/:site/drift flags the moved shares of the last period (and
 * nothing in a stable series), and the console's estimates page shows them with the links to act.
 * Issue 19 point 3: drift comes from the stored per-period sums of the version's series through the
 * disclosure gate (no report read on the request path), agrees with the trend view across a
 * documentation-only publish, and shows beside its flags how many chance alone would raise.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildReport } from '../../src/core/privacy/report.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { SiteDrift, dayOf, periodOf, type Manifest, type Report } from '../../src/core/schema.js';
import { bearer, consoleSession, expectShape, json, useServer, NOW } from './helpers.js';

/** n reports of period `period` with pace in clear drawn from `weights` (the other models left out). */
function reports(manifest: Manifest, period: number, n: number, weights: number[], seed: number): Report[] {
  const rng = seededRandom(seed);
  const pace = manifest.models.find((m) => m.id === 'pace')!;
  return Array.from({ length: n }, () => {
    let u = rng.real();
    let index = 0;
    while (index < weights.length - 1 && u >= weights[index]!) u -= weights[index++]!;
    return buildReport({
      site: manifest.site.id,
      manifestVersion: manifest.version,
      period,
      assignments: [
        {
          model: 'pace',
          index,
          k: pace.segments.length,
          segmentId: pace.segments[index]!.id,
          channel: 'clear',
        },
      ],
      features: manifest.features.map(() => 2 * rng.real() - 1),
      reporting: manifest.reporting,
      rng,
    })!;
  });
}

const server = useServer(180_000); // PGlite start-up: slow on a busy machine
let manifest: Manifest;
const periods: number[] = [];
beforeAll(async () => {
  manifest = await server.manifest();
  const pd = manifest.reporting.periodDays;
  const last = periodOf(dayOf(NOW.getTime()), pd);
  for (let i = 3; i >= 0; i--) periods.push(last - i * pd);
});

const drift = async () =>
  (await (
    await server.app.request('/admin/api/sites/lingua-kids/drift', { headers: bearer })
  ).json()) as SiteDrift;

describe('drift', () => {
  it('flags nothing while the shares hold, then the shares that moved in the shifted period', async () => {
    const k = manifest.models.find((m) => m.id === 'pace')!.segments.length;
    const even = Array.from({ length: k }, () => 1 / k);
    for (const [i, p] of periods.slice(0, 3).entries())
      await server.store.insertReports(reports(manifest, p, 400, even, 10 + i), dayOf(NOW.getTime()));
    const stable = await drift();
    expect(stable.periods.map((p) => p.period)).toEqual(periods.slice(0, 3));
    expect(stable.checked).toBeGreaterThan(0);
    expect(stable.flags.filter((f) => f.what === 'share')).toEqual([]);

    const shifted = [0.7, ...Array.from({ length: k - 1 }, () => 0.3 / (k - 1))];
    await server.store.insertReports(reports(manifest, periods[3]!, 400, shifted, 99), dayOf(NOW.getTime()));
    const after = await drift();
    const shares = after.flags.filter((f) => f.what === 'share');
    const pace = manifest.models.find((m) => m.id === 'pace')!;
    expect(shares.map((f) => [f.period, f.segment])).toContainEqual([periods[3], pace.segments[0]!.id]);
    expect(shares.every((f) => f.period === periods[3])).toBe(true);
    const first = shares.find((f) => f.segment === pace.segments[0]!.id)!;
    expect(first.value).toBeGreaterThan(first.baseline + 0.3);

    const session = consoleSession(server);
    await session.login();
    const page = await (await session.get('/admin/sites/lingua-kids/estimates')).text();
    expect(page).toContain('id="drift"');
    expect(page).toMatch(/moves flagged/);
    expect(page).toContain('href="/admin/sites/lingua-kids/refinement"');
  });

  it('reads no report: the drift API and the estimates page read the stored sums only', async () => {
    const listReports = vi.spyOn(server.store, 'listReports');
    try {
      expect((await drift()).flags.length).toBeGreaterThan(0);
      const session = consoleSession(server);
      await session.login();
      expect((await session.get('/admin/sites/lingua-kids/estimates')).status).toBe(200);
      expect(listReports).not.toHaveBeenCalled();
    } finally {
      listReports.mockRestore();
    }
  });

  it('publishes its periods through the gate and says how many flags chance alone would raise', async () => {
    const d = await drift();
    expectShape(SiteDrift, d);
    // 400 reports a period: rounded to 10, the same as the trend view's timeline.
    expect(d.periods.map((p) => p.reports)).toEqual([400, 400, 400, 400]);
    expect(d.z).toBe(1.96);
    // P(|Z| > 1.96) = 0.05: checked x 0.05, to one decimal.
    expect(d.expectedFalseFlags).toBeCloseTo(d.checked * 0.05, 1);
    const est = (await (
      await server.app.request('/admin/api/sites/lingua-kids/estimates', { headers: bearer })
    ).json()) as { timeline: { period: number; reports: number | null }[] };
    expect(d.periods.map((p) => [p.period, p.reports])).toEqual(
      est.timeline.map((p) => [p.period, p.reports]),
    );
    const session = consoleSession(server);
    await session.login();
    const page = await (await session.get('/admin/sites/lingua-kids/estimates')).text();
    expect(page.replace(/\s+/g, ' ')).toContain(
      `about ${d.expectedFalseFlags} false flags among ${d.checked} cells`,
    );
  });

  it('is not reset by a documentation-only publish: the new version drifts over its series', async () => {
    const before = await drift();
    const m = await server.manifest();
    const renamed = m.models.map((x) =>
      x.id === 'pace'
        ? { ...x, segments: x.segments.map((seg, i) => (i === 0 ? { ...seg, name: 'Regular' } : seg)) }
        : x,
    );
    const res = await server.app.request(
      '/admin/api/sites/lingua-kids/publish',
      json('POST', { manifest: { ...m, models: renamed } }, bearer),
    );
    expect(res.status).toBe(201);
    const after = await drift();
    expect(after.version).toBe(before.version + 1);
    expect(after.versions).toEqual([before.version, before.version + 1]);
    expect(after.periods).toEqual(before.periods);
    expect(after.flags).toEqual(before.flags);
  });

  it('answers 404 for an unknown site and 400 for a bad version', async () => {
    expect((await server.app.request('/admin/api/sites/nope/drift', { headers: bearer })).status).toBe(404);
    const bad = await server.app.request('/admin/api/sites/lingua-kids/drift?version=x', { headers: bearer });
    expect(bad.status).toBe(400);
  });
});
