/**
 * The admin console's routes: server-rendered HTML (views/, where hono/html escapes every
 * interpolation), plain forms, no script. A session cookie (see auth.ts) authenticates it, and
 * access.ts's table says which role each route needs (checked before any route here runs); the app's
 * guard (http/guard.ts) takes only form posts whose Origin is this server's, on top of SameSite=Strict.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { RefinementPublishInput, check } from '../../../core/schema.js';
import type { Model, PublishedEstimates } from '../../../core/schema.js';
import type { ServerDeps } from '../../runtime/deps.js';
import { loadTrends, publishedEstimates } from '../../estimates/estimates.js';
import { publishSite, updatePolicy } from '../../sites/publish.js';
import {
  loadRefinement,
  publishRefinement,
  refineOptionsOf,
  refineParamsOf,
} from '../../sites/refinement.js';
import { driftOf } from '../../science/drift.js';
import { fitPages } from '../../science/fit-page.js';
import { trainPages } from '../../science/train-page.js';
import { consoleJobs } from '../../science/console-jobs.js';
import { accountPages } from './accounts.js';
import { orBack } from './form.js';
import { keyPages } from './keys.js';
import { installationPages } from './installation.js';
import { driftSection } from '../../science/drift-view.js';
import { loadSiteView } from '../../sites/site-view.js';
import { changePassword, principalOfLogin } from '../../identity/accounts.js';
import { Refusal, refusalOf } from '../../http/refusal.js';
import { createSite, disableSite, updateOrigins } from '../../sites/sites.js';
import { actorOf, endSession, sessionIdOf, signedInAs, startSession } from '../auth.js';
import { accountPage } from '../views/account.js';
import { editorPages } from './editor-console.js';
import { auditPage } from '../views/audit.js';
import { estimatesPage } from '../views/estimates.js';
import { trendsSection } from '../views/trends.js';
import { layout } from '../views/layout.js';
import type { Flash, Html } from '../views/layout.js';
import { loginPage } from '../views/login.js';
import { refinementPage } from '../views/refinement.js';
import { sitePage } from '../views/site.js';
import { sitesPage } from '../views/sites.js';
import type { NewSiteForm } from '../views/sites.js';

/** The console's response headers (its CSP allows no script; a page's styles are inline). */
export const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: under it a browser sends `Origin: null` on the console's own form posts, which the guard refuses.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * The console's answer to an /admin path that no route takes (app.ts's notFound): a page in its
 * layout, with its security headers, not a bare text line (it needs a language and a title too).
 */
export async function consoleNotFound(c: Context): Promise<Response> {
  const body = html`<h1>No such page</h1>
    <p>Nothing in the console is at this address. <a href="/admin">Back to the sites</a></p>`;
  const res = await c.html(layout('Not found', body, signedInAs(c)), 404);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}

/** A form field as a string ('' when absent or a file). */
const text = (form: Record<string, unknown>, name: string): string =>
  typeof form[name] === 'string' ? form[name] : '';

/** The segment ids of the models ticked "report in clear"; throws a 400 Refusal for an unknown model. */
function clearOfModels(models: readonly Model[], ticked: readonly string[]): string[] {
  return ticked.flatMap((id) => {
    const model = models.find((m) => m.id === id);
    if (!model) throw new Refusal(400, `unknown model "${id}"`, 'policy.clear');
    return model.segments.map((s) => s.id);
  });
}

/** The /admin HTML routes (login, sites, a site, estimates, refinement, audit, keys). */
export function adminPages(deps: ServerDeps): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  const page = (c: Context, title: string, body: Html, status: 200 | 400 | 401 | 404 | 409 = 200) =>
    c.html(layout(title, body, signedInAs(c)), status);
  const notFound = (c: Context, heading: string) => page(c, 'Not found', html`<h1>${heading}</h1>`, 404);
  const acting = (c: Context) => ({ actor: actorOf(c), now: deps.now() });
  const flashOf = (c: Context): Flash => ({
    ok: c.req.query('ok'),
    error: c.req.query('error'),
    policyError: c.req.query('policyError'),
  });

  app.get('/login', (c) => page(c, 'Log in', loginPage(null)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    // Wrong logins count per (client, name) and per name: one address cannot lock another account out.
    const wait = await deps.guard.loginWait(c, text(form, 'name'));
    if (wait) return deps.guard.tooMany(c, wait);
    // `token` is the admin token's field name from before accounts; it still signs in as the bootstrap owner.
    const password = text(form, 'password') || text(form, 'token');
    const principal = await principalOfLogin(deps.store, deps.adminToken, text(form, 'name'), password);
    if (!principal) {
      await deps.guard.loginFailed(c, text(form, 'name'));
      return page(c, 'Log in', loginPage('That name and password (or admin token) do not match.'), 401);
    }
    await startSession(c, deps.guard, principal, deps.now());
    return c.redirect('/admin', 303);
  });
  app.post('/logout', async (c) => {
    await endSession(c, deps.guard);
    return c.redirect('/admin/login', 303);
  });

  const sitesList = async (c: Context, form?: NewSiteForm, status: 200 | 400 | 409 = 200) =>
    page(
      c,
      'Sites',
      sitesPage(await deps.store.listSites(), c.get('principal').role, form, flashOf(c)),
      status,
    );
  app.get('/', (c) => sitesList(c));

  app.post('/sites', async (c) => {
    const form = await c.req.parseBody();
    const typed: NewSiteForm = {
      id: text(form, 'id').trim(),
      name: text(form, 'name').trim(),
      origins: text(form, 'origins'),
      template: text(form, 'template') || 'empty',
    };
    // Nothing typed is lost: a refusal shows the form again, filled in, with the message beside its field.
    return orBack(
      (message, field) => sitesList(c, { ...typed, error: { message, field: field ?? '(root)' } }, 400),
      async () => {
        const origins = typed.origins.split(/[\s,]+/).filter(Boolean);
        await createSite(deps.store, { ...typed, origins }, acting(c));
        return back(
          c,
          typed.id,
          'ok',
          `Site ${typed.id} created from the ${typed.template} template. Publish to make it live.`,
        );
      },
    );
  });

  // The working copy's editors and "Review and publish" (console/editor-console.ts).
  app.route('/', editorPages(deps, page));

  app.get('/sites/:site', async (c) => {
    const view = await loadSiteView(deps, c.req.param('site'));
    if (!view) return notFound(c, 'No such site');
    const working = (await deps.store.getSite(view.site.id))?.definition;
    return page(c, view.site.name, sitePage(view, flashOf(c), c.get('principal').role, working));
  });

  const back = (c: Context, site: string, kind: keyof Flash, message: string) =>
    c.redirect(`/admin/sites/${encodeURIComponent(site)}?${kind}=${encodeURIComponent(message)}`, 303);
  /** Back to the site page after an edit that is live at the next publish. */
  const pendingBack = (c: Context, site: string, [done, none]: [string, string], changes: string[]) =>
    back(c, site, 'ok', changes.length ? `${done} (${changes.join('; ')}). Publish to make it live.` : none);

  app.post('/sites/:site/origins', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody();
    const add = text(form, 'add').trim();
    const remove = text(form, 'remove');
    return orBack(
      (message) => back(c, site, 'error', message),
      async () => {
        const { changes } = await updateOrigins(
          deps.store,
          site,
          { ...(add ? { add: [add] } : {}), ...(remove ? { remove: [remove] } : {}) },
          acting(c),
        );
        return pendingBack(c, site, ['Origins edited', 'Origins unchanged.'], changes);
      },
    );
  });

  app.post('/sites/:site/disable', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody();
    if (text(form, 'confirm') !== site)
      return back(c, site, 'error', `Type the site id (${site}) to confirm disabling it.`);
    return orBack(
      (message) => back(c, site, 'error', message),
      async () => {
        await disableSite(deps.store, site, acting(c));
        return back(
          c,
          site,
          'ok',
          `Site ${site} disabled: it serves no manifest and its reports are refused.`,
        );
      },
    );
  });

  app.post('/sites/:site/policy', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody({ all: true });
    const list = (v: unknown) =>
      (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    // A refused policy re-renders the site page (400) with the boxes as ticked and the message in the policy form.
    const refused = async (message: string) => {
      const view = await loadSiteView(deps, site);
      if (!view) return notFound(c, 'No such site');
      const [allowed, clearModels, clearIds] = [
        list(form['allowed']),
        list(form['clearModel']),
        list(form['clear']),
      ];
      const typed = {
        ...view,
        segments: view.segments.map((s) => ({
          ...s,
          allowed: allowed.includes(s.id),
          clear: clearModels.includes(s.model) || clearIds.includes(s.id),
        })),
      };
      const working = (await deps.store.getSite(site))?.definition;
      return page(
        c,
        view.site.name,
        sitePage(typed, { policyError: message }, c.get('principal').role, working),
        400,
      );
    };
    return orBack(refused, async () => {
      // "Report in clear" is ticked per model (clearModel); `clear` (segment ids, as the JSON API takes) still counts.
      const models = (await deps.store.getSite(site))?.definition.models ?? [];
      const clear = [...list(form['clear']), ...clearOfModels(models, list(form['clearModel']))];
      const { changes } = await updatePolicy(
        deps.store,
        site,
        { allowed: list(form['allowed']), clear },
        { actor: actorOf(c), now: deps.now() },
      );
      return pendingBack(c, site, ['Policy saved', 'Policy unchanged.'], changes);
    });
  });

  app.post('/sites/:site/publish', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody();
    const note =
      typeof form['note'] === 'string' && form['note'].trim() ? form['note'].trim().slice(0, 500) : undefined;
    return orBack(
      (message) => back(c, site, 'error', message),
      async () => {
        const v = await publishSite(deps.store, deps.signer, site, {
          actor: actorOf(c),
          now: deps.now(),
          ...(note ? { note } : {}),
        });
        return back(c, site, 'ok', `Published version ${v.version}: ${v.changes.join('; ')}`);
      },
    );
  });

  app.get('/sites/:site/estimates', async (c) => {
    const site = c.req.param('site');
    const q = c.req.query('version');
    const wanted = q === undefined ? undefined : Number(q);
    const missing = () => notFound(c, 'No such site or version');
    if (wanted !== undefined && !Number.isInteger(wanted)) return missing();
    let est: PublishedEstimates;
    let periodDays: number;
    try {
      // The signed-in console shows the live period too, rounded and suppressed like the public view.
      ({ estimates: est, periodDays } = await publishedEstimates(deps, site, wanted, 'all'));
    } catch (e) {
      if (refusalOf(e)?.status === 404) return missing();
      throw e;
    }
    const versions = (await deps.store.listVersions(site)).map((v) => v.version);
    // Drift from the same gated timeline the page already holds: no second read, no report read.
    const drift = driftSection(driftOf(est, periodDays));
    const trends = await loadTrends(deps, site, est);
    return page(
      c,
      `Estimates ${site}`,
      html`${estimatesPage(site, est, versions)}${trendsSection(trends.series, trends.markers)}${drift}`,
    );
  });

  app.get('/sites/:site/refinement', async (c) => {
    const site = c.req.param('site');
    // Options that fail the schema fall back to the defaults, said in the flash; the reports are read once either way.
    const opts = refineOptionsOf((n) => c.req.query(n));
    const flash = opts.ok ? flashOf(c) : { error: `${opts.message} (showing the defaults)` };
    const proposal = await loadRefinement(deps, site, opts.ok ? opts.value : {});
    if (!proposal) return notFound(c, 'No such site, or nothing published');
    return page(c, `Refine ${site}`, refinementPage(site, proposal, flash, c.get('principal').role));
  });

  app.post('/sites/:site/refinement/publish', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody({ all: true });
    const field = (name: string) =>
      typeof form[name] === 'string' && form[name] !== '' ? form[name] : undefined;
    const models = [form['models'] ?? []].flat().filter((x): x is string => typeof x === 'string');
    const toRefinement = (message: string) =>
      c.redirect(
        `/admin/sites/${encodeURIComponent(site)}/refinement?error=${encodeURIComponent(message)}`,
        303,
      );
    if (models.length === 0) return toRefinement('Tick at least one model to publish.');
    const version = field('version');
    const note = field('note')?.trim();
    const input = check(RefinementPublishInput, {
      models,
      ...refineParamsOf(field),
      ...(version !== undefined ? { version: Number(version) } : {}),
      ...(note ? { note: note.slice(0, 500) } : {}),
    });
    if (!input.ok) return toRefinement(input.message);
    return orBack(toRefinement, async () => {
      const published = await publishRefinement(deps, site, input.value, actorOf(c));
      return back(c, site, 'ok', `Published version ${published.version}: ${published.summary}.`);
    });
  });

  // the fit page: a learner CSV -> k-means, charts, a draft model (science/fit-page.ts)
  const scienceJobs = consoleJobs(deps.ops.log);
  app.route('/', fitPages(deps, scienceJobs));
  app.route('/', trainPages(deps, scienceJobs));
  app.route('/', accountPages(deps, page));

  app.get('/audit', async (c) => {
    const site = c.req.query('site') || undefined;
    return page(
      c,
      'Audit log',
      auditPage(await deps.store.listAudit({ ...(site ? { site } : {}), limit: 500 }), site),
    );
  });

  app.get('/account', (c) => page(c, 'Your account', accountPage(c.get('principal'), flashOf(c))));
  app.post('/account/password', async (c) => {
    const form = await c.req.parseBody();
    const to = (kind: 'ok' | 'error', message: string) =>
      c.redirect(`/admin/account?${kind}=${encodeURIComponent(message)}`, 303);
    return orBack(
      (message) => to('error', message),
      async () => {
        await changePassword(
          deps.store,
          c.get('principal'),
          { current: text(form, 'current'), password: text(form, 'password') },
          deps.now(),
          { store: deps.guard.sessions, keep: sessionIdOf(c) },
        );
        return to('ok', 'Password changed; your other sessions ended.');
      },
    );
  });

  app.route('/', keyPages(deps, page));
  app.route('/', installationPages(deps, page));

  return app;
}
