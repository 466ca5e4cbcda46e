import { afterAll, describe, expect, it, vi } from 'vitest';
import type { JWK } from 'jose';
import { verifyManifest } from '../../src/core/manifest.js';
import { PublicJwks, PublishedEstimates, ReportsAccepted } from '../../src/core/schema.js';
import type { Report } from '../../src/core/schema.js';
import type { SqlStore } from '../../src/server/storage/store.js';
import { NOW, PORT, expectShape, json, useServer, sampleReports } from './helpers.js';

const s = useServer();

const ORIGIN = `http://127.0.0.1:${PORT}`;
const keys = async (): Promise<JWK[]> =>
  ((await (await s.app.request('/v1/keys')).json()) as { keys: JWK[] }).keys;
const post = (body: unknown, headers: Record<string, string> = {}) =>
  s.app.request('/v1/reports', json('POST', body, headers));
const count = () => s.store.countReports('lingua-kids');
let seed = 100;
const fresh = async (n: number): Promise<Report[]> => sampleReports(await s.manifest(), n, seed++);

describe('GET /v1/sites/:site/manifest', () => {
  it('serves the current JWS as application/jose, verifiable with the published key for the seeded origin', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/manifest');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/jose');
    const r = await verifyManifest(await res.text(), {
      publicKeys: await keys(),
      site: 'lingua-kids',
      origin: ORIGIN,
      now: NOW,
    });
    expect(r.ok && r.manifest.version).toBe(1);
  });

  it('sends a strong ETag and Cache-Control: no-store', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/manifest');
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers 304 with no body when If-None-Match holds the ETag', async () => {
    const etag = (await s.app.request('/v1/sites/lingua-kids/manifest')).headers.get('etag')!;
    const res = await s.app.request('/v1/sites/lingua-kids/manifest', { headers: { 'If-None-Match': etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    expect(res.headers.get('etag')).toBe(etag);
  });

  it('matches a weak If-None-Match in a list (weak comparison)', async () => {
    const etag = (await s.app.request('/v1/sites/lingua-kids/manifest')).headers.get('etag')!;
    const res = await s.app.request('/v1/sites/lingua-kids/manifest', {
      headers: { 'If-None-Match': `"other", W/${etag}` },
    });
    expect(res.status).toBe(304);
  });

  it('answers 200 when If-None-Match holds another ETag', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/manifest', {
      headers: { 'If-None-Match': '"stale"' },
    });
    expect(res.status).toBe(200);
  });

  it('answers 404 for a site that does not exist', async () => {
    expect((await s.app.request('/v1/sites/nope/manifest')).status).toBe(404);
  });

  it('lets any origin read it (CORS, no credentials) and exposes the ETag', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/manifest', {
      headers: { Origin: 'https://school.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('GET /v1/keys', () => {
  it('publishes the signing key as a JWKS: EC P-256, kid, alg ES256, no private part', async () => {
    const [k, ...rest] = await keys();
    expect(rest).toEqual([]);
    expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(k!.kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(k).not.toHaveProperty('d');
  });

  it('answers in the shape PublicJwks declares in schema.ts', async () => {
    expectShape(PublicJwks, await (await s.app.request('/v1/keys')).json());
  });
});

describe('POST /v1/reports', () => {
  it('accepts a batch with 202 and stores every report', async () => {
    const before = await count();
    const res = await post({ reports: await fresh(20) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 20, duplicates: 0 });
    expect(await count()).toBe(before + 20);
  });

  it('answers in the shape ReportsAccepted declares in schema.ts', async () => {
    const res = await post({ reports: await fresh(2) });
    expect(res.status).toBe(202);
    expectShape(ReportsAccepted, await res.json());
  });

  it('is idempotent by report id: the same batch twice is stored once', async () => {
    const batch = { reports: await fresh(10) };
    await post(batch);
    const before = await count();
    const res = await post(batch);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 10 });
    expect(await count()).toBe(before);
  });

  it('stores a report repeated inside one batch once', async () => {
    const [r] = await fresh(1);
    const res = await post({ reports: [r, r] });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 1 });
  });

  it('accepts a text/plain body (what sendBeacon sends without a preflight)', async () => {
    const res = await s.app.request('/v1/reports', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ reports: await fresh(1) }),
    });
    expect(res.status).toBe(202);
  });

  it('answers 400 naming the field of a malformed report', async () => {
    const reports = await fresh(3);
    const res = await post({ reports: [reports[0], { ...reports[1], id: 'not-hex' }, reports[2]] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'reports.1.id' });
  });

  it('refuses a field reports do not have (no user id gets in)', async () => {
    const [r] = await fresh(1);
    const res = await post({ reports: [{ ...r, userId: 'alice' }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { field: string; error: string };
    expect(body.field).toBe('reports.0');
    expect(body.error).toContain('userId');
  });

  it('refuses the whole batch when one report is bad, storing none', async () => {
    const before = await count();
    const reports = await fresh(3);
    await post({ reports: [...reports.slice(0, 2), { ...reports[2], epsilon: 99 }] });
    expect(await count()).toBe(before);
  });

  it('refuses a report for an unknown site, naming reports.N.site', async () => {
    const reports = await fresh(2);
    const res = await post({ reports: [reports[0], { ...reports[1], site: 'other-site' }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'reports.1.site' });
  });

  it('refuses a manifest version the site never published, naming reports.N.manifestVersion', async () => {
    const [r] = await fresh(1);
    const res = await post({ reports: [{ ...r, manifestVersion: 42 }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'reports.0.manifestVersion' });
  });

  it('refuses a segment id in clear that the site policy keeps out of clear', async () => {
    const [r] = await fresh(1);
    const segments = [
      ...r!.segments.filter((f) => f.model !== 'offers'),
      { model: 'offers', channel: 'clear' as const, segment: 'casual-learner' },
    ];
    const res = await post({
      reports: [
        {
          ...r,
          segments,
          epsilon:
            segments.reduce((e, f) => e + (f.channel === 'ldp' ? f.eps : 0), 0) + (r!.features?.eps ?? 0),
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toMatch(/^reports\.0\.segments\.\d\.channel$/);
  });

  it("refuses an LDP field whose k is not the model's segment count", async () => {
    const [r] = await fresh(1);
    const segments = r!.segments.map((f) =>
      f.channel === 'ldp' && f.model === 'mastery'
        ? { model: 'mastery', channel: 'ldp' as const, eps: f.eps, k: 4, oracle: 'grr' as const, value: 0 }
        : f,
    );
    const res = await post({ reports: [{ ...r, segments }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toMatch(/^reports\.0\.segments\.\d\.k$/);
  });

  it('answers 400 naming the root for a body that is not JSON', async () => {
    const res = await s.app.request('/v1/reports', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"reports": [',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: '(root)' });
  });

  it('answers 400 naming reports for an empty batch', async () => {
    const res = await post({ reports: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'reports' });
  });

  it('answers 413 for a body over 256 KB', async () => {
    const res = await s.app.request('/v1/reports', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"reports":[],"pad":"${'x'.repeat(256 * 1024)}"}`,
    });
    expect(res.status).toBe(413);
  });

  it('answers a CORS preflight from any origin', async () => {
    const res = await s.app.request('/v1/reports', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://school.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('what the collector keeps', () => {
  const IP = '203.0.113.77';
  const UA = 'Mozilla/5.0 (X11; Linux) EdsegProbeAgent/1.0';
  const headers = {
    'User-Agent': UA,
    'X-Forwarded-For': IP,
    'X-Real-IP': IP,
    Forwarded: `for=${IP}`,
    Referer: 'https://school.example/page',
  };

  it('stores exactly the report fields: the columns are site, period, id, the series of its version, version, received day and the report', async () => {
    const cols = await (s.store as SqlStore).db.query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_name = 'reports' order by ordinal_position",
    );
    expect(cols.map((c) => c.column_name)).toEqual([
      'site',
      'period',
      'id',
      'series',
      'manifest_version',
      'received_day',
      'report',
    ]);
  });

  it('keeps no IP address, user agent or referrer anywhere in the database', async () => {
    const reports = await fresh(5);
    expect((await post({ reports }, headers)).status).toBe(202);
    const db = (s.store as SqlStore).db;
    const tables = (
      await db.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public'",
      )
    ).map((t) => t.table_name);
    const dump = JSON.stringify(await Promise.all(tables.map((t) => db.query(`select * from ${t}`))));
    for (const needle of [IP, 'EdsegProbeAgent', 'school.example/page']) expect(dump).not.toContain(needle);
  });

  it('stores each report exactly as sent, plus the day it arrived', async () => {
    const [r] = await fresh(1);
    await post({ reports: [r] }, headers);
    const [row] = await (s.store as SqlStore).db.query<Record<string, unknown>>(
      'select * from reports where id = $1',
      [r!.id],
    );
    expect(row).toEqual({
      id: r!.id,
      site: 'lingua-kids',
      series: (await s.store.getVersion('lingua-kids', 1))!.series,
      manifest_version: 1,
      period: r!.period,
      received_day: Math.floor(NOW.getTime() / 86_400_000),
      report: r,
    });
  });

  it('logs nothing about a request: no IP, no user agent', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    );
    const write = vi.spyOn(process.stdout, 'write');
    try {
      await post({ reports: await fresh(2) }, headers);
      await post({ reports: [{ id: 'bad' }] }, headers);
      const said = JSON.stringify([...spies.map((sp) => sp.mock.calls), write.mock.calls]);
      expect(said).not.toContain(IP);
      expect(said).not.toContain('EdsegProbeAgent');
    } finally {
      spies.forEach((sp) => sp.mockRestore());
      write.mockRestore();
    }
  });
});

describe('GET /v1/sites/:site/estimates', () => {
  // The public estimates count closed periods only: these reports are of NOW's week, read a week later.
  const weekLater = new Date(NOW.getTime() + 7 * 86_400_000);
  afterAll(() => {
    s.clock.now = NOW;
  });

  it('returns SiteEstimates for the current version, counting its reports', async () => {
    await post({ reports: await fresh(100) });
    await post({ reports: await fresh(100) });
    s.clock.now = weekLater;
    const res = await s.app.request('/v1/sites/lingua-kids/estimates');
    expect(res.status).toBe(200);
    const est = PublishedEstimates.parse(await res.json());
    const stored = await s.store.countReports('lingua-kids', 1);
    expect(est).toMatchObject({
      site: 'lingua-kids',
      manifestVersion: 1,
      kThreshold: 50,
      rounding: 10,
      live: false,
      reports: Math.round(stored / 10) * 10,
    });
    expect(est.models.map((m) => m.model)).toEqual(['pace', 'mastery', 'offers', 'tutoring_upsell', 'ads']);
  });

  it('counts clear and LDP fields per model and suppresses models nobody reports', async () => {
    const est = PublishedEstimates.parse(
      await (await s.app.request('/v1/sites/lingua-kids/estimates?version=1')).json(),
    );
    const by = Object.fromEntries(est.models.map((m) => [m.model, m]));
    // Counts under kThreshold (here 0) are null, like every count under it.
    expect(by['pace']!.n).toEqual({ clear: est.reports, ldp: null });
    expect(by['offers']!.n).toEqual({ clear: null, ldp: est.reports });
    expect(by['tutoring_upsell']!.segments.every((x) => x.suppressed && x.share === null)).toBe(true);
  });

  it('answers 404 naming version for a version never published', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/estimates?version=9');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ field: 'version' });
  });

  it('answers 400 naming version when it is not a positive integer', async () => {
    const res = await s.app.request('/v1/sites/lingua-kids/estimates?version=two');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'version' });
  });

  it('answers 404 for an unknown site', async () => {
    expect((await s.app.request('/v1/sites/nope/estimates')).status).toBe(404);
  });
});

describe('static files', () => {
  it('serves the SDK script as JavaScript that other origins may load', async () => {
    const res = await s.app.request('/edseg/edseg.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.text()).toContain('window.edseg');
  });

  it('serves the worker, the ES module and edseg/activate (for data-activate) too', async () => {
    for (const f of ['edseg.worker.js', 'edseg.mjs', 'activate.mjs'])
      expect((await s.app.request(`/edseg/${f}`)).status).toBe(200);
  });

  it('serves nothing else from dist/', async () => {
    expect((await s.app.request('/edseg/server.mjs')).status).toBe(404);
  });

  it('replaces the JWK placeholder in the demo page with the current public key, attribute-safe', async () => {
    const page = await (await s.app.request('/demo/')).text();
    const attr = /data-key='([^']*)'/.exec(page)![1]!;
    expect(attr).not.toContain('"');
    const decoded = attr.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    expect(JSON.parse(decoded)).toEqual(await s.signer.currentPublicJwk());
  });

  it('serves other demo files untouched, with their content type', async () => {
    const res = await s.app.request('/demo/app.js');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toBe('console.log("demo");\n');
  });

  it('does not let a demo path climb out of the demo folder', async () => {
    for (const p of [
      '/demo/..%2fdist%2fserver.mjs',
      '/demo/%2e%2e/dist/server.mjs',
      '/demo/..%5cdist%5cserver.mjs',
    ]) {
      expect((await s.app.request(p)).status).toBe(404);
    }
  });

  it('redirects / to the demo', async () => {
    const res = await s.app.request('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/demo/');
  });
});
