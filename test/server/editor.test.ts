// Editing the working copy: the JSON API routes (stored, 400 naming the field, 404 for what does
// not exist), the diff against the published version, the changelog entry every publish writes,
// and the console's editor forms (a refused post re-renders with what was typed, the error beside its field).
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkingCopyView, WorkingDiff, WorkingEdited } from '../../src/core/schema.js';
import type { CentroidModel, FeatureSpec, Manifest } from '../../src/core/schema.js';
import { adminApiOf, consoleSession, expectShape, json, useServer } from './helpers.js';
import { BOOTSTRAP_ACTOR } from '../../src/server/identity/accounts.js';

const s = useServer();

const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);
const SITE = '/sites/lingua-kids';
const working = async (): Promise<WorkingCopyView> =>
  (await (await api(`${SITE}/working`)).json()) as WorkingCopyView;
const diff = async (): Promise<WorkingDiff> => (await (await api(`${SITE}/diff`)).json()) as WorkingDiff;
const feature = async (name: string): Promise<FeatureSpec> =>
  (await working()).definition.features.find((f) => f.name === name)!;
const centroidModel = async (id: string): Promise<CentroidModel> =>
  (await working()).definition.models.find((m) => m.id === id) as CentroidModel;
const errorOf = async (res: Response) => (await res.json()) as { error: string; field: string };
/** Puts the working copy back as published, so each test starts from nothing pending. */
async function resetWorking(): Promise<void> {
  const m: Manifest = (await s.store.currentVersion('lingua-kids'))!.manifest;
  const { features, models, reporting, retention, policy } = m;
  await s.store.updateSite(
    'lingua-kids',
    { definition: { features, models, reporting, retention }, policy },
    new Date().toISOString(),
  );
}

describe('the working copy API', () => {
  it('shows the working copy and an empty diff when nothing is pending', async () => {
    await resetWorking();
    const res = await api(`${SITE}/working`);
    expect(res.status).toBe(200);
    expectShape(WorkingCopyView, await res.clone().json());
    const d = await diff();
    expectShape(WorkingDiff, d);
    expect(d.empty).toBe(true);
    expect(d.publishedVersion).toBe((await s.store.currentVersion('lingua-kids'))!.version);
  });

  it('stores an edited feature, and the diff shows the old and new clip', async () => {
    await resetWorking();
    const before = await feature('lessons_7d');
    const res = await api(`${SITE}/features/lessons_7d`, json('PUT', { ...before, clip: [0, 4] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as WorkingEdited;
    expectShape(WorkingEdited, body);
    expect(body.changes).toEqual(['feature lessons_7d: clip [0,3] -> [0,4]']);
    expect((await feature('lessons_7d')).clip).toEqual([0, 4]);
    const d = await diff();
    expect(d.features).toEqual([
      { id: 'lessons_7d', status: 'changed', changes: [{ field: 'clip', old: '[0,3]', new: '[0,4]' }] },
    ]);
    // Not live: the published manifest still has the old clip.
    const live = (await s.store.currentVersion('lingua-kids'))!.manifest;
    expect(live.features.find((f) => f.name === 'lessons_7d')!.clip).toEqual([0, 3]);
  });

  it('adds a feature with PUT, and deletes one no model reads', async () => {
    await resetWorking();
    const spec = { ...(await feature('lessons_7d')), name: undefined, windowDays: 3 };
    expect((await api(`${SITE}/features/lessons_3d`, json('PUT', spec))).status).toBe(200);
    expect((await feature('lessons_3d')).windowDays).toBe(3);
    expect((await diff()).features.map((f) => [f.id, f.status])).toEqual([['lessons_3d', 'added']]);
    const del = await api(`${SITE}/features/lessons_3d`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await feature('lessons_3d')).toBeUndefined();
  });

  it('refuses a bad feature with 400 naming the field, and stores nothing', async () => {
    await resetWorking();
    const before = await feature('lessons_7d');
    const cases: [unknown, string][] = [
      [{ ...before, clip: [3, 0] }, 'feature.clip'],
      [{ ...before, windowDays: 'seven' }, 'feature.windowDays'],
      [{ ...before, kind: 'median' }, 'feature.kind'],
      [{ ...before, normalisation: { kind: 'zscore', mean: 0, sd: -1 } }, 'feature.normalisation.sd'],
      [{ ...before, name: 'other' }, 'feature.name'],
      // The rollups are kept 180 days: a longer window would be cut short.
      [{ ...before, windowDays: 200 }, 'feature.windowDays'],
    ];
    for (const [body, field] of cases) {
      const res = await api(`${SITE}/features/lessons_7d`, json('PUT', body));
      expect(res.status, field).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
    expect(await feature('lessons_7d')).toEqual(before);
  });

  it('refuses to delete a feature a model reads (400), and answers 404 for an unknown one', async () => {
    const res = await api(`${SITE}/features/lessons_7d`, { method: 'DELETE' });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.field).toBe('feature');
    expect(err.error).toContain('pace');
    expect((await api(`${SITE}/features/nope`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 naming the site for an unknown site on every route', async () => {
    const spec = await feature('lessons_7d');
    for (const [path, init] of [
      ['/sites/nope/working', {}],
      ['/sites/nope/diff', {}],
      ['/sites/nope/features/lessons_7d', json('PUT', spec)],
      ['/sites/nope/models/pace', { method: 'DELETE' }],
      ['/sites/nope/models/pace/segments/sprinter/documentation', json('PUT', {})],
    ] as const) {
      const res = await api(path, init);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).field).toBe('site');
    }
  });

  it('stores an edited model: a moved centroid and a new segment, shown in the diff', async () => {
    await resetWorking();
    const pace = await centroidModel('pace');
    const segment = {
      id: 'cramming',
      name: 'Cramming',
      minAgeBand: 'under13',
      documentation: {
        dataSources: [],
        criteria: 'Many lessons, few days.',
        validation: 'none',
        changelog: [],
      },
    };
    const res = await api(
      `${SITE}/models/pace`,
      json('PUT', {
        ...pace,
        centroids: [[0.2, 0.3, 0.3, -0.95], ...pace.centroids.slice(1), [0.9, 0, -0.9, -0.9]],
        segments: [...pace.segments, segment],
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as WorkingEdited;
    // The pace model was reported in clear whole; a new segment is not allowed yet, so clear is narrowed, and said.
    expect(body.notes.join(' ')).toContain('model pace no longer reported in clear');
    expect((await working()).policy.clear).toEqual([]);
    const m = (await diff()).models.find((x) => x.id === 'pace')!;
    expect(m.segments).toContainEqual({
      id: 'steady-learner',
      status: 'changed',
      changes: [{ field: 'centroid', old: '[0.1,0.3,0.3,-0.95]', new: '[0.2,0.3,0.3,-0.95]' }],
    });
    expect(m.segments.find((x) => x.id === 'cramming')?.status).toBe('added');
    // published, the new segment needs its card: 400 naming the field, nothing published
    const before = (await s.store.currentVersion('lingua-kids'))!.version;
    const pub = await api(`${SITE}/publish`, json('POST', {}));
    expect(pub.status).toBe(400);
    const models = (await working()).definition.models;
    const mi = models.findIndex((x) => x.id === 'pace');
    const si = models[mi]!.segments.findIndex((x) => x.id === 'cramming');
    const refusal = await errorOf(pub);
    expect(refusal.field).toBe(`models.${mi}.segments.${si}.documentation.dataSources`);
    expect(refusal.error).toMatch(/segment "cramming" of model "pace" needs at least one data source/);
    expect((await s.store.currentVersion('lingua-kids'))!.version).toBe(before);
  });

  it('refuses a bad model with 400 naming the field', async () => {
    await resetWorking();
    const pace = await centroidModel('pace');
    const cases: [unknown, string][] = [
      [{ ...pace, centroids: [[0, 0, 0], ...pace.centroids.slice(1)] }, 'model.centroids.0'],
      [{ ...pace, centroids: pace.centroids.slice(1) }, 'model.centroids'],
      [
        { ...pace, features: ['lessons_7d', 'nope', 'active_days_14d', 'days_since_active'] },
        'model.features.1',
      ],
      [{ ...pace, purpose: 'surveillance' }, 'model.purpose'],
      [
        { ...pace, segments: pace.segments.slice(0, 1), centroids: pace.centroids.slice(0, 1) },
        'model.segments',
      ],
      [
        { ...pace, segments: [{ ...pace.segments[0]!, id: 'needs-support' }, ...pace.segments.slice(1)] },
        'model.segments.0.id',
      ],
      [{ ...pace, id: 'pace2' }, 'model.id'],
    ];
    for (const [body, field] of cases) {
      const res = await api(`${SITE}/models/pace`, json('PUT', body));
      expect(res.status, field).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
    expect(await centroidModel('pace')).toEqual(pace);
  });

  it('deletes a model and takes its segments out of the policy; 404 for an unknown model', async () => {
    await resetWorking();
    const res = await api(`${SITE}/models/ads`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as WorkingEdited).notes.join(' ')).toContain('travel-audience');
    const w = await working();
    expect(w.definition.models.map((m) => m.id)).not.toContain('ads');
    expect(w.policy.allowed).not.toContain('travel-audience');
    expect((await diff()).models).toEqual([expect.objectContaining({ id: 'ads', status: 'removed' })]);
    expect((await api(`${SITE}/models/nope`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`${SITE}/models/nope/segments/x/documentation`, json('PUT', {}))).status).toBe(404);
  });

  it('stores a documentation card (keeping the changelog), 400 naming the field, 404 for an unknown segment', async () => {
    await resetWorking();
    const path = `${SITE}/models/pace/segments/sprinter/documentation`;
    const before = (await centroidModel('pace')).segments[1]!.documentation;
    const card = {
      dataSources: ['lesson_complete events'],
      criteria: 'Fast.',
      validation: 'Checked by hand.',
    };
    const res = await api(path, json('PUT', { ...card, changelog: [] }));
    expect(res.status).toBe(200);
    expect((await centroidModel('pace')).segments[1]!.documentation).toEqual({
      ...card,
      changelog: before.changelog,
    });
    const bad = await api(path, json('PUT', { ...card, criteria: 'x'.repeat(2001) }));
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe('documentation.criteria');
    const missing = await api(path, json('PUT', { criteria: 'c', validation: 'v' }));
    expect((await errorOf(missing)).field).toBe('documentation.dataSources');
    // an emptied card is refused field by field, not stored (issue 20: it was accepted and published)
    for (const [body, field] of [
      [{ ...card, dataSources: [] }, 'documentation.dataSources'],
      [{ ...card, dataSources: ['  '] }, 'documentation.dataSources.0'],
      [{ ...card, criteria: ' \n' }, 'documentation.criteria'],
      [{ ...card, validation: '' }, 'documentation.validation'],
    ] as const) {
      const empty = await api(path, json('PUT', body));
      expect(empty.status, field).toBe(400);
      expect((await errorOf(empty)).field).toBe(field);
    }
    expect((await centroidModel('pace')).segments[1]!.documentation.dataSources).toEqual(card.dataSources);
    const unknown = await api(`${SITE}/models/pace/segments/nope/documentation`, json('PUT', card));
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).field).toBe('segment');
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await api(`${SITE}/features/lessons_7d`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(res.status).toBe(400);
  });
});

describe('publishing writes a changelog entry on every changed segment', () => {
  it('says the version, the date, who and what changed, and leaves nothing pending', async () => {
    await resetWorking();
    const path = `${SITE}/models/pace/segments/sprinter/documentation`;
    const doc = (await centroidModel('pace')).segments[1]!.documentation;
    await api(path, json('PUT', { ...doc, criteria: 'Many lessons in few days.' }));
    const pace = await centroidModel('pace');
    await api(
      `${SITE}/models/pace`,
      json('PUT', {
        ...pace,
        centroids: [pace.centroids[0], pace.centroids[1], [-0.7, -0.2, -0.3, -0.3], pace.centroids[3]],
      }),
    );
    // Published by a named editor: the changelog says who, from the account.
    const created = await api('/accounts', json('POST', { name: 'ada', role: 'editor' }));
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const pub = await api(
      `${SITE}/publish`,
      json('POST', { note: 'clearer' }, { Authorization: `Bearer ${token}` }),
    );
    expect(pub.status).toBe(201);
    const { version } = (await pub.json()) as { version: number };
    const m = (await s.store.currentVersion('lingua-kids'))!.manifest;
    const seg = (id: string) => m.models.flatMap((x) => x.segments).find((x) => x.id === id)!;
    const date = s.clock.now.toISOString().slice(0, 10);
    expect(seg('sprinter').documentation.changelog.at(-1)).toEqual({
      version,
      date,
      change: 'criteria edited (by ada; note: clearer)',
    });
    expect(seg('drifting').documentation.changelog.at(-1)).toEqual({
      version,
      date,
      change: 'centroid [-0.8,-0.2,-0.3,-0.3] -> [-0.7,-0.2,-0.3,-0.3] (by ada; note: clearer)',
    });
    // Unchanged segments get no entry.
    expect(seg('steady-learner').documentation.changelog.map((e) => e.version)).not.toContain(version);
    expect(seg('needs-support').documentation.changelog.map((e) => e.version)).not.toContain(version);
    // The working copy carries the entries too, so nothing is left pending.
    expect((await diff()).empty).toBe(true);
  });

  it('a site from the demo template starts its own changelog: one entry at its first publish, saying who', async () => {
    const site = { id: 'math-club', name: 'Math Club', origins: ['http://127.0.0.1:8788'], template: 'demo' };
    expect((await api('/sites', json('POST', site))).status).toBe(201);
    expect((await api('/sites/math-club/publish', json('POST', { note: 'live' }))).status).toBe(201);
    const m = (await s.store.currentVersion('math-club'))!.manifest;
    const date = s.clock.now.toISOString().slice(0, 10);
    for (const seg of m.models.flatMap((x) => x.segments))
      expect(seg.documentation.changelog).toEqual([
        { version: 1, date, change: `created (by ${BOOTSTRAP_ACTOR}; note: live)` },
      ]);
  });

  it('a re-sign without change writes no entry', async () => {
    const before = (await s.store.currentVersion('lingua-kids'))!.manifest;
    expect((await api(`${SITE}/publish`, json('POST', {}))).status).toBe(201);
    const after = (await s.store.currentVersion('lingua-kids'))!.manifest;
    expect(after.models.map((m) => m.segments.map((x) => x.documentation.changelog))).toEqual(
      before.models.map((m) => m.segments.map((x) => x.documentation.changelog)),
    );
  });
});

describe('the console editors', () => {
  const admin = consoleSession(s);
  beforeAll(async () => {
    expect((await admin.login()).status).toBe(303);
  });
  const text = async (res: Response | Promise<Response>) => (await res).text();
  /** The message shown beside a control: the span with id error-<name>. */
  const besideField = (page: string, name: string) =>
    new RegExp(`id="error-${name.replace(/\./g, '\\.')}" role="alert">([^<]*)<`).exec(page)?.[1];

  it('lists the features and models with their editors, and links each segment to its documentation form', async () => {
    await resetWorking();
    const page = await text(admin.get('/admin/sites/lingua-kids'));
    expect(page).toContain('href="/admin/sites/lingua-kids/features/lessons_7d"');
    expect(page).toContain('href="/admin/sites/lingua-kids/models/pace"');
    expect(page).toContain('href="/admin/sites/lingua-kids/models/pace/segments/sprinter/documentation"');
    expect(page).toContain('href="/admin/sites/lingua-kids/review"');
    expect(page).toContain('href="/admin/sites/lingua-kids/new-feature"');
  });

  it('a refused feature post re-renders (400) with what was typed and each error beside its field', async () => {
    await resetWorking();
    const form = await text(admin.get('/admin/sites/lingua-kids/features/lessons_7d'));
    expect(form).toContain('name="windowDays" value="7"');
    const res = await admin.postForm('/admin/sites/lingua-kids/features/lessons_7d', {
      kind: 'count',
      events: 'lesson_complete, lesson_start',
      windowDays: 'seven',
      transform: 'log1p',
      'clip.0': '5',
      'clip.1': '10',
      'normalisation.kind': 'zscore',
      'normalisation.mean': '2',
      'normalisation.sd': '-1',
      description: 'Typed text that must survive.',
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(besideField(page, 'windowDays')).toContain('expected number');
    expect(besideField(page, 'normalisation.sd')).toContain('Too small');
    expect(besideField(page, 'clip')).toBeUndefined();
    // What was typed is kept, valid and invalid alike.
    expect(page).toContain('name="windowDays" value="seven"');
    expect(page).toContain('name="events" value="lesson_complete, lesson_start"');
    expect(page).toContain('name="clip.0" value="5"');
    expect(page).toContain('Typed text that must survive.</textarea>');
    expect(page).toContain('<option value="log1p" selected>');
    expect(page).toContain('name="normalisation.mean" value="2"');
    // The rules across fields (clip lo < hi) are checked once each field passes, and shown beside the clip.
    const clip = await admin.postForm('/admin/sites/lingua-kids/features/lessons_7d', {
      kind: 'count',
      events: 'lesson_complete',
      windowDays: '7',
      transform: 'log1p',
      'clip.0': '5',
      'clip.1': '1',
      'normalisation.kind': 'minmax',
    });
    expect(clip.status).toBe(400);
    const clipPage = await clip.text();
    expect(besideField(clipPage, 'clip')).toContain('lo &lt; hi');
    expect(clipPage).toContain('name="clip.0" value="5"');
    // Nothing was stored.
    expect((await feature('lessons_7d')).windowDays).toBe(7);
  });

  it('a valid feature post is stored and goes back to the site page', async () => {
    await resetWorking();
    const values = Object.fromEntries(
      [
        ...(await text(admin.get('/admin/sites/lingua-kids/features/lessons_7d'))).matchAll(
          /name="([^"]+)" value="([^"]*)"/g,
        ),
      ].map((m) => [m[1]!, m[2]!]),
    );
    const res = await admin.postForm('/admin/sites/lingua-kids/features/lessons_7d', {
      ...values,
      kind: 'count',
      transform: 'log1p',
      'normalisation.kind': 'minmax',
      windowDays: '10',
    });
    expect(res.status).toBe(303);
    expect(decodeURIComponent(res.headers.get('location')!)).toContain('windowDays 7 -> 10');
    expect((await feature('lessons_7d')).windowDays).toBe(10);
  });

  /** What a browser would post back from a form page: inputs, ticked boxes, selected options, textareas. */
  const formOf = (page: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const m of page.matchAll(/<input type="(text|hidden)" name="([^"]+)" value="([^"]*)"/g))
      out[m[2]!] = m[3]!;
    for (const m of page.matchAll(/<select name="([^"]+)">([\s\S]*?)<\/select>/g))
      out[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '';
    for (const m of page.matchAll(/<textarea name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) out[m[1]!] = m[2]!;
    return out;
  };

  it('a model form posted back as a browser would keeps every documentation card; a new row adds a segment', async () => {
    await resetWorking();
    const before = await centroidModel('pace');
    const fields = formOf(await text(admin.get('/admin/sites/lingua-kids/models/pace')));
    expect(fields['segments.4.id']).toBe('');
    const res = await admin.postForm('/admin/sites/lingua-kids/models/pace', {
      ...fields,
      'segments.0.centroid': '0.2, 0.3, 0.3, -0.95',
      'segments.1.id': 'sprinter2',
      'segments.4.id': 'cramming',
      'segments.4.name': 'Cramming',
      'segments.4.centroid': '0.9, 0, -0.9, -0.9',
    });
    expect(res.status).toBe(303);
    const after = await centroidModel('pace');
    expect(after.segments.map((x) => x.id)).toEqual([
      'steady-learner',
      'sprinter2',
      'drifting',
      'just-starting',
      'cramming',
    ]);
    // Every card kept, the renamed segment's too; the new one starts with its model's features as data sources.
    expect(after.segments.slice(0, 4).map((x) => x.documentation)).toEqual(
      before.segments.map((x) => x.documentation),
    );
    expect(after.segments[4]!.documentation.dataSources).toEqual(before.features);
    expect(after.centroids[0]).toEqual([0.2, 0.3, 0.3, -0.95]);
    expect(after.centroids.slice(1, 4)).toEqual(before.centroids.slice(1));
  });

  it('a refused model post shows a bad centroid beside its segment row, and keeps every row typed', async () => {
    await resetWorking();
    const res = await admin.postForm('/admin/sites/lingua-kids/models/pace', {
      kind: 'centroids',
      purpose: 'instruction',
      features: 'lessons_7d, practice_minutes_14d, active_days_14d, days_since_active',
      'segments.0.id': 'steady-learner',
      'segments.0.was': 'steady-learner',
      'segments.0.name': 'Steady learner',
      'segments.0.minAgeBand': 'under13',
      'segments.0.centroid': '0.1, 0.3, 0.3, -0.95',
      'segments.1.id': 'sprinter',
      'segments.1.was': 'sprinter',
      'segments.1.name': 'Sprinter',
      'segments.1.minAgeBand': 'under13',
      'segments.1.centroid': '0.6, 0.1, oops, -0.95',
      'segments.2.id': 'drifting',
      'segments.2.was': 'drifting',
      'segments.2.name': 'Drifting',
      'segments.2.minAgeBand': 'under13',
      'segments.2.centroid': '-0.8, -0.2',
      'segments.3.id': 'just-starting',
      'segments.3.was': 'just-starting',
      'segments.3.name': 'Just starting',
      'segments.3.minAgeBand': 'under13',
      'segments.3.centroid': '-1, -1, -0.95, -0.4',
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(besideField(page, 'segments.1.centroid')).toContain('expected number');
    expect(page).toContain('name="segments.1.centroid" value="0.6, 0.1, oops, -0.95"');
    expect(page).toContain('name="segments.2.centroid" value="-0.8, -0.2"');
    expect(besideField(page, 'segments.0.centroid')).toBeUndefined();
  });

  it('a refused documentation post keeps the typed card and names the field', async () => {
    await resetWorking();
    const path = '/admin/sites/lingua-kids/models/pace/segments/sprinter/documentation';
    const res = await admin.postForm(path, {
      dataSources: 'lesson_complete events\npractice_session.minutes',
      criteria: 'y'.repeat(2001),
      validation: 'Checked on 40 learners.',
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(besideField(page, 'criteria')).toContain('2000');
    expect(page).toContain('lesson_complete events\npractice_session.minutes</textarea>');
    expect(page).toContain('Checked on 40 learners.</textarea>');
    const ok = await admin.postForm(path, {
      dataSources: 'lesson_complete events',
      criteria: 'Many lessons in a few days.',
      validation: 'Checked on 40 learners.',
    });
    expect(ok.status).toBe(303);
    expect((await centroidModel('pace')).segments[1]!.documentation.criteria).toBe(
      'Many lessons in a few days.',
    );
    // the banner (and so its URL) summarises in words: which fields changed, no JSON of the lists
    const banner = new URL(ok.headers.get('location')!, 'http://x').searchParams.get('ok')!;
    expect(banner).toMatch(
      /^Documentation of sprinter saved \(segment sprinter: data sources changed, criteria /,
    );
    expect(banner).not.toMatch(/[[\]{}"]/);
    // an emptied card is refused beside its field, and nothing is stored
    const emptied = await admin.postForm(path, { dataSources: ' \n ', criteria: 'C.', validation: 'V.' });
    expect(emptied.status).toBe(400);
    expect(besideField(await emptied.text(), 'dataSources')).toMatch(/at least one data source/);
    expect((await centroidModel('pace')).segments[1]!.documentation.dataSources).toEqual([
      'lesson_complete events',
    ]);
  });

  it('the review page lists a changed centroid (old and new) and a new segment, with the publish form', async () => {
    await resetWorking();
    const pace = await centroidModel('pace');
    await api(
      `${SITE}/models/pace`,
      json('PUT', {
        ...pace,
        centroids: [[0.2, 0.3, 0.3, -0.95], ...pace.centroids.slice(1), [0.9, 0, -0.9, -0.9]],
        segments: [...pace.segments, { ...pace.segments[0]!, id: 'cramming', name: 'Cramming' }],
      }),
    );
    const page = await text(admin.get('/admin/sites/lingua-kids/review'));
    const block = (id: string) => page.slice(page.indexOf(`id="diff-segment-${id}"`)).split('</div>')[0]!;
    expect(block('steady-learner')).toContain('<del>[0.1,0.3,0.3,-0.95]</del>');
    expect(block('steady-learner')).toContain('<ins>[0.2,0.3,0.3,-0.95]</ins>');
    expect(block('cramming')).toContain('>added</span>');
    expect(block('cramming')).toContain('<ins>[0.9,0,-0.9,-0.9]</ins>');
    expect(page).not.toContain('id="diff-segment-sprinter"');
    expect(page).toContain('action="/admin/sites/lingua-kids/publish"');
    expect(page).toContain('name="note"');
  });

  it('404s for an unknown site, feature, model or segment', async () => {
    for (const path of [
      '/admin/sites/nope/review',
      '/admin/sites/lingua-kids/features/nope',
      '/admin/sites/lingua-kids/models/nope',
      '/admin/sites/lingua-kids/models/pace/segments/nope/documentation',
      '/admin/sites/nope/new-feature',
    ])
      expect((await admin.get(path)).status, path).toBe(404);
  });
});
