/**
 * The refinement loop over HTTP: reports posted through /v1/reports, the proposal from
 * GET /admin/api/sites/:site/refinement, published through POST .../refinement/publish as a signed
 * version whose centroids are the proposal's, with the audit entry; and the console page and form.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { verifyManifest } from '../../src/core/manifest.js';
import { assignReference, modelInput } from '../../src/core/model.js';
import { estimateSite } from '../../src/core/privacy/estimate.js';
import { closeDeep } from '../fixtures/mixed-reports.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { buildReport } from '../../src/core/privacy/report.js';
import { proposeRefinement } from '../../src/core/refine.js';
import { disclose } from '../../src/server/estimates/disclosure.js';
import { RefinementProposal, RefinementPublished, dayOf, periodOf } from '../../src/core/schema.js';
import type { CentroidModel, Manifest, Report } from '../../src/core/schema.js';
import { BOOTSTRAP_ACTOR } from '../../src/server/identity/accounts.js';
import type { AuditRecord } from '../../src/server/storage/store.js';
import {
  NOW,
  ORIGIN,
  adminApiOf,
  addAccount,
  apiAs,
  consoleSession,
  siteViewOf,
  expectShape,
  form,
  json,
  useServer,
  SEED_SITE,
} from './helpers.js';

const SITE = SEED_SITE;
/** What the refinement reads: the gate's estimates of `reports` (every report in NOW's period, the live one). */
const gated = (m: Manifest, reports: Report[]) =>
  disclose(estimateSite(m, reports, { now: NOW }), {
    periods: [periodOf(dayOf(NOW.getTime()), m.reporting.periodDays)],
    live: true,
  });
const N = 2000;
const s = useServer();

const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);
const proposalNow = async (query = ''): Promise<RefinementProposal> =>
  (await (await api(`/sites/${SITE}/refinement${query}`)).json()) as RefinementProposal;
const publish = (body: unknown, headers: Record<string, string> = {}) =>
  api(`/sites/${SITE}/refinement/publish`, json('POST', body, headers));
const audit = async (): Promise<AuditRecord[]> =>
  ((await (await api(`/audit?site=${SITE}`)).json()) as { entries: AuditRecord[] }).entries;
const view = () => siteViewOf(api, SITE);
const publishedVersion = async () => (await s.store.currentVersion(SITE))!.version;
const centroidsOf = (m: Manifest, id: string) =>
  (m.models.find((x) => x.id === id) as CentroidModel).centroids;
const keys = async (): Promise<JWK[]> =>
  ((await (await s.app.request('/v1/keys')).json()) as { keys: JWK[] }).keys;
const verifiedManifest = async (): Promise<Manifest> => {
  const jws = await (await s.app.request(`/v1/sites/${SITE}/manifest`)).text();
  const r = await verifyManifest(jws, {
    publicKeys: await keys(),
    site: SITE,
    origin: 'http://localhost:8787',
    now: NOW,
  });
  if (!r.ok) throw new Error(`the published manifest does not verify: ${r.reason}`);
  return r.manifest;
};

/**
 * n learners with features uniform in [-1, 1], each assigned by every model of the manifest (the
 * SDK's own assignment) and reported as a device would: in clear where the policy allows it,
 * through LDP otherwise, with the noised feature vector; built by buildReport, seeded.
 */
function learnerReports(manifest: Manifest, n: number, seed: number): Report[] {
  const rng = seededRandom(seed);
  const names = manifest.features.map((f) => f.name);
  const period = periodOf(dayOf(NOW.getTime()), manifest.reporting.periodDays);
  return Array.from({ length: n }, () => {
    const x = names.map(() => 2 * rng.real() - 1);
    const assignments = manifest.models.map((m) => {
      const index = assignReference(m, modelInput(m, names, x)).index;
      const segmentId = m.segments[index]!.id;
      return {
        model: m.id,
        index,
        k: m.segments.length,
        segmentId,
        channel: manifest.policy.clear.includes(segmentId) ? ('clear' as const) : ('ldp' as const),
      };
    });
    return buildReport({
      site: SITE,
      manifestVersion: manifest.version,
      period,
      assignments,
      features: x,
      reporting: manifest.reporting,
      rng,
    })!;
  });
}

async function postReports(reports: Report[]): Promise<void> {
  for (let i = 0; i < reports.length; i += 100) {
    const res = await s.app.request('/v1/reports', json('POST', { reports: reports.slice(i, i + 100) }));
    if (res.status !== 202) throw new Error(`POST /v1/reports: ${res.status} ${await res.text()}`);
  }
}

describe('authentication', () => {
  it('answers 401 to the proposal and to publishing without the admin token', async () => {
    expect((await s.app.request(`/admin/api/sites/${SITE}/refinement`)).status).toBe(401);
    const res = await s.app.request(`/admin/api/sites/${SITE}/refinement/publish`, json('POST', {}));
    expect(res.status).toBe(401);
    expect(await publishedVersion()).toBe(1);
  });

  it('answers 404 for a site that does not exist', async () => {
    expect((await api('/sites/nope/refinement')).status).toBe(404);
    expect((await api('/sites/nope/refinement/publish', json('POST', {}))).status).toBe(404);
  });
});

describe('before any report', () => {
  it('proposes nothing: every centroid segment skipped as suppressed, softmax listed as not refinable', async () => {
    const p = await proposalNow();
    expect(p).toMatchObject({ site: SITE, baseVersion: 1, version: 2, reports: null, changedModels: [] });
    const lines = p.models.flatMap((m) => (m.refinable ? m.segments : []));
    expect(lines).toHaveLength(13);
    expect(lines.every((x) => x.skipped?.reason === 'suppressed')).toBe(true);
    expect(p.models.find((m) => m.model === 'mastery')).toMatchObject({ kind: 'softmax', refinable: false });
  });

  it('answers 409 to publishing when every segment is skipped, and publishes nothing', async () => {
    const res = await publish({});
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toMatch(/nothing to refine/);
    expect(await publishedVersion()).toBe(1);
  });
});

describe('the proposal from posted reports', () => {
  let v1: Manifest;
  let reports: Report[];
  beforeAll(async () => {
    v1 = await s.manifest();
    reports = learnerReports(v1, N, 11);
    await postReports(reports);
  });

  it('is proposeRefinement over the disclosure gate of the estimates of the current version', async () => {
    const byId = [...reports].sort((a, b) => (a.id < b.id ? -1 : 1)); // the store lists them by id
    const expected = proposeRefinement(v1, gated(v1, byId));
    // The server estimates from the sums it keeps (report_totals), the same algebra in another order: to 1e-9.
    expect(closeDeep(await proposalNow(), JSON.parse(JSON.stringify(expected)), 1e-9)).toEqual([]);
    expect(expected.reports).toBe(N);
    expect(expected.changedModels).toContain('pace');
  });

  it('answers in the shape RefinementProposal declares in schema.ts', async () => {
    expectShape(RefinementProposal, await (await api(`/sites/${SITE}/refinement`)).json());
  });

  it('takes maxStep from the query, and moves no centroid further', async () => {
    const p = await proposalNow('?maxStep=0.05');
    expect(p.maxStep).toBe(0.05);
    const lines = p.models.flatMap((m) => (m.refinable ? m.segments : []));
    expect(lines.some((x) => x.movement > 0)).toBe(true);
    expect(lines.every((x) => x.movement <= 0.05)).toBe(true);
  });

  it('refuses a maxStep that is not a positive number, naming the field', async () => {
    const res = await api(`/sites/${SITE}/refinement?maxStep=abc`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'maxStep' });
  });
});

describe('publishing the proposal', () => {
  it('refuses a model the proposal does not have, or a softmax model, naming the field', async () => {
    const unknown = await publish({ models: ['pace', 'nope'] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ field: 'models.1' });
    const softmax = await publish({ models: ['mastery'] });
    expect(softmax.status).toBe(400);
    expect(await softmax.json()).toMatchObject({ field: 'models.0' });
    expect(await publishedVersion()).toBe(1);
  });

  it('refuses a body of the wrong shape, naming the field', async () => {
    const res = await publish({ models: 'pace' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'models' });
  });

  it('answers 409 when the proposal reviewed was for another version', async () => {
    const res = await publish({ version: 7 });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ field: 'version' });
    expect(await publishedVersion()).toBe(1);
  });

  let proposal: RefinementProposal;
  it('publishes the chosen models as the next signed version and returns it', async () => {
    proposal = await proposalNow();
    const res = await apiAs(s, (await addAccount(s, 'ada', 'editor')).token)(
      `/sites/${SITE}/refinement/publish`,
      json('POST', { models: ['pace'], version: 1 }, { 'X-Edseg-Actor': 'Mallory' }),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expectShape(RefinementPublished, body);
    expect(body).toMatchObject({
      site: SITE,
      version: 2,
      models: ['pace'],
      reports: N,
      summary: `refined centroids of pace from ${N} reports`,
    });
    expect(await publishedVersion()).toBe(2);
  });

  it("serves a manifest that verifies with the server's key and holds the proposed centroids of the chosen model only", async () => {
    const m = await verifiedManifest();
    expect(m.version).toBe(2);
    const pace = proposal.models.find((x) => x.model === 'pace');
    expect(pace?.refinable).toBe(true);
    expect(centroidsOf(m, 'pace')).toEqual(pace!.refinable ? pace!.segments.map((x) => x.proposed) : null);
    expect(centroidsOf(m, 'pace')).toEqual(centroidsOf(proposal.manifest, 'pace'));
    const v1 = (await s.store.getVersion(SITE, 1))!.manifest;
    for (const id of ['offers', 'tutoring_upsell', 'ads'])
      expect(centroidsOf(m, id)).toEqual(centroidsOf(v1, id));
    expect(m.models.find((x) => x.id === 'mastery')).toEqual(v1.models.find((x) => x.id === 'mastery'));
  });

  it("documents the change in each moved segment's changelog", async () => {
    const m = await verifiedManifest();
    const pace = m.models.find((x) => x.id === 'pace')!;
    const line = proposal.models.find((x) => x.model === 'pace');
    if (!line?.refinable) throw new Error('pace is not refinable');
    pace.segments.forEach((seg, v) => {
      const l = line.segments[v]!;
      expect(seg.documentation.changelog.at(-1)).toEqual(
        l.movement > 0
          ? {
              version: 2,
              date: '2025-06-02',
              change: `centroid refined from ${line.reports.total} reports (moved by ${l.movement.toFixed(4)})`,
            }
          : { version: 1, date: expect.any(String), change: 'Created.' },
      );
    });
  });

  it('writes a refine entry to the audit log, after the publish entry of the same version', async () => {
    const [refine, pub] = await audit();
    expect(refine).toMatchObject({
      action: 'refine',
      actor: 'ada',
      site: SITE,
      version: 2,
      summary: `refined centroids of pace from ${N} reports`,
    });
    expect(refine!.detail).toMatchObject({ baseVersion: 1, reports: N, models: ['pace'], maxStep: 0.5 });
    expect(pub).toMatchObject({
      action: 'publish',
      actor: 'ada',
      version: 2,
      detail: { note: `refined centroids of pace from ${N} reports` },
    });
    expect(pub!.summary).toContain('model pace centroids changed');
  });

  it('leaves nothing pending: the working definition is what was published', async () => {
    expect((await view()).pending).toEqual([]);
  });

  it('starts the next proposal from the new version, which has no reports yet', async () => {
    expect(await proposalNow()).toMatchObject({ baseVersion: 2, reports: null, changedModels: [] });
  });
});

describe('a refinement while the site has unpublished edits', () => {
  it('publishes only the centroids: a pending policy edit and a pending segment rename stay pending, refined centroids reach the working copy', async () => {
    const v2 = await s.manifest();
    await postReports(learnerReports(v2, N, 12));
    const allowed = v2.policy.allowed.filter((id) => id !== 'travel-audience');
    expect(
      (await api(`/sites/${SITE}/policy`, json('PUT', { allowed, clear: v2.policy.clear }))).status,
    ).toBe(200);
    // an edit saved to the working definition but not published (as a definition editor would save it)
    const working = (await s.store.getSite(SITE))!;
    const renamed = working.definition.models.map((m) =>
      m.id === 'ads'
        ? { ...m, segments: m.segments.map((x, i) => (i === 0 ? { ...x, name: 'Travellers' } : x)) }
        : m,
    );
    await s.store.updateSite(
      SITE,
      { definition: { ...working.definition, models: renamed } },
      NOW.toISOString(),
    );
    expect((await view()).pending).toEqual([
      'allowed -travel-audience',
      'segment travel-audience definition or documentation changed',
    ]);

    const res = await publish({});
    expect(res.status).toBe(201);
    const body = (await res.json()) as { version: number; models: string[] };
    expect(body).toMatchObject({ version: 3 });
    expect(body.models).toContain('ads');
    const m = await verifiedManifest();
    expect(m.policy.allowed).toContain('travel-audience');
    expect(m.models.find((x) => x.id === 'ads')!.segments[0]!.name).toBe('Travel audience');
    expect((await view()).pending).toEqual([
      'allowed -travel-audience',
      'segment travel-audience definition or documentation changed',
    ]);
    const after = (await s.store.getSite(SITE))!.definition.models.find(
      (x) => x.id === 'ads',
    ) as CentroidModel;
    expect(after.centroids).toEqual(centroidsOf(m, 'ads'));
    expect(after.segments[0]!.documentation.changelog.at(-1)).toMatchObject({ version: 3 });
  });

  it('applies every changed model when none is named', async () => {
    const [refine] = await audit();
    const v2 = (await s.store.getVersion(SITE, 2))!.manifest;
    const p = proposeRefinement(v2, gated(v2, await s.store.listReports(SITE, 2)));
    expect(p.changedModels.length).toBeGreaterThan(1);
    expect(refine!.detail['models']).toEqual(p.changedModels);
    const m = await verifiedManifest();
    for (const id of p.changedModels) expect(centroidsOf(m, id)).toEqual(centroidsOf(p.manifest, id));
  });
});

describe('the console page', () => {
  const { login, get, postForm } = consoleSession(s);

  beforeAll(async () => {
    await login();
    await postReports(learnerReports(await s.manifest(), N, 13));
  });

  it('is linked from the site page', async () => {
    expect(await (await get(`/admin/sites/${SITE}`)).text()).toContain(
      `href="/admin/sites/${SITE}/refinement"`,
    );
  });

  it("shows per model each segment's share with its interval, reports, old and proposed centroid and movement", async () => {
    const res = await get(`/admin/sites/${SITE}/refinement`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const p = await proposalNow();
    const pace = p.models.find((m) => m.model === 'pace');
    if (!pace?.refinable) throw new Error('pace is not refinable');
    const first = pace.segments[0]!;
    for (const text of [
      'Old centroid',
      'Proposed centroid',
      'Movement',
      '95% CI',
      `${N} reports`,
      'Not refinable by this method',
      'Publish refined centroids',
    ])
      expect(page).toContain(text);
    expect(page).toContain(`[${first.old.map((x) => x.toFixed(3)).join(', ')}]`);
    expect(page).toContain(`[${first.proposed.map((x) => x.toFixed(3)).join(', ')}]`);
    expect(page).toContain(first.movement.toFixed(3));
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('shows an analyst the proposal but no publish form, saying the role it needs', async () => {
    const analyst = consoleSession(s);
    const a = await addAccount(s, 'ann-refine', 'analyst');
    expect((await analyst.loginAs(a.name, a.password)).status).toBe(303);
    const page = await (await analyst.get(`/admin/sites/${SITE}/refinement`)).text();
    expect(page).toContain('Proposed centroid');
    expect(page).not.toContain('Publish refined centroids');
    expect(page).not.toContain(`action="/admin/sites/${SITE}/refinement/publish"`);
    expect(page).toMatch(/needs the role\s+editor or above; you are analyst/);
  });

  it('takes maxStep and minSupport from the query and shows why a segment is skipped', async () => {
    const p = await proposalNow('?minSupport=300');
    const skipped = p.models.flatMap((m) => (m.refinable ? m.segments : [])).filter((x) => x.skipped);
    expect(skipped.length).toBeGreaterThan(0);
    for (const x of skipped)
      expect(x.skipped?.reason === 'under-min-support' && x.support !== null && x.support < 300).toBe(true);
    const page = await (await get(`/admin/sites/${SITE}/refinement?minSupport=300`)).text();
    expect(page).toContain('under-min-support');
    expect(page).toContain(skipped[0]!.skipped!.detail);
    expect(page).toContain('name="minSupport" value="300"');
  });

  it('refuses the publish form posted from another origin (CSRF), publishing nothing', async () => {
    const before = await publishedVersion();
    const res = await postForm(
      `/admin/sites/${SITE}/refinement/publish`,
      { models: ['pace'], version: String(before) },
      { Origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    expect(await publishedVersion()).toBe(before);
  });

  it('refuses the publish form without a session', async () => {
    const res = await s.app.request(`/admin/sites/${SITE}/refinement/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
      body: form({ models: 'pace' }),
    });
    expect(res.status).toBe(401);
  });

  it('sends the admin back to the page with the reason when no model is ticked', async () => {
    const res = await postForm(`/admin/sites/${SITE}/refinement/publish`, {
      version: String(await publishedVersion()),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/admin/sites/${SITE}/refinement\\?error=`));
  });

  it('publishes the ticked models from the form, audited under the login name', async () => {
    const before = await publishedVersion();
    const res = await postForm(`/admin/sites/${SITE}/refinement/publish`, {
      models: ['pace'],
      version: String(before),
      maxStep: '0.5',
      minSupport: '50',
      note: 'weekly review',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/admin/sites/${SITE}\\?ok=`));
    expect(await publishedVersion()).toBe(before + 1);
    const [refine] = await audit();
    expect(refine).toMatchObject({
      action: 'refine',
      actor: BOOTSTRAP_ACTOR,
      version: before + 1,
      summary: `refined centroids of pace from ${N} reports`,
      detail: { note: 'weekly review' },
    });
  });
});
