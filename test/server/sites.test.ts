/**
 * Sites, accounts and keys through the admin API: create (empty or from the demo template; 400 naming
 * `origins.N`; 409 for a taken id), origins add/remove, disable (410 for its manifest and reports, 409
 * for a publish), an unknown site 404 on every site route, accounts (scrypt, one-time password and
 * token, the audit log records the account), and key rotation and retirement (409 naming live versions).
 */
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyManifest } from '../../src/core/manifest.js';
import { AccountCreated, KeyList, SiteChanged } from '../../src/core/schema.js';
import type { AuditRecord, PublicJwk } from '../../src/core/schema.js';
import { SCRYPT, hashPassword, verifyPassword } from '../../src/server/identity/accounts.js';
import { ROUTE_ROLES } from '../../src/server/admin/access.js';
import {
  addAccount,
  adminApiOf,
  apiAs,
  consoleSession,
  expectShape,
  json,
  useServer,
  sampleReports,
} from './helpers.js';

const s = useServer();
const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);
const post = (path: string, body: unknown) => api(path, json('POST', body));
const audit = async (site?: string): Promise<AuditRecord[]> =>
  ((await (await api(`/audit${site ? `?site=${site}` : ''}`)).json()) as { entries: AuditRecord[] }).entries;
const MATH = { id: 'math-club', name: 'Math Club', origins: ['http://127.0.0.1:8788'], template: 'demo' };

describe('creating a site', () => {
  it('refuses an origin that is not a URL origin, naming origins.N, and writes nothing', async () => {
    for (const bad of [
      'https://math.example/',
      'https://math.example/app',
      'math.example',
      'ftp://x.example',
    ]) {
      const res = await post('/sites', { ...MATH, origins: ['https://ok.example', bad] });
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'origins.1' });
    }
    expect((await post('/sites', { ...MATH, id: '1abc' })).status).toBe(400);
    expect(await (await post('/sites', { ...MATH, origins: [] })).json()).toMatchObject({ field: 'origins' });
    expect(await (await post('/sites', { ...MATH, template: 'nope' })).json()).toMatchObject({
      field: 'template',
    });
    expect(await (await post('/sites', { ...MATH, extra: 1 })).json()).toMatchObject({ field: '(root)' });
    expect((await s.store.listSites()).map((x) => x.id)).toEqual(['lingua-kids']);
  });

  it('creates a site from the demo template: its features and models, nothing published yet', async () => {
    const res = await post('/sites', MATH);
    expect(res.status).toBe(201);
    const body = (await res.json()) as SiteChanged;
    expectShape(SiteChanged, body);
    expect(body.site).toMatchObject({ id: 'math-club', origins: MATH.origins, currentVersion: null });
    const demo = (await s.store.getSite('lingua-kids'))!;
    const math = (await s.store.getSite('math-club'))!;
    expect(math.definition.features).toEqual(demo.definition.features);
    expect(math.definition.models.map((m) => m.id)).toEqual(demo.definition.models.map((m) => m.id));
    expect((await api('/sites/math-club')).status).toBe(200);
    expect((await s.app.request('/v1/sites/math-club/manifest')).status).toBe(404);
    expect((await audit('math-club'))[0]).toMatchObject({ action: 'site-create', site: 'math-club' });
  });

  it('answers 409 for an id that is taken', async () => {
    const res = await post('/sites', MATH);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ field: 'id' });
  });

  it('publishes the new site with its own manifest, versions and audit log; the manifest verifies', async () => {
    const res = await post('/sites/math-club/publish', { note: 'first' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ site: 'math-club', version: 1 });
    const jws = await (await s.app.request('/v1/sites/math-club/manifest')).text();
    const keys = ((await (await s.app.request('/v1/keys')).json()) as { keys: PublicJwk[] }).keys;
    const r = await verifyManifest(jws, {
      publicKeys: keys as JWK[],
      site: 'math-club',
      origin: 'http://127.0.0.1:8788',
      now: s.clock.now,
      minVersion: 0,
    });
    expect(r.ok).toBe(true);
    expect((await s.store.currentVersion('lingua-kids'))!.version).toBe(1);
  });

  it('starts an empty site with no features or models: publishing it is refused, naming the field', async () => {
    expect(
      (await post('/sites', { id: 'blank', name: 'Blank', origins: ['https://blank.example'] })).status,
    ).toBe(201);
    expect((await s.store.getSite('blank'))!.definition.models).toEqual([]);
    const res = await post('/sites/blank/publish', {});
    expect(res.status).toBe(400);
    expect((await res.json()) as { field: string }).toMatchObject({
      field: expect.stringMatching(/^manifest\.(features|models)/),
    });
  });
});

describe('editing the origins', () => {
  it('adds and removes origins, live at the next publish, audited', async () => {
    const res = await post('/sites/math-club/origins', {
      add: ['https://math.example'],
      remove: ['http://127.0.0.1:8788'],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      site: { origins: ['https://math.example'] },
      changes: ['origins +https://math.example', 'origins -http://127.0.0.1:8788'],
    });
    expect((await s.store.currentVersion('math-club'))!.manifest.site.origins).toEqual([
      'http://127.0.0.1:8788',
    ]);
    const view = (await (await api('/sites/math-club')).json()) as { pending: string[] };
    expect(view.pending).toEqual(expect.arrayContaining(['origins +https://math.example']));
    expect((await audit('math-club'))[0]).toMatchObject({ action: 'site-origins' });
  });

  it('refuses a bad origin (add.N), an origin the site does not have (remove.N), and the last one', async () => {
    expect(
      await (await post('/sites/math-club/origins', { add: ['https://ok.example', 'nope'] })).json(),
    ).toMatchObject({
      field: 'add.1',
    });
    expect(
      await (await post('/sites/math-club/origins', { remove: ['https://other.example'] })).json(),
    ).toMatchObject({
      field: 'remove.0',
    });
    const last = await post('/sites/math-club/origins', { remove: ['https://math.example'] });
    expect(last.status).toBe(400);
    expect(await last.json()).toMatchObject({ field: 'remove' });
    expect(await (await post('/sites/math-club/origins', {})).json()).toMatchObject({ field: 'add' });
  });
});

describe('an unknown site', () => {
  it('answers 404 naming the site on every site route of the API', async () => {
    for (const r of ROUTE_ROLES.filter((x) => x.path.startsWith('/admin/api/sites/:site'))) {
      const path = r.path.replace('/admin/api', '').replace(':site', 'no-such-site');
      const res = await api(
        path,
        r.method === 'GET'
          ? {}
          : json(
              r.method,
              r.path.endsWith('/policy')
                ? { allowed: [], clear: [] }
                : r.path.endsWith('/origins')
                  ? { add: ['https://x.example'] }
                  : {},
            ),
      );
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(await res.json()).toMatchObject({ field: 'site' });
    }
  });
});

describe('disabling a site', () => {
  it('stops its manifest (410) and its reports (410), refuses a publish (409), keeps its data', async () => {
    const report = sampleReports((await s.store.currentVersion('math-club'))!.manifest, 1, 3);
    expect((await s.app.request('/v1/reports', json('POST', { reports: report }))).status).toBe(202);
    const res = await post('/sites/math-club/disable', {});
    expect(res.status).toBe(200);
    expect(((await res.json()) as SiteChanged).site.disabledAt).toBe(s.clock.now.toISOString());
    const manifest = await s.app.request('/v1/sites/math-club/manifest');
    expect(manifest.status).toBe(410);
    expect(await manifest.json()).toMatchObject({ field: 'site' });
    const again = sampleReports((await s.store.currentVersion('math-club'))!.manifest, 1, 4);
    const refused = await s.app.request('/v1/reports', json('POST', { reports: again }));
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({ field: 'reports.0.site' });
    const pub = await post('/sites/math-club/publish', {});
    expect(pub.status).toBe(409);
    expect(await pub.json()).toMatchObject({ field: 'site' });
    expect(await s.store.countReports('math-club')).toBe(1);
    expect((await post('/sites/math-club/disable', {})).status).toBe(200);
    expect((await audit('math-club')).filter((e) => e.action === 'site-disable')).toHaveLength(1);
    expect((await s.app.request('/v1/sites/lingua-kids/manifest')).status).toBe(200);
  });
});

describe('accounts', () => {
  it('hashes passwords with scrypt: per-account salt, parameters stored with the hash', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a.split('$').slice(0, 4)).toEqual([
      'scrypt',
      String(SCRYPT.N),
      String(SCRYPT.r),
      String(SCRYPT.p),
    ]);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    // the parameters stored with a hash are the ones checked, so older, cheaper hashes keep working
    const cheap = await hashPassword('pw', { N: 2 ** 10, r: 8, p: 1, keyLength: 32 });
    expect(await verifyPassword('pw', cheap)).toBe(true);
  });

  it('creates an account: the password and token are shown once and stored only hashed', async () => {
    const res = await post('/accounts', { name: 'grace', role: 'analyst' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as AccountCreated;
    expectShape(AccountCreated, body);
    const stored = (await s.store.getAccount('grace'))!;
    expect(stored.passwordHash).not.toContain(body.password);
    expect(stored.tokenHash).not.toContain(body.token);
    expect(JSON.stringify(await (await api('/accounts')).json())).not.toContain(stored.passwordHash);
    expect((await post('/accounts', { name: 'grace', role: 'owner' })).status).toBe(409);
    expect(await (await post('/accounts', { name: 'Grace!', role: 'owner' })).json()).toMatchObject({
      field: 'name',
    });
    expect(await (await post('/accounts', { name: 'x', role: 'root' })).json()).toMatchObject({
      field: 'role',
    });
    const me = await apiAs(s, body.token)('/me');
    expect(await me.json()).toEqual({ name: 'grace', role: 'analyst', bootstrap: false });
  });

  it('signs in to the console with name + password; a wrong password is refused', async () => {
    const a = await addAccount(s, 'hopper', 'editor');
    const session = consoleSession(s);
    expect((await session.loginAs('hopper', `${a.password}x`)).status).toBe(401);
    expect((await session.loginAs('nobody', a.password)).status).toBe(401);
    expect((await session.loginAs('hopper', a.password)).status).toBe(303);
    const page = await (await session.get('/admin')).text();
    expect(page).toContain('hopper · editor');
  });

  it('records the account in the audit log, whatever X-Edseg-Actor says', async () => {
    const a = await addAccount(s, 'lovelace', 'editor');
    const res = await apiAs(s, a.token)(
      '/sites/lingua-kids/publish',
      json('POST', {}, { 'X-Edseg-Actor': 'Mallory' }),
    );
    expect(res.status).toBe(201);
    expect((await audit('lingua-kids'))[0]).toMatchObject({ action: 'publish', actor: 'lovelace' });
  });
});

describe('changing a password', () => {
  it('replaces the one-time password through the API and the console; the old one stops working', async () => {
    const a = await addAccount(s, 'turing', 'analyst');
    const as = apiAs(s, a.token);
    const wrong = await as('/me/password', json('POST', { current: 'nope', password: 'a-new-password-1' }));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ field: 'current' });
    const short = await as('/me/password', json('POST', { current: a.password, password: 'short' }));
    expect(await short.json()).toMatchObject({ field: 'password' });
    expect(
      (await as('/me/password', json('POST', { current: a.password, password: 'a-new-password-1' }))).status,
    ).toBe(200);
    const session = consoleSession(s);
    expect((await session.loginAs('turing', a.password)).status).toBe(401);
    expect((await session.loginAs('turing', 'a-new-password-1')).status).toBe(303);
    const form = await session.postForm('/admin/account/password', {
      current: 'a-new-password-1',
      password: 'another-password-2',
    });
    expect(decodeURIComponent(form.headers.get('location')!)).toMatch(/ok=Password changed/);
    expect((await consoleSession(s).loginAs('turing', 'another-password-2')).status).toBe(303);
    expect(
      (await audit()).filter((e) => e.action === 'account-password' && e.actor === 'turing'),
    ).toHaveLength(2);
    const bootstrap = await api('/me/password', json('POST', { current: 'x', password: 'a-new-password-1' }));
    expect(bootstrap.status).toBe(409);
  });
});

describe('signing keys', () => {
  it('lists the keys with the one that signs now and the live versions it signed', async () => {
    const res = await api('/keys');
    const body = (await res.json()) as KeyList;
    expectShape(KeyList, body);
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ current: true });
    expect(body.keys[0]!.liveVersions.map((v) => v.site)).toEqual(['lingua-kids']);
  });

  it('refuses to retire the key that signs now (409) and an unknown kid (404)', async () => {
    const [k] = ((await (await api('/keys')).json()) as KeyList).keys;
    expect((await post(`/keys/${k!.kid}/retire`, {})).status).toBe(409);
    expect((await post('/keys/nope/retire', {})).status).toBe(404);
  });

  it('refuses to retire a key while a live version is signed by it, naming the versions', async () => {
    const old = ((await (await api('/keys')).json()) as KeyList).keys[0]!.kid;
    // another process rotated the key without re-signing: lingua-kids' current version is the old key's
    await s.signer.rotate(s.clock.now);
    const res = await post(`/keys/${old}/retire`, {});
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.field).toBe('kid');
    expect(body.error).toMatch(/lingua-kids v\d+/);
  });

  it('rotates (audited; the old key stays in /v1/keys), then retires the old key once its manifests expired', async () => {
    const before = ((await (await s.app.request('/v1/keys')).json()) as { keys: PublicJwk[] }).keys.map(
      (k) => k.kid,
    );
    const rotated = await post('/keys/rotate', {});
    expect(rotated.status).toBe(201);
    const { kid } = (await rotated.json()) as { kid: string };
    const jwks = ((await (await s.app.request('/v1/keys')).json()) as { keys: PublicJwk[] }).keys.map(
      (k) => k.kid,
    );
    expect(jwks).toEqual([kid, ...before]);
    expect((await audit())[0]!.action).toBe('publish');
    expect((await audit()).some((e) => e.action === 'key-rotate' && e.detail['kid'] === kid)).toBe(true);
    // Refused until the last manifest each old key signed has expired (a device may hold it), then
    // retired; the key another process rotated to without re-signing signed nothing and goes at once.
    const statuses = ((await (await api('/keys')).json()) as KeyList).keys;
    const until = (kid: string) => statuses.find((x) => x.kid === kid)!.validUntil;
    const signed = before.filter((k) => until(k) !== null);
    expect(signed.length).toBeGreaterThan(0);
    for (const old of signed) expect((await post(`/keys/${old}/retire`, {})).status, old).toBe(409);
    const now = s.clock.now;
    s.clock.now = new Date(Math.max(...signed.map((k) => Date.parse(until(k)!))) + 1000);
    for (const old of before) {
      const res = await post(`/keys/${old}/retire`, {});
      expect(res.status, old).toBe(200);
      expect(((await res.json()) as KeyList).retired).toBe(old);
    }
    s.clock.now = now;
    const after = ((await (await s.app.request('/v1/keys')).json()) as { keys: PublicJwk[] }).keys.map(
      (k) => k.kid,
    );
    expect(after).toEqual([kid]);
    expect((await audit()).filter((e) => e.action === 'key-retire').map((e) => e.detail['kid'])).toEqual(
      [...before].reverse(),
    );
    // the current manifest still verifies with the one key left
    const r = await verifyManifest(await (await s.app.request('/v1/sites/lingua-kids/manifest')).text(), {
      publicKeys: ((await (await s.app.request('/v1/keys')).json()) as { keys: JWK[] }).keys,
      site: 'lingua-kids',
      origin: 'http://127.0.0.1:8787',
      now: s.clock.now,
      minVersion: 0,
    });
    expect(r.ok).toBe(true);
  });
});
