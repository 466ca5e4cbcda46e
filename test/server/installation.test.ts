/**
 * Issue 20: the installation view. GET /admin/api/sites/:site/installation and its console page count
 * manifest requests per page origin (Origin header; Sec-Fetch-Site same-origin: the request's own),
 * reports stored per version and refused per reason, over the last 24 hours, from hourly counters
 * (install_counts) that are upserts on PGlite and PostgreSQL, bounded per site and hour, pruned after
 * INSTALL_RETENTION_HOURS (the hourly job). Report counts pass the disclosure gate; every role reads; unknown site 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Installation } from '../../src/core/schema.js';
import type { SqlStore } from '../../src/server/storage/store.js';
import { MAX_ORIGINS_PER_HOUR, OTHER_ORIGIN, hourOf } from '../../src/server/storage/sql/installation.js';
import { seedDefinition, seedOrigins, seedPolicy } from '../../src/server/demo/seed.js';
import { pgliteBackend, postgresBackend } from './pg-harness.js';
import {
  NOW,
  PORT,
  SEED_SITE,
  addAccount,
  adminApiOf,
  apiAs,
  appOf,
  consoleSession,
  expectShape,
  json,
  sampleReports,
  useServer,
} from './helpers.js';

const HOUR = 3_600_000;
const LISTED = `http://127.0.0.1:${PORT}`;
const UNLISTED = 'http://localhost:5173';

describe.each([pgliteBackend(), postgresBackend()])('install_counts on $name', (backend) => {
  let store: SqlStore;
  const h = hourOf(NOW.getTime());
  beforeAll(async () => {
    store = await backend.open();
    const def = seedDefinition('2025-06-02');
    const base = { name: 'S', origins: seedOrigins(8787), definition: def, policy: seedPolicy(def.models) };
    await store.createSite({ id: 'site-a', ...base }, NOW.toISOString());
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('adds concurrent requests without losing one (an upsert increment)', async () => {
    await Promise.all(Array.from({ length: 40 }, () => store.countManifestRequest('site-a', LISTED, h)));
    await Promise.all([
      store.addInstallCount('site-a', h, 'version', '1', 5),
      store.addInstallCount('site-a', h, 'version', '1', 7),
      store.addInstallCount('site-a', h, 'refused', 'invalid', 1),
    ]);
    expect(await store.installCounts('site-a', h)).toEqual([
      { kind: 'origin', key: LISTED, n: 40 },
      { kind: 'refused', key: 'invalid', n: 1 },
      { kind: 'version', key: '1', n: 12 },
    ]);
  });

  it('stores nothing for a site that does not exist', async () => {
    await store.countManifestRequest('no-such-site', LISTED, h);
    await store.addInstallCount('no-such-site', h, 'refused', 'invalid', 1);
    const rows = await store.db.query<{ n: number }>(
      `select count(*)::integer as n from install_counts where site = 'no-such-site'`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it(`keeps at most ${MAX_ORIGINS_PER_HOUR} origins a site and hour: a flood of forged origins counts as "${OTHER_ORIGIN}"`, async () => {
    const hour = h + 1;
    for (let i = 0; i < MAX_ORIGINS_PER_HOUR + 30; i++)
      await store.countManifestRequest('site-a', `https://forged-${i}.example`, hour);
    await store.countManifestRequest('site-a', 'https://forged-0.example', hour); // a known one still counts
    const rows = await store.db.query<{ key: string; n: string }>(
      `select key, n::text as n from install_counts where site = 'site-a' and hour = $1 and kind = 'origin'`,
      [hour],
    );
    expect(rows).toHaveLength(MAX_ORIGINS_PER_HOUR + 1);
    expect(rows.find((r) => r.key === OTHER_ORIGIN)?.n).toBe('30');
    expect(rows.find((r) => r.key === 'https://forged-0.example')?.n).toBe('2');
    // The next hour starts a new bound.
    await store.countManifestRequest('site-a', 'https://forged-99.example', hour + 1);
    expect(await store.installCounts('site-a', hour + 1)).toEqual([
      { kind: 'origin', key: 'https://forged-99.example', n: 1 },
    ]);
  });

  it('sums the hours from the one asked, and prunes the hours before another', async () => {
    await store.countManifestRequest('site-a', LISTED, h - 30);
    expect((await store.installCounts('site-a', h - 30)).find((c) => c.key === LISTED)?.n).toBe(41);
    expect((await store.installCounts('site-a', h - 29)).find((c) => c.key === LISTED)?.n).toBe(40);
    expect(await store.pruneInstallCounts(h - 29)).toBe(1);
    expect(await store.pruneInstallCounts(h - 29)).toBe(0);
    expect((await store.installCounts('site-a', 0)).find((c) => c.key === LISTED)?.n).toBe(40);
  });
});

describe('the installation view', () => {
  const s = useServer();
  const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);
  const view = async (site = SEED_SITE) => {
    const res = await api(`/sites/${site}/installation`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Installation;
    expectShape(Installation, body);
    return body;
  };
  const manifest = (headers: Record<string, string>) =>
    Promise.resolve(s.app.request(`/v1/sites/${SEED_SITE}/manifest`, { headers }));
  const post = (body: unknown) =>
    Promise.resolve(
      s.app.request('/v1/reports', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      }),
    );

  it('counts manifest requests per page origin, listed or not; a same-origin request as its own origin', async () => {
    expect((await manifest({ Origin: LISTED })).status).toBe(200);
    const etag = (await manifest({ Origin: UNLISTED })).headers.get('etag')!;
    expect((await manifest({ Origin: UNLISTED, 'If-None-Match': etag })).status).toBe(304);
    await manifest({ 'Sec-Fetch-Site': 'same-origin' }); // app.request's URL is http://localhost/…
    await manifest({}); // neither header: not a page's fetch, not counted
    await manifest({ Origin: 'null' }); // an opaque origin
    expect((await view()).origins).toEqual([
      { origin: UNLISTED, listed: false, manifestRequests: 2 },
      { origin: LISTED, listed: true, manifestRequests: 1 },
      { origin: 'http://localhost', listed: false, manifestRequests: 1 },
      { origin: OTHER_ORIGIN, listed: false, manifestRequests: 1 },
    ]);
    const v = await view();
    expect(v.listedOrigins).toEqual(seedOrigins(PORT));
    expect(v.hours).toBe(24);
  });

  it('a count that fails never costs the page its manifest, nor a refusal its 4xx', async () => {
    const fail = () => Promise.reject(new Error('read-only database'));
    const store = { ...s.store, countManifestRequest: fail, addInstallCount: fail };
    const app = appOf({ ...s, store });
    const res = await app.request(`/v1/sites/${SEED_SITE}/manifest`, { headers: { Origin: UNLISTED } });
    expect(res.status).toBe(200);
    // nor a refused report its 4xx
    const bad = { ...sampleReports(await s.manifest(), 1, 9)[0]!, manifestVersion: 99 };
    const refused = await app.request('/v1/reports', {
      method: 'POST',
      body: JSON.stringify({ reports: [bad] }),
    });
    expect(refused.status).toBe(400);
  });

  it('counts over the last 24 hours only', async () => {
    const start = s.clock.now;
    try {
      s.clock.now = new Date(start.getTime() + 23 * HOUR);
      expect((await view()).origins.find((o) => o.origin === UNLISTED)?.manifestRequests).toBe(2);
      s.clock.now = new Date(start.getTime() + 24 * HOUR);
      expect((await view()).origins).toEqual([]);
    } finally {
      s.clock.now = start;
    }
  });

  it('counts the reports stored per version and refused per reason, through the disclosure gate', async () => {
    const m = await s.manifest();
    expect(m.reporting.kThreshold).toBe(50);
    const reports = sampleReports(m, 63, 5);
    expect((await post({ reports: reports.slice(0, 40) })).status).toBe(202);
    expect((await post({ reports: reports.slice(40) })).status).toBe(202);
    expect((await post({ reports: reports.slice(40) })).status).toBe(202); // duplicates: stored once
    // Refused: a version never published, a value out of shape, an unknown site (not counted).
    expect((await post({ reports: [{ ...reports[0]!, manifestVersion: 99 }] })).status).toBe(400);
    expect((await post({ reports: [reports[1]!, { ...reports[2]!, epsilon: -1 }] })).status).toBe(400);
    expect((await post({ reports: [{ ...reports[3]!, site: 'nowhere' }] })).status).toBe(400);
    const counts = await s.store.installCounts(SEED_SITE, hourOf(NOW.getTime()) - 23);
    expect(counts.filter((c) => c.kind !== 'origin')).toEqual([
      { kind: 'refused', key: 'invalid', n: 1 },
      { kind: 'refused', key: 'unknown-version', n: 1 },
      { kind: 'version', key: String(m.version), n: 63 },
    ]);
    const v = await view();
    // 63 stored: rounded to 60; one refusal each: under k, withheld.
    expect(v.versions).toEqual([{ version: m.version, reports: 60 }]);
    expect(v.refused).toEqual([
      { reason: 'invalid', reports: null },
      { reason: 'unknown-version', reports: null },
    ]);
    expect(JSON.stringify(v)).not.toMatch(/\b63\b/);
    await s.store.addInstallCount(SEED_SITE, hourOf(NOW.getTime()), 'refused', 'superseded', 57);
    expect((await view()).refused).toContainEqual({ reason: 'superseded', reports: 60 });
  });

  it('answers every role; an unknown site is 404 for every role', async () => {
    for (const role of ['analyst', 'editor', 'owner'] as const) {
      const a = await addAccount(s, `inst-${role}`, role);
      const as = apiAs(s, a.token);
      expect((await as(`/sites/${SEED_SITE}/installation`)).status).toBe(200);
      const missing = await as('/sites/no-such-site/installation');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ field: 'site' });
    }
    expect((await s.app.request(`/admin/api/sites/${SEED_SITE}/installation`)).status).toBe(401);
  });

  it('the console page: the origins, the fix for an unlisted one, what each refusal means; linked from the site page', async () => {
    const owner = consoleSession(s);
    await owner.login();
    const page = await (await owner.get(`/admin/sites/${SEED_SITE}/installation`)).text();
    expect(page).toContain(`<code>${UNLISTED}</code>`);
    expect(page).toContain(
      `npx edseg-admin site origins ${SEED_SITE} --add ${UNLISTED} &amp;&amp; npx edseg-admin publish ${SEED_SITE}`,
    );
    expect(page).toMatch(new RegExp(`<input type="hidden" name="add" value="${UNLISTED}"`));
    expect(page).toContain(`href="/admin/sites/${SEED_SITE}/review"`);
    expect(page).toContain('a manifest version this site never published');
    expect(page).toContain('about 60');
    expect(await (await owner.get(`/admin/sites/${SEED_SITE}`)).text()).toContain(
      `href="/admin/sites/${SEED_SITE}/installation"`,
    );
    expect((await owner.get('/admin/sites/no-such-site/installation')).status).toBe(404);
    // An analyst reads it, without the owner's Add button.
    const a = await addAccount(s, 'inst-reader', 'analyst');
    const analyst = consoleSession(s);
    expect((await analyst.loginAs(a.name, a.password)).status).toBe(303);
    const read = await analyst.get(`/admin/sites/${SEED_SITE}/installation`);
    expect(read.status).toBe(200);
    const text = await read.text();
    expect(text).toContain(`<code>${UNLISTED}</code>`);
    expect(text).not.toContain('name="add"');
  });

  it('with no manifest request in 24 hours: the snippet to paste, with this server and its keys', async () => {
    expect(
      (await api('/sites', json('POST', { id: 'quiet-site', name: 'Quiet', origins: ['https://q.example'] })))
        .status,
    ).toBe(201);
    const owner = consoleSession(s);
    await owner.login();
    const page = await (await owner.get('/admin/sites/quiet-site/installation')).text();
    expect(page).toContain('data-testid="no-requests"');
    // The snippet as text (escaped in the page), with this server's URLs.
    expect(page).toContain('data-manifest=&quot;http://localhost/v1/sites/quiet-site/manifest&quot;');
    expect(page).toContain('Not published yet');
    const { keys } = await s.signer.publicJwks();
    expect(page).toContain(keys[0]!.kid!);
  });
});
