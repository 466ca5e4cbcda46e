/**
 * The admin console's routes: server-rendered HTML (views/, where hono/html escapes every
 * interpolation), plain forms, no script. A session cookie (see auth.ts) authenticates it; the app's
 * guard (security/guard.ts) takes only form posts whose Origin is this server's, on top of SameSite=Strict.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { EdsegError } from '../../core/errors.js';
import { RefinementPublishInput, check } from '../../core/schema.js';
import type { Model, PublishedEstimates } from '../../core/schema.js';
import type { ServerDeps } from '../deps.js';
import { loadEstimates, loadTrends } from '../estimates.js';
import { publishSite, updatePolicy } from '../publish.js';
import { loadRefinement, publishRefinement, refineOptionsOf, refineParamsOf } from '../refinement.js';
import { loadSiteView } from '../site-view.js';
import { actorName, endSession, sessionActor, startSession, tokenMatches } from './auth.js';
import { auditPage } from './views/audit.js';
import { estimatesPage } from './views/estimates.js';
import { trendsSection } from './views/trends.js';
import { layout } from './views/layout.js';
import type { Flash, Html } from './views/layout.js';
import { loginPage } from './views/login.js';
import { refinementPage } from './views/refinement.js';
import { sitePage } from './views/site.js';
import { sitesPage } from './views/sites.js';

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Runs a form's action; a refusal (EdsegError) goes back to the page with its message, anything else is a 500 through onError. */
async function orBack(
  back: (message: string) => Response,
  action: () => Promise<Response>,
): Promise<Response> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof EdsegError) return back(e.message);
    throw e;
  }
}

/** The segment ids of the models ticked "report in clear"; throws EdsegError('invalid-input') for an unknown model. */
function clearOfModels(models: readonly Model[], ticked: readonly string[]): string[] {
  return ticked.flatMap((id) => {
    const model = models.find((m) => m.id === id);
    if (!model) throw new EdsegError('invalid-input', `unknown model "${id}"`, 'policy.clear');
    return model.segments.map((s) => s.id);
  });
}

/** The /admin HTML routes (login, sites, a site, estimates, refinement, audit). */
export function adminPages(deps: ServerDeps): Hono<{ Variables: { actor: string } }> {
  const app = new Hono<{ Variables: { actor: string } }>();
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  const page = (c: Context, title: string, body: Html, actor: string | null, status: 200 | 401 | 404 = 200) =>
    c.html(layout(title, body, actor), status);
  const notFound = (c: Context, heading: string) =>
    page(c, 'Not found', html`<h1>${heading}</h1>`, c.get('actor'), 404);
  const flashOf = (c: Context): Flash => ({
    ok: c.req.query('ok'),
    error: c.req.query('error'),
    policyError: c.req.query('policyError'),
  });

  app.get('/login', (c) => page(c, 'Log in', loginPage(null), null));
  app.post('/login', async (c) => {
    const wait = await deps.guard.loginWait(c);
    if (wait) return deps.guard.tooMany(c, wait);
    const form = await c.req.parseBody();
    const token = typeof form['token'] === 'string' ? form['token'] : undefined;
    if (!tokenMatches(token, deps.adminToken)) {
      await deps.guard.loginFailed(c);
      return page(c, 'Log in', loginPage('That token is not the admin token.'), null, 401);
    }
    const name = actorName(typeof form['name'] === 'string' ? form['name'] : undefined, 'admin');
    startSession(c, deps.guard, name, deps.now());
    return c.redirect('/admin', 303);
  });
  app.post('/logout', (c) => {
    endSession(c, deps.guard);
    return c.redirect('/admin/login', 303);
  });

  app.use('*', async (c, next) => {
    const actor = sessionActor(c, deps.guard, deps.now());
    if (!actor) return c.req.method === 'GET' ? c.redirect('/admin/login', 303) : c.text('log in first', 401);
    c.set('actor', actor);
    await next();
  });

  app.get('/', async (c) => page(c, 'Sites', sitesPage(await deps.store.listSites()), c.get('actor')));

  app.get('/sites/:site', async (c) => {
    const view = await loadSiteView(deps, c.req.param('site'));
    if (!view) return notFound(c, 'No such site');
    return page(c, view.site.name, sitePage(view, flashOf(c)), c.get('actor'));
  });

  const back = (c: Context, site: string, kind: keyof Flash, message: string) =>
    c.redirect(`/admin/sites/${encodeURIComponent(site)}?${kind}=${encodeURIComponent(message)}`, 303);

  app.post('/sites/:site/policy', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody({ all: true });
    const list = (v: unknown) =>
      (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    return orBack(
      (message) => back(c, site, 'policyError', message),
      async () => {
        // "Report in clear" is ticked per model (clearModel); `clear` (segment ids, as the JSON API takes) still counts.
        const models = (await deps.store.getSite(site))?.definition.models ?? [];
        const clear = [...list(form['clear']), ...clearOfModels(models, list(form['clearModel']))];
        const { changes } = await updatePolicy(
          deps.store,
          site,
          { allowed: list(form['allowed']), clear },
          { actor: c.get('actor'), now: deps.now() },
        );
        return back(
          c,
          site,
          'ok',
          changes.length
            ? `Policy saved (${changes.join('; ')}). Publish to make it live.`
            : 'Policy unchanged.',
        );
      },
    );
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
          actor: c.get('actor'),
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
    try {
      // The signed-in console shows the live period too, rounded and suppressed like the public view.
      est = await loadEstimates(deps, site, wanted, 'all');
    } catch (e) {
      if (e instanceof EdsegError && e.code === 'not-found') return missing();
      throw e;
    }
    const versions = (await deps.store.listVersions(site)).map((v) => v.version);
    const trends = await loadTrends(deps, site, est);
    return page(
      c,
      `Estimates ${site}`,
      html`${estimatesPage(site, est, versions)}${trendsSection(trends.series, trends.markers)}`,
      c.get('actor'),
    );
  });

  app.get('/sites/:site/refinement', async (c) => {
    const site = c.req.param('site');
    // Options that fail the schema fall back to the defaults, said in the flash; the reports are read once either way.
    const opts = refineOptionsOf((n) => c.req.query(n));
    const flash = opts.ok ? flashOf(c) : { error: `${opts.message} (showing the defaults)` };
    const proposal = await loadRefinement(deps, site, opts.ok ? opts.value : {});
    if (!proposal) return notFound(c, 'No such site, or nothing published');
    return page(c, `Refine ${site}`, refinementPage(site, proposal, flash), c.get('actor'));
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
      const out = await publishRefinement(deps, site, input.value, c.get('actor'));
      if (!out.ok) return toRefinement(out.error);
      return back(c, site, 'ok', `Published version ${out.published.version}: ${out.published.summary}.`);
    });
  });

  app.get('/audit', async (c) => {
    const site = c.req.query('site') || undefined;
    return page(
      c,
      'Audit log',
      auditPage(await deps.store.listAudit({ ...(site ? { site } : {}), limit: 500 }), site),
      c.get('actor'),
    );
  });

  return app;
}
