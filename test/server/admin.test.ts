import { beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { verifyManifest } from '../../src/core/manifest.js';
import {
  ApiError,
  AuditLog,
  KeysRotated,
  PolicyUpdated,
  Published,
  SiteList,
  SiteView,
} from '../../src/core/schema.js';
import type { CentroidModel, Manifest } from '../../src/core/schema.js';
import { BOOTSTRAP_ACTOR } from '../../src/server/identity/accounts.js';
import type { AuditRecord } from '../../src/server/storage/store.js';
import {
  ADMIN_TOKEN,
  NOW,
  adminApiOf,
  addAccount,
  apiAs,
  consoleSession,
  siteViewOf,
  expectShape,
  json,
  useServer,
  sampleReports,
} from './helpers.js';

const s = useServer();
beforeAll(async () => {
  adaToken = (await addAccount(s, 'ada', 'editor')).token;
});

const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);
/** An editor account's API token: the audit log records the account, whatever X-Edseg-Actor says. */
let adaToken = '';
const ada = (path: string, init?: RequestInit) => apiAs(s, adaToken)(path, init);
const view = () => siteViewOf(api);
const audit = async (): Promise<AuditRecord[]> =>
  ((await (await api('/audit')).json()) as { entries: AuditRecord[] }).entries;
const currentJws = async () => (await s.app.request('/v1/sites/lingua-kids/manifest')).text();
const keys = async (): Promise<JWK[]> =>
  ((await (await s.app.request('/v1/keys')).json()) as { keys: JWK[] }).keys;
const verify = async () =>
  verifyManifest(await currentJws(), {
    publicKeys: await keys(),
    site: 'lingua-kids',
    origin: 'http://localhost:8787',
    now: NOW,
  });
const publishedVersion = async () => (await s.store.currentVersion('lingua-kids'))!.version;
const allSegments = (m: Pick<Manifest, 'models'>) => m.models.flatMap((x) => x.segments.map((seg) => seg.id));

describe('admin API authentication', () => {
  it('answers 401 without a token', async () => {
    const res = await s.app.request('/admin/api/sites');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 401 with a wrong token', async () => {
    expect(
      (await s.app.request('/admin/api/sites', { headers: { Authorization: 'Bearer nope' } })).status,
    ).toBe(401);
  });

  it('does not take the console cookie in place of the token', async () => {
    expect(
      (await s.app.request('/admin/api/sites', { headers: { Cookie: 'edseg_admin=anything' } })).status,
    ).toBe(401);
  });

  it('lists the sites with their published version for the admin token', async () => {
    const res = await api('/sites');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      sites: [
        {
          id: 'lingua-kids',
          name: 'Lingua Kids (demo)',
          origins: ['http://127.0.0.1:8787', 'http://localhost:8787'],
          currentVersion: 1,
          publishedAt: NOW.toISOString(),
          disabledAt: null,
        },
      ],
    });
  });
});

describe('a site as the admin API shows it', () => {
  it('documents every segment: data sources, criteria, purpose, validation, changelog', async () => {
    const v = await view();
    expect(v.segments).toHaveLength(16);
    for (const seg of v.segments) {
      expect(seg.documentation.dataSources.length).toBeGreaterThan(0);
      expect(seg.documentation.criteria).not.toBe('');
      expect(seg.documentation.validation).not.toBe('');
      expect(seg.documentation.changelog[0]?.version).toBe(1);
    }
  });

  it('derives education-record use from the features each model reads', async () => {
    const v = await view();
    const edu = Object.fromEntries(v.segments.map((x) => [x.id, x.educationRecordFeatures]));
    expect(edu['needs-support']).toEqual(['quiz_accuracy_14d']);
    expect(edu['tutoring-prospect']).toEqual(['quiz_accuracy_14d']);
    expect(edu['steady-learner']).toEqual([]);
    expect(v.segments.filter((x) => x.usesEducationRecord).map((x) => x.model)).toEqual([
      ...Array(3).fill('mastery'),
      ...Array(3).fill('tutoring_upsell'),
    ]);
  });

  it('shows nothing pending right after the seed', async () => {
    expect((await view()).pending).toEqual([]);
  });
});

describe('policy update and publish', () => {
  it('refuses a policy naming an unknown segment, naming the field', async () => {
    const res = await api(
      '/sites/lingua-kids/policy',
      json('PUT', { allowed: ['steady-learner', 'nope'], clear: [] }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'policy.allowed.1' });
  });

  it('refuses a clear segment that is not allowed, naming the field', async () => {
    const res = await api(
      '/sites/lingua-kids/policy',
      json('PUT', { allowed: ['steady-learner'], clear: ['sprinter'] }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'policy.clear.0' });
  });

  it('refuses a policy of the wrong shape, naming the field', async () => {
    const res = await api('/sites/lingua-kids/policy', json('PUT', { allowed: 'all', clear: [] }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'policy.allowed' });
  });

  it('saves a policy change without publishing it, and audits the edit', async () => {
    const allowed = (await view()).policy.allowed.filter((id) => id !== 'travel-audience');
    const res = await ada(
      '/sites/lingua-kids/policy',
      json('PUT', { allowed, clear: (await view()).policy.clear }, { 'X-Edseg-Actor': 'Mallory' }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changes: ['allowed -travel-audience'], published: false });
    expect(await publishedVersion()).toBe(1);
    expect((await view()).pending).toEqual(['allowed -travel-audience']);
    expect((await audit())[0]).toMatchObject({
      action: 'policy-update',
      actor: 'ada',
      site: 'lingua-kids',
      version: null,
    });
  });

  it('publishes: bumps the version, and the new manifest verifies with the published key', async () => {
    const res = await ada(
      '/sites/lingua-kids/publish',
      json('POST', { note: 'no travel ads' }, { 'X-Edseg-Actor': 'Mallory' }),
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      site: 'lingua-kids',
      version: 2,
      changes: ['allowed -travel-audience'],
    });
    const r = await verify();
    expect(r.ok && r.manifest.version).toBe(2);
    expect(r.ok && r.manifest.policy.allowed).not.toContain('travel-audience');
  });

  it('writes who, when and what changed into the audit log', async () => {
    const [entry] = await audit();
    expect(entry).toMatchObject({
      action: 'publish',
      actor: 'ada',
      site: 'lingua-kids',
      version: 2,
      at: NOW.toISOString(),
      summary: 'published v2: allowed -travel-audience',
      detail: { changes: ['allowed -travel-audience'], note: 'no travel ads' },
    });
  });

  it('still accepts reports made under the previous version', async () => {
    const v1 = (await s.store.getVersion('lingua-kids', 1))!.manifest;
    expect(
      (await s.app.request('/v1/reports', json('POST', { reports: sampleReports(v1, 3, 7) }))).status,
    ).toBe(202);
  });

  it('publishes a full manifest body with new centroids as the next version', async () => {
    const m = (await s.store.currentVersion('lingua-kids'))!.manifest;
    const models = m.models.map((x) =>
      x.id === 'pace' && x.kind === 'centroids'
        ? { ...x, centroids: x.centroids.map((row) => row.map((c) => c * 0.9)) }
        : x,
    );
    const res = await api('/sites/lingua-kids/publish', json('POST', { ...m, models }));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ version: 3, changes: ['model pace centroids changed'] });
    const r = await verify();
    // Each moved segment gets its changelog entry: the version, the day, what moved and who published it.
    const [before, given] = [m.models[0] as CentroidModel, models[0] as CentroidModel];
    expect(r.ok && r.manifest.models[0]).toEqual({
      ...given,
      segments: given.segments.map((seg, i) => ({
        ...seg,
        documentation: {
          ...seg.documentation,
          changelog: [
            ...seg.documentation.changelog,
            {
              version: 3,
              date: s.clock.now.toISOString().slice(0, 10),
              change: `centroid ${JSON.stringify(before.centroids[i])} -> ${JSON.stringify(given.centroids[i])} (by ${BOOTSTRAP_ACTOR})`,
            },
          ],
        },
      })),
    });
    expect((await view()).pending).toEqual([]);
  });

  it('refuses a manifest body that fails the schema, naming the field, and publishes nothing', async () => {
    const m = (await s.store.currentVersion('lingua-kids'))!.manifest;
    const models = m.models.map((x) =>
      x.id === 'pace' && x.kind === 'centroids'
        ? { ...x, centroids: [x.centroids[0], [0, 0], ...x.centroids.slice(2)] }
        : x,
    );
    const res = await api('/sites/lingua-kids/publish', json('POST', { manifest: { ...m, models } }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'manifest.models.0.centroids.1' });
    expect(await publishedVersion()).toBe(3);
  });

  it('refuses a manifest body for another site', async () => {
    const m = (await s.store.currentVersion('lingua-kids'))!.manifest;
    const res = await api(
      '/sites/lingua-kids/publish',
      json('POST', { manifest: { ...m, site: { id: 'other', origins: ['https://x.example'] } } }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'manifest.site.id' });
  });

  it('refuses a publish body that is not an object, naming the root, and publishes nothing', async () => {
    const before = await publishedVersion();
    for (const body of [null, [], 'v2', 3]) {
      const res = await api('/sites/lingua-kids/publish', json('POST', body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: '(root)' });
    }
    expect(await publishedVersion()).toBe(before);
  });

  it('refuses a publish note that is not a string, naming note, and publishes nothing', async () => {
    const before = await publishedVersion();
    const res = await api('/sites/lingua-kids/publish', json('POST', { note: 42 }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'note' });
    expect(await publishedVersion()).toBe(before);
  });

  it('refuses a publish body with a field it does not have, naming the field in the error, and publishes nothing', async () => {
    const before = await publishedVersion();
    const res = await api('/sites/lingua-kids/publish', json('POST', { manfest: {} }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ApiError;
    expect(body.field).toBe('(root)');
    expect(body.error).toContain('manfest');
    expect(await publishedVersion()).toBe(before);
  });

  it('refuses a publish manifest that is not an object, naming manifest, and publishes nothing', async () => {
    const before = await publishedVersion();
    const res = await api('/sites/lingua-kids/publish', json('POST', { manifest: [] }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'manifest' });
    expect(await publishedVersion()).toBe(before);
  });

  it('answers 404 when publishing a site that does not exist', async () => {
    expect((await api('/sites/nope/publish', json('POST', {}))).status).toBe(404);
  });

  it('rotates the signing key: both keys published, every site re-signed with the new one at once', async () => {
    const before = await publishedVersion();
    const res = await api('/keys/rotate', { method: 'POST' });
    expect(res.status).toBe(201);
    const { kid, republished } = (await res.json()) as {
      kid: string;
      republished: { site: string; version: number }[];
    };
    expect((await keys()).map((k) => k.kid)).toHaveLength(2);
    expect((await keys())[0]!.kid).toBe(kid);
    expect(republished).toEqual([{ site: 'lingua-kids', version: before + 1 }]);
    const r = await verify();
    expect(r.ok && r.kid).toBe(kid);
  });

  it('leaves a device that pinned only the old key refusing what is signed after the rotation (pin the JWKS)', async () => {
    const [newest, old] = await keys();
    const r = await verifyManifest(await currentJws(), {
      publicKeys: [old!],
      site: 'lingua-kids',
      origin: null,
      now: NOW,
    });
    expect(r).toMatchObject({ ok: false, reason: 'unknown-key' });
    expect(newest!.kid).not.toBe(old!.kid);
  });
});

describe('the HTML console', () => {
  const { login, get, postForm } = consoleSession(s);

  it('sends a visitor without a session to the login form', async () => {
    const res = await s.app.request('/admin');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login');
  });

  it('refuses a wrong token at the login form', async () => {
    expect((await login('wrong')).status).toBe(401);
  });

  it('refuses a login posted from another origin (CSRF)', async () => {
    expect((await login(ADMIN_TOKEN, { Origin: 'https://evil.example' })).status).toBe(403);
  });

  it('logs in with the token and sets an HttpOnly, SameSite=Strict session cookie scoped to /admin', async () => {
    const res = await login(ADMIN_TOKEN);
    expect(res.status).toBe(303);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/admin/);
    expect(set).not.toContain(ADMIN_TOKEN);
  });

  it('lists the sites', async () => {
    const res = await get('/admin');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/admin/sites/lingua-kids');
  });

  it("shows a site with each segment's documentation and derived education-record use", async () => {
    const page = await (await get('/admin/sites/lingua-kids')).text();
    expect(page).toContain('uses education records: quiz_accuracy_14d');
    expect(page).toContain('FERPA');
    expect(page).toContain('Not yet validated');
    expect(page).toContain('name="allowed" value="general-audience"');
  });

  it('sends a strict Content-Security-Policy and no-store', async () => {
    const res = await get('/admin/sites/lingua-kids');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('saves a policy from the form and publishes it, audited under the login name', async () => {
    const v = await view();
    const allowed = [...v.policy.allowed, 'travel-audience'];
    expect(
      (await postForm('/admin/sites/lingua-kids/policy', { allowed, clear: v.policy.clear })).status,
    ).toBe(303);
    const before = await publishedVersion();
    expect((await postForm('/admin/sites/lingua-kids/publish', { note: 'travel ads back' })).status).toBe(
      303,
    );
    expect(await publishedVersion()).toBe(before + 1);
    expect((await audit())[0]).toMatchObject({
      action: 'publish',
      actor: BOOTSTRAP_ACTOR,
      summary: `published v${before + 1}: allowed +travel-audience`,
    });
  });

  it('refuses a form post from another origin even with a valid session', async () => {
    const before = await publishedVersion();
    expect(
      (await postForm('/admin/sites/lingua-kids/publish', {}, { Origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect(await publishedVersion()).toBe(before);
  });

  it('shows the estimates dashboard with suppressed cells marked', async () => {
    const page = await (await get('/admin/sites/lingua-kids/estimates?version=1')).text();
    expect(page).toContain('Estimates');
    expect(page).toContain('suppressed');
  });

  it('shows the audit log', async () => {
    const page = await (await get('/admin/audit')).text();
    expect(page).toContain('published v2: allowed -travel-audience');
  });

  it('escapes what an admin typed into segment documentation', async () => {
    const m = (await s.store.currentVersion('lingua-kids'))!.manifest;
    const evil = '<img src=x onerror=alert(1)>';
    const models = m.models.map((x, i) =>
      i === 0 ? { ...x, segments: x.segments.map((seg, j) => (j === 0 ? { ...seg, name: evil } : seg)) } : x,
    );
    expect((await api('/sites/lingua-kids/publish', json('POST', { ...m, models }))).status).toBe(201);
    const page = await (await get('/admin/sites/lingua-kids')).text();
    expect(page).not.toContain(evil);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('logs out by clearing the cookie', async () => {
    const res = await postForm('/admin/logout', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/edseg_admin=;/);
  });
});

describe('the audit log API', () => {
  it('lists entries newest first, filtered by site', async () => {
    const entries = (
      (await (await api('/audit?site=lingua-kids&limit=3')).json()) as { entries: AuditRecord[] }
    ).entries;
    expect(entries).toHaveLength(3);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => b - a));
    expect(entries.every((e) => e.site === 'lingua-kids')).toBe(true);
  });

  it('starts with the seed: version 1 by the seed, listing what it holds', async () => {
    const first = (await audit()).at(-1)!;
    expect(first).toMatchObject({ action: 'publish', actor: 'system (seed)', version: 1 });
    expect(first.summary).toContain('8 features, 5 models, 16 segments');
  });

  it('keeps every segment of the seeded site in the manifest as published', async () => {
    expect(allSegments((await s.store.getVersion('lingua-kids', 1))!.manifest)).toHaveLength(16);
  });
});

describe('admin routes that do not exist', () => {
  it('answers a JSON 404 for an unknown API path with the token', async () => {
    const res = await api('/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found' });
  });

  it('still answers 401 for an unknown API path without the token', async () => {
    expect((await s.app.request('/admin/api/nothing-here')).status).toBe(401);
  });
});

describe('the admin API answers in the shapes schema.ts declares', () => {
  it('lists the sites as SiteList', async () => {
    expectShape(SiteList, await (await api('/sites')).json());
  });

  it('shows a site as SiteView', async () => {
    expectShape(SiteView, await (await api('/sites/lingua-kids')).json());
  });

  it('answers a policy update with PolicyUpdated', async () => {
    const { policy } = await view();
    const res = await api('/sites/lingua-kids/policy', json('PUT', policy));
    expect(res.status).toBe(200);
    expectShape(PolicyUpdated, await res.json());
  });

  it('answers a publish with Published', async () => {
    const res = await api('/sites/lingua-kids/publish', json('POST', {}));
    expect(res.status).toBe(201);
    expectShape(Published, await res.json());
  });

  it('lists the audit log as AuditLog', async () => {
    expectShape(AuditLog, await (await api('/audit')).json());
  });

  it('answers a key rotation with KeysRotated', async () => {
    const res = await api('/keys/rotate', { method: 'POST' });
    expect(res.status).toBe(201);
    expectShape(KeysRotated, await res.json());
  });

  it('answers an unknown site with ApiError naming the site', async () => {
    const res = await api('/sites/nope');
    expect(res.status).toBe(404);
    const body = await res.json();
    expectShape(ApiError, body);
    expect(body).toMatchObject({ field: 'site' });
  });
});
