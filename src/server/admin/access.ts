/**
 * Who may do what under /admin: ONE table (method + path pattern -> the least role it needs),
 * consulted by ONE middleware for the JSON API and the HTML console alike. Deny by default: a
 * route that exists in the app but has no line here is refused (403) for everyone, owners too.
 *
 * To add a route: add its line below (the same path pattern the route is registered with, full
 * path). test/server/roles.test.ts enumerates the app's routes and fails for one absent here, and
 * tries every line with every role.
 *
 * Credentials: the JSON API takes `Authorization: Bearer <token>` only (an account's API token, or
 * the admin token, which is the bootstrap owner); the console takes its session cookie only (opened
 * by the login form with name + password, or the admin token). Neither reads the other's.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import type { Principal, Role } from '../../core/schema.js';
import { ROLES } from '../../core/schema.js';
import { principalOfToken, sessionAccount } from '../identity/accounts.js';
import type { ServerDeps } from '../runtime/deps.js';
import { bearerOf } from '../http/tokens.js';
import { sessionPrincipal } from './auth.js';
import { layout } from './views/layout.js';

/** The console's answer to an action the role may not take: a page in its layout naming the role needed. */
function refusedPage(who: Principal, need: Role) {
  return layout(
    'Not allowed',
    html`<h1>Not allowed for your role</h1>
      <p class="flash error" id="needs-role">
        This needs the role ${need} or above; you (${who.name}) are ${who.role}. Nothing was changed.
      </p>
      <p>An owner can change your role on the Accounts page. <a href="/admin">Back to the sites</a></p>`,
    `${who.name} · ${who.role}`,
  );
}

/** `public`: no credential (the login form); otherwise the least role that may. */
export type Need = Role | 'public';

export type RouteRule = { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; need: Need };

/** Every /admin route with the least role it needs. HEAD is checked as GET. */
export const ROUTE_ROLES: readonly RouteRule[] = [
  // the JSON API
  { method: 'GET', path: '/admin/api/me', need: 'analyst' },
  { method: 'POST', path: '/admin/api/me/password', need: 'analyst' },
  { method: 'GET', path: '/admin/api/sites', need: 'analyst' },
  { method: 'POST', path: '/admin/api/sites', need: 'owner' },
  { method: 'GET', path: '/admin/api/sites/:site', need: 'analyst' },
  { method: 'POST', path: '/admin/api/sites/:site/origins', need: 'owner' },
  { method: 'POST', path: '/admin/api/sites/:site/disable', need: 'owner' },
  { method: 'PUT', path: '/admin/api/sites/:site/policy', need: 'editor' },
  { method: 'POST', path: '/admin/api/sites/:site/publish', need: 'editor' },
  { method: 'GET', path: '/admin/api/sites/:site/installation', need: 'analyst' },
  { method: 'GET', path: '/admin/api/sites/:site/estimates', need: 'analyst' },
  { method: 'GET', path: '/admin/api/sites/:site/refinement', need: 'analyst' },
  { method: 'POST', path: '/admin/api/sites/:site/refinement/publish', need: 'editor' },
  { method: 'GET', path: '/admin/api/sites/:site/working', need: 'analyst' },
  { method: 'GET', path: '/admin/api/sites/:site/diff', need: 'analyst' },
  { method: 'PUT', path: '/admin/api/sites/:site/features/:feature', need: 'editor' },
  { method: 'DELETE', path: '/admin/api/sites/:site/features/:feature', need: 'editor' },
  { method: 'PUT', path: '/admin/api/sites/:site/models/:model', need: 'editor' },
  { method: 'DELETE', path: '/admin/api/sites/:site/models/:model', need: 'editor' },
  {
    method: 'PUT',
    path: '/admin/api/sites/:site/models/:model/segments/:segment/documentation',
    need: 'editor',
  },
  { method: 'GET', path: '/admin/api/audit', need: 'analyst' },
  { method: 'GET', path: '/admin/api/keys', need: 'analyst' },
  { method: 'POST', path: '/admin/api/keys/rotate', need: 'owner' },
  { method: 'POST', path: '/admin/api/keys/:kid/retire', need: 'owner' },
  { method: 'GET', path: '/admin/api/accounts', need: 'owner' },
  { method: 'POST', path: '/admin/api/accounts', need: 'owner' },
  { method: 'POST', path: '/admin/api/accounts/:name/disable', need: 'owner' },
  { method: 'POST', path: '/admin/api/accounts/:name/enable', need: 'owner' },
  { method: 'POST', path: '/admin/api/accounts/:name/role', need: 'owner' },
  { method: 'POST', path: '/admin/api/accounts/:name/token', need: 'owner' },
  { method: 'POST', path: '/admin/api/sites/:site/drafts', need: 'editor' },
  { method: 'GET', path: '/admin/api/sites/:site/drift', need: 'analyst' },
  { method: 'POST', path: '/admin/api/sites/:site/fit', need: 'analyst' },
  { method: 'POST', path: '/admin/api/sites/:site/train', need: 'analyst' },
  { method: 'GET', path: '/admin/api/sites/:site/jobs', need: 'analyst' },
  { method: 'DELETE', path: '/admin/api/sites/:site/jobs/:job', need: 'analyst' },
  // the HTML console
  { method: 'GET', path: '/admin/login', need: 'public' },
  { method: 'POST', path: '/admin/login', need: 'public' },
  { method: 'POST', path: '/admin/logout', need: 'public' },
  { method: 'GET', path: '/admin', need: 'analyst' },
  { method: 'GET', path: '/admin/account', need: 'analyst' },
  { method: 'POST', path: '/admin/account/password', need: 'analyst' },
  { method: 'GET', path: '/admin/accounts', need: 'owner' },
  { method: 'POST', path: '/admin/accounts/:name/disable', need: 'owner' },
  { method: 'POST', path: '/admin/accounts/:name/enable', need: 'owner' },
  { method: 'POST', path: '/admin/accounts/:name/role', need: 'owner' },
  { method: 'POST', path: '/admin/accounts/:name/token', need: 'owner' },
  { method: 'POST', path: '/admin/sites', need: 'owner' },
  { method: 'GET', path: '/admin/sites/:site', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/origins', need: 'owner' },
  { method: 'POST', path: '/admin/sites/:site/disable', need: 'owner' },
  { method: 'POST', path: '/admin/sites/:site/policy', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/publish', need: 'editor' },
  { method: 'GET', path: '/admin/sites/:site/installation', need: 'analyst' },
  { method: 'GET', path: '/admin/sites/:site/estimates', need: 'analyst' },
  { method: 'GET', path: '/admin/sites/:site/refinement', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/refinement/publish', need: 'editor' },
  // the working copy's editors and "Review and publish" (console/editor-console.ts)
  { method: 'GET', path: '/admin/sites/:site/new-feature', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/new-feature', need: 'editor' },
  { method: 'GET', path: '/admin/sites/:site/features/:name', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/features/:name', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/features/:name/delete', need: 'editor' },
  { method: 'GET', path: '/admin/sites/:site/new-model', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/new-model', need: 'editor' },
  { method: 'GET', path: '/admin/sites/:site/models/:model', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/models/:model', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/models/:model/delete', need: 'editor' },
  { method: 'GET', path: '/admin/sites/:site/models/:model/segments/:segment/documentation', need: 'editor' },
  {
    method: 'POST',
    path: '/admin/sites/:site/models/:model/segments/:segment/documentation',
    need: 'editor',
  },
  { method: 'GET', path: '/admin/sites/:site/review', need: 'editor' },
  { method: 'GET', path: '/admin/audit', need: 'analyst' },
  { method: 'GET', path: '/admin/keys', need: 'analyst' },
  { method: 'POST', path: '/admin/keys/rotate', need: 'owner' },
  { method: 'POST', path: '/admin/keys/:kid/retire', need: 'owner' },
  { method: 'GET', path: '/admin/sites/:site/fit', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/fit', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/fit/draft', need: 'editor' },
  { method: 'POST', path: '/admin/sites/:site/fit/cancel', need: 'analyst' },
  { method: 'GET', path: '/admin/sites/:site/fit/jobs/:job', need: 'analyst' },
  { method: 'GET', path: '/admin/sites/:site/train', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/train', need: 'analyst' },
  { method: 'GET', path: '/admin/sites/:site/train/jobs/:job', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/train/cancel', need: 'analyst' },
  { method: 'POST', path: '/admin/sites/:site/train/draft', need: 'editor' },
];

/** Whether `role` is `need` or stronger. */
export const roleAtLeast = (role: Role, need: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(need);

/** Whether a route path pattern (`/admin/sites/:site`, a trailing `*`) matches a request path. */
export function patternMatches(pattern: string, path: string): boolean {
  const p = pattern.replace(/\/+$/, '').split('/');
  const q = path.replace(/\/+$/, '').split('/');
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part === '*') return true;
    const seg = q[i];
    if (seg === undefined) return false;
    if (part.startsWith(':') ? seg === '' : part !== seg) return false;
  }
  return p.length === q.length;
}

/** The rule for a request, or undefined (deny). */
export function ruleFor(
  method: string,
  path: string,
  table: readonly RouteRule[] = ROUTE_ROLES,
): RouteRule | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return table.find((r) => r.method === m && patternMatches(r.path, path));
}

type Routes = () => readonly { method: string; path: string }[];

/** Whether any route of the app (not middleware, not a catch-all) would answer this request. */
function hasRoute(routes: Routes, method: string, path: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  return routes().some((r) => r.method === m && !r.path.endsWith('*') && patternMatches(r.path, path));
}

/** Whom the request acts as, with the credential its side takes (bearer for the API, cookie for the console). */
async function principalOf(deps: ServerDeps, c: Context, api: boolean): Promise<Principal | null> {
  if (api) return principalOfToken(deps.store, deps.adminToken, bearerOf(c));
  // A session's account is read again on every request: a role change holds at once, a disabled account is out.
  const session = await sessionPrincipal(c, deps.guard, deps.now());
  return session && sessionAccount(deps.store, session);
}

/**
 * The one access middleware of /admin/*: finds the request's rule, asks for a credential (401, or a
 * redirect to the login form for a console GET), and answers 403 when the role is too weak or the
 * route has no rule. A path that no route answers passes on to the 404 (after the credential check).
 * The principal is left in `c.get('principal')` for the routes (the audit log's actor).
 */
export function adminAccess(deps: ServerDeps, routes: Routes): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    const api = path === '/admin/api' || path.startsWith('/admin/api/');
    const rule = ruleFor(c.req.method, path);
    if (rule?.need === 'public') return next();
    const who = await principalOf(deps, c, api);
    if (!who) {
      if (api)
        return c.json(
          { error: 'a token is required (Authorization: Bearer <account API token or admin token>)' },
          401,
          { 'WWW-Authenticate': 'Bearer realm="edseg-admin"' },
        );
      return c.req.method === 'GET' || c.req.method === 'HEAD'
        ? c.redirect('/admin/login', 303)
        : c.text('log in first', 401);
    }
    c.set('principal', who);
    if (api) c.header('Cache-Control', 'no-store');
    if (!rule) {
      if (!hasRoute(routes, c.req.method, path)) return next();
      const message = `${c.req.method} ${path} has no entry in the role table: refused for every role`;
      return api ? c.json({ error: message, field: '(root)' }, 403) : c.text(`Forbidden: ${message}`, 403);
    }
    if (!roleAtLeast(who.role, rule.need)) {
      const message = `${who.name} is ${who.role}; ${c.req.method} ${rule.path} needs the role ${rule.need} or above`;
      return api
        ? c.json({ error: message, field: '(root)' }, 403)
        : c.html(refusedPage(who, rule.need), 403);
    }
    return next();
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    /** who the request acts as (set by adminAccess for every non-public /admin route) */
    principal: Principal;
  }
}
