/**
 * Issue 8 point 5: the collector checks every report against the manifest version it names, and
 * refuses (410) reports under a version superseded more than two reporting periods ago.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { estimateSite } from '../../src/core/privacy/estimate.js';
import { proposeRefinement } from '../../src/core/refine.js';
import { DAY_MS, SiteEstimates, reportEpsilon } from '../../src/core/schema.js';
import type { FeatureField, Report, SegmentField } from '../../src/core/schema.js';
import { publishSite } from '../../src/server/sites/publish.js';
import { NOW, json, useServer, sampleReports } from './helpers.js';

const s = useServer();
beforeEach(() => {
  s.clock.now = NOW;
});

const post = (body: unknown) => s.app.request('/v1/reports', json('POST', body));
let seed = 500;
const one = async (): Promise<Report> => sampleReports(await s.manifest(), 1, seed++)[0]!;
/** The report with its segment field for `model` replaced (epsilon kept consistent, so the schema passes). */
const withField = (r: Report, model: string, f: SegmentField): Report => {
  const segments = r.segments.map((x) => (x.model === model ? f : x));
  return { ...r, segments, epsilon: reportEpsilon(segments, r.features) };
};
const withFeatures = (r: Report, patch: Partial<FeatureField>): Report => {
  const features = { ...r.features!, ...patch };
  return { ...r, features, epsilon: reportEpsilon(r.segments, features) };
};
const refusal = async (r: Report | Record<string, unknown>) => {
  const res = await post({ reports: [r] });
  return { status: res.status, ...((await res.json()) as { field?: string; error?: string }) };
};
const ldp = (r: Report, model: string) => {
  const f = r.segments.find((x) => x.model === model);
  if (f?.channel !== 'ldp') throw new Error(`no ldp field for ${model}`);
  return f;
};

describe('each field against the version it names', () => {
  it('refuses a segment eps of 1e-300, naming the field, and the shares stay finite', async () => {
    const r = await one();
    const f = ldp(r, 'mastery');
    const bad = withField(r, 'mastery', { ...f, eps: 1e-300 });
    expect(await refusal(bad)).toMatchObject({ status: 400, field: 'reports.0.segments.1.eps' });
    const m = await s.manifest();
    const est = estimateSite(m, await s.store.listReports('lingua-kids', 1));
    // The schema's numbers are finite (zod refuses NaN and the infinities).
    expect(SiteEstimates.safeParse(est).error?.issues ?? []).toEqual([]);
  });

  it("refuses an oracle that is not chooseOracle's for the version's k and eps", async () => {
    const r = await one();
    const f = ldp(r, 'mastery');
    const bad = withField(r, 'mastery', {
      model: 'mastery',
      channel: 'ldp',
      eps: f.eps,
      k: 3,
      oracle: 'oue',
      bits: [1, 0, 0],
    });
    expect(await refusal(bad)).toMatchObject({ status: 400, field: 'reports.0.segments.1.oracle' });
  });

  it('refuses a GRR value not below k and OUE bits not exactly k', async () => {
    const r = await one();
    const f = ldp(r, 'mastery');
    expect(await refusal(withField(r, 'mastery', { ...f, value: 3 }))).toMatchObject({
      status: 400,
      field: 'reports.0.segments.1.value',
    });
    const oue = { model: 'mastery', channel: 'ldp' as const, eps: f.eps, k: 3, oracle: 'oue' as const };
    expect(await refusal(withField(r, 'mastery', { ...oue, bits: [1, 0] }))).toMatchObject({
      status: 400,
      field: 'reports.0.segments.1.bits',
    });
  });

  it('refuses a clear field for a model the policy does not report in clear, or a segment of another model', async () => {
    const r = await one();
    expect(
      await refusal(withField(r, 'mastery', { model: 'mastery', channel: 'clear', segment: 'on-track' })),
    ).toMatchObject({ status: 400, field: 'reports.0.segments.1.channel' });
    expect(
      await refusal(withField(r, 'pace', { model: 'pace', channel: 'clear', segment: 'on-track' })),
    ).toMatchObject({ status: 400, field: 'reports.0.segments.0.segment' });
  });

  it('refuses a feature value of 1e12 (outside the mechanism range), and the refinement does not move', async () => {
    const m = await s.manifest();
    const movements = async () =>
      proposeRefinement(m, estimateSite(m, await s.store.listReports('lingua-kids', 1)))
        .models.flatMap((x) => ('segments' in x ? x.segments : []))
        .map((x) => x.movement);
    for (let i = 0; i < 3; i++)
      expect((await post({ reports: sampleReports(m, 100, seed++) })).status).toBe(202);
    const before = await movements();
    const r = await one();
    const bad = withFeatures(r, { values: r.features!.values.map(() => 1e12) });
    expect(await refusal(bad)).toMatchObject({ status: 400, field: 'reports.0.features.values.0' });
    expect(await movements()).toEqual(before);
  });

  it('refuses values just outside [-B d/m, B d/m] and takes the largest a device can send', async () => {
    const m = await s.manifest();
    const d = m.features.length;
    // eps 2 samples m = 1 dim; HM's bound at eps 2 is PM's C = (e + 1)/(e - 1).
    const bound = ((Math.E + 1) / (Math.E - 1)) * d;
    const r = await one();
    expect(await refusal(withFeatures(r, { values: [-bound * 1.0001] }))).toMatchObject({
      status: 400,
      field: 'reports.0.features.values.0',
    });
    expect((await post({ reports: [withFeatures(await one(), { values: [bound * 0.9999] })] })).status).toBe(
      202,
    );
  });

  it('refuses feature dims that are repeated, not below d, or not the number the version samples', async () => {
    const r = await one();
    const d = r.features!.d;
    expect(await refusal(withFeatures(r, { dims: [d], values: [0] }))).toMatchObject({
      field: 'reports.0.features.dims',
    });
    expect(await refusal(withFeatures(r, { dims: [0, 0], values: [0, 0] }))).toMatchObject({
      field: 'reports.0.features.dims',
    });
    expect(await refusal(withFeatures(r, { dims: [0, 1], values: [0, 0] }))).toMatchObject({
      status: 400,
      field: 'reports.0.features.dims',
    });
  });

  it("refuses a feature eps or mechanism that is not the version's", async () => {
    const r = await one();
    expect(await refusal(withFeatures(r, { eps: 5, dims: [0, 1], values: [0, 0] }))).toMatchObject({
      status: 400,
      field: 'reports.0.features.eps',
    });
    expect(await refusal(withFeatures(r, { mechanism: 'duchi' }))).toMatchObject({
      status: 400,
      field: 'reports.0.features.mechanism',
    });
  });

  it('refuses a non-finite value in the body (1e999 parses as Infinity)', async () => {
    const r = await one();
    const text = JSON.stringify({ reports: [r] }).replace(/"values":\[[^\]]*\]/, '"values":[1e999]');
    const res = await s.app.request('/v1/reports', { method: 'POST', body: text });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toMatch(/^reports\.0\.features\.values/);
  });

  it('refuses a period not aligned to periodDays or in the future, and allows one day of clock skew', async () => {
    const r = await one();
    expect(await refusal({ ...r, period: r.period + 1 })).toMatchObject({
      status: 400,
      field: 'reports.0.period',
    });
    expect(await refusal({ ...r, period: r.period + 7 })).toMatchObject({
      status: 400,
      field: 'reports.0.period',
    });
    // The day before a period starts, a device whose clock is a day ahead reports for that period.
    s.clock.now = new Date((r.period + 6) * DAY_MS + 3_600_000);
    expect((await post({ reports: [{ ...(await one()), period: r.period + 7 }] })).status).toBe(202);
  });

  it('keeps the batch whole: one bad report refuses it, and the good ones alone are accepted', async () => {
    const before = await s.store.countReports('lingua-kids');
    const good = sampleReports(await s.manifest(), 3, seed++);
    const bad = withFeatures(good[2]!, { values: [1e12] });
    const res = await post({ reports: [good[0], good[1], bad] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'reports.2.features.values.0' });
    expect(await s.store.countReports('lingua-kids')).toBe(before);
    expect((await post({ reports: good.slice(0, 2) })).status).toBe(202);
    expect(await s.store.countReports('lingua-kids')).toBe(before + 2);
  });
});

describe('superseded versions', () => {
  it('answers 410 naming manifestVersion for a version superseded more than two periods ago', async () => {
    const v1 = await one();
    const publishedAt = new Date(NOW.getTime() + DAY_MS);
    await publishSite(s.store, s.signer, 'lingua-kids', { actor: 'test', now: publishedAt });
    const fresh = (r: Report, at: Date): Report => ({
      ...r,
      id: r.id.slice(0, 24) + at.getTime().toString(16).slice(-8).padStart(8, '0'),
      period: Math.floor(at.getTime() / DAY_MS / 7) * 7,
    });
    // Two weekly periods after v2 was published, v1's reports are still taken...
    s.clock.now = new Date(publishedAt.getTime() + 14 * DAY_MS);
    expect((await post({ reports: [fresh(v1, s.clock.now)] })).status).toBe(202);
    // ...and then refused with 410.
    s.clock.now = new Date(publishedAt.getTime() + 14 * DAY_MS + 1000);
    const res = await post({ reports: [fresh(v1, s.clock.now)] });
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ field: 'reports.0.manifestVersion' });
  });
});
