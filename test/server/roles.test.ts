/**
 * The role matrix, enumerated from the one route table (src/server/admin/access.ts): every route ×
 * every role (analyst, editor, owner; the admin token as the bootstrap owner; no credential) is
 * either allowed (neither 401 nor 403, never 5xx) or 403, as the table says. Every /admin route of
 * the app has a line in the table, every line a route, and a route without a line is refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/core/schema.js';
import type { Role } from '../../src/core/schema.js';
import { ROUTE_ROLES, patternMatches, roleAtLeast, ruleFor } from '../../src/server/admin/access.js';
import type { RouteRule } from '../../src/server/admin/access.js';
import {
  appOf,
  ADMIN_TOKEN,
  ORIGIN,
  addAccount,
  adminApiOf,
  consoleSession,
  form,
  json,
  useServer,
} from './helpers.js';

const s = useServer();
const tokens = {} as Record<Role, string>;
const sessions = {} as Record<Role, ReturnType<typeof consoleSession>>;

beforeAll(async () => {
  // A site of its own for the routes that change one (disable, origins, publish), from the demo template.
  const created = await adminApiOf(s)(
    '/sites',
    json('POST', { id: 'matrix', name: 'Matrix', origins: ['https://matrix.example'], template: 'demo' }),
  );
  expect(created.status).toBe(201);
  for (const role of ROLES) {
    const a = await addAccount(s, `${role}-one`, role);
    tokens[role] = a.token;
    sessions[role] = consoleSession(s);
    expect((await sessions[role].loginAs(a.name, a.password)).status).toBe(303);
  }
});

/** A concrete path for a rule's pattern. */
const pathOf = (r: RouteRule) => r.path.replace(':site', 'matrix').replace(':kid', 'no-such-kid');

const isApi = (r: RouteRule) => r.path.startsWith('/admin/api');

/** The rule's request with a bearer token (API) or the role's console session (forms). */
async function call(r: RouteRule, as: Role | 'bootstrap' | 'nobody'): Promise<Response> {
  const path = pathOf(r);
  if (isApi(r)) {
    const auth: Record<string, string> =
      as === 'nobody' ? {} : { Authorization: `Bearer ${as === 'bootstrap' ? ADMIN_TOKEN : tokens[as]}` };
    const init = r.method === 'GET' ? { headers: auth } : json(r.method, {}, auth);
    return s.app.request(path, init);
  }
  if (as === 'nobody')
    return s.app.request(
      path,
      r.method === 'GET'
        ? {}
        : {
            method: r.method,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
            body: form({}),
          },
    );
  if (as === 'bootstrap') throw new Error('the console takes sessions only');
  return r.method === 'GET' ? sessions[as].get(path) : sessions[as].postForm(path, {});
}

const guarded = ROUTE_ROLES.filter((r) => r.need !== 'public');

describe('the route table', () => {
  it('has a line for every /admin route of the app, and a route for every line', () => {
    const routes = s.app.routes.filter((r) => r.path.startsWith('/admin') && r.method !== 'ALL');
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter(
      (r) => !ROUTE_ROLES.some((t) => t.method === r.method && t.path === r.path),
    );
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const stale = ROUTE_ROLES.filter((t) => !routes.some((r) => r.method === t.method && r.path === t.path));
    expect(stale.map((t) => `${t.method} ${t.path}`)).toEqual([]);
  });

  it('gives each role what the issue says: analysts read and propose, editors publish, owners hold keys, accounts and sites', () => {
    const need = (method: string, path: string) => ruleFor(method, path)?.need;
    expect(need('GET', '/admin/api/sites/x/estimates')).toBe('analyst');
    expect(need('GET', '/admin/api/sites/x/refinement')).toBe('analyst');
    expect(need('GET', '/admin/sites/x/estimates')).toBe('analyst');
    for (const path of [
      '/admin/api/sites/x/publish',
      '/admin/sites/x/publish',
      '/admin/api/sites/x/refinement/publish',
    ])
      expect(need('POST', path)).toBe('editor');
    expect(need('PUT', '/admin/api/sites/x/policy')).toBe('editor');
    for (const path of [
      '/admin/api/keys/rotate',
      '/admin/api/keys/k/retire',
      '/admin/keys/rotate',
      '/admin/api/accounts',
      '/admin/api/sites',
      '/admin/sites',
      '/admin/api/sites/x/origins',
      '/admin/api/sites/x/disable',
    ])
      expect(need('POST', path)).toBe('owner');
    expect(need('GET', '/admin/api/accounts')).toBe('owner');
    expect(need('HEAD', '/admin/api/sites')).toBe('analyst');
    expect(need('DELETE', '/admin/api/sites/x')).toBeUndefined();
  });

  it('matches path patterns segment by segment', () => {
    expect(patternMatches('/admin/api/sites/:site', '/admin/api/sites/x')).toBe(true);
    expect(patternMatches('/admin/api/sites/:site', '/admin/api/sites/x/policy')).toBe(false);
    expect(patternMatches('/admin/api/sites/:site', '/admin/api/sites/')).toBe(false);
    expect(patternMatches('/admin', '/admin/')).toBe(true);
  });

  it('orders the roles: owner ⊇ editor ⊇ analyst', () => {
    expect(roleAtLeast('owner', 'editor')).toBe(true);
    expect(roleAtLeast('editor', 'analyst')).toBe(true);
    expect(roleAtLeast('analyst', 'editor')).toBe(false);
    expect(roleAtLeast('editor', 'owner')).toBe(false);
  });
});

describe('every route × every role', () => {
  for (const r of guarded) {
    for (const role of ROLES) {
      const allowed = roleAtLeast(role, r.need as Role);
      it(`${r.method} ${r.path} as ${role}: ${allowed ? 'allowed' : '403'}`, async () => {
        const res = await call(r, role);
        if (allowed) {
          expect([401, 403]).not.toContain(res.status);
          expect(res.status).toBeLessThan(500);
        } else {
          expect(res.status).toBe(403);
          const body = await res.text();
          expect(body).toContain(`needs the role ${r.need}`);
        }
      });
    }
  }

  for (const r of guarded.filter(isApi)) {
    it(`${r.method} ${r.path} with the admin token (the bootstrap owner): allowed`, async () => {
      const res = await call(r, 'bootstrap');
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    });
  }

  for (const r of guarded) {
    it(`${r.method} ${r.path} without a credential: ${isApi(r) ? '401' : r.method === 'GET' ? 'to the login form' : '401'}`, async () => {
      const res = await call(r, 'nobody');
      if (!isApi(r) && r.method === 'GET') {
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/admin/login');
      } else expect(res.status).toBe(401);
    });
  }

  it('an account token does not open the console, nor a console session the API', async () => {
    expect(
      (await s.app.request('/admin', { headers: { Authorization: `Bearer ${tokens.owner}` } })).status,
    ).toBe(303);
    const cookieOnly = await sessions.owner.get('/admin/api/sites');
    expect(cookieOnly.status).toBe(401);
  });
});

describe('a role-aware console', () => {
  it('shows an analyst the policy without "Save policy", and an editor with it', async () => {
    const analyst = await (await sessions.analyst.get('/admin/sites/matrix')).text();
    expect(analyst).not.toContain('Save policy');
    expect(analyst).toMatch(/saving the policy needs the role editor or above; you are analyst/);
    expect(await (await sessions.editor.get('/admin/sites/matrix')).text()).toContain('Save policy');
  });

  it("answers a refused console action with a page in the console's layout naming the role it needs", async () => {
    const res = await sessions.analyst.postForm('/admin/sites/matrix/policy', {});
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('href="/admin/audit">Audit log'); // the console's navigation
    expect(page).toMatch(/needs the role editor or above; you \(analyst-one\) are analyst\./);
    const owner = await sessions.editor.postForm('/admin/keys/rotate', {});
    expect(owner.status).toBe(403);
    expect(await owner.text()).toMatch(/needs the role owner or above/);
  });
});

describe('deny by default', () => {
  it('refuses a route the table does not list, even to an owner; an unknown path stays a 404', async () => {
    const app = appOf(s);
    app.get('/admin/api/unlisted', (c) => c.json({ secret: true }));
    app.get('/admin/unlisted', (c) => c.text('secret'));
    const owner = { Authorization: `Bearer ${tokens.owner}` };
    const api = await app.request('/admin/api/unlisted', { headers: owner });
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ error: expect.stringMatching(/no entry in the role table/) });
    expect(
      (await app.request('/admin/api/unlisted', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }))
        .status,
    ).toBe(403);
    expect((await app.request('/admin/api/unlisted')).status).toBe(401);
    expect((await app.request('/admin/api/nothing-here', { headers: owner })).status).toBe(404);
  });
});
