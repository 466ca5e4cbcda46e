/**
 * The console's fit page, /admin/sites/:site/fit (behind the console session, inside adminPages):
 * upload a learner CSV (one row per learner, feature columns; the console's 64 KB form limit
 * holds about a thousand rows), run the same fit as `edseg-admin fit` on it, see the table and the
 * four charts inline, and add the chosen k as a draft model to the site's working copy. Columns named
 * after the site's features are normalised as its manifest does; the draft must use those features.
 * The fit runs in a worker thread (jobs.ts, through routes.ts fitForSite) under the server's caps;
 * while one runs for the site the page names it with a Cancel button (POST …/fit/cancel), and a
 * second fit is refused (409) naming it.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import { scrolling } from '../admin/views/layout.js';
import { refusalOf } from '../http/refusal.js';
import type { Html } from '../admin/views/layout.js';
import { layout } from '../admin/views/layout.js';
import { roleAtLeast } from '../admin/access.js';
import { actorOf, signedInAs } from '../admin/auth.js';
import type { ServerDeps } from '../runtime/deps.js';
import type { ScienceJob } from '../../core/schema.js';
import { addDraft, fitForSite } from './routes.js';

function running(site: string, job: ScienceJob | undefined): Html | string {
  if (!job) return '';
  return html`<form
    method="post"
    action="/admin/sites/${encodeURIComponent(site)}/fit/cancel"
    data-testid="fit-running"
  >
    <p>
      A ${job.kind} is running for this site: job <code>${job.id}</code>, started by ${job.actor} at
      ${job.startedAt}${job.progress ? html` (${job.progress})` : ''}.
      <input type="hidden" name="job" value="${job.id}" />
      <button type="submit" data-testid="fit-cancel">Cancel it</button>
    </p>
  </form>`;
}

function form(site: string, k: string, message?: string, job?: ScienceJob): Html {
  return html`<h1>Fit segments · <code>${site}</code></h1>
    ${message ? html`<p class="flash error">${message}</p>` : ''} ${running(site, job)}
    <form method="post" enctype="multipart/form-data">
      <p>
        <label
          >Learner CSV (a header, one row per learner, numeric feature columns named after the site's
          features; an <code>id</code> or <code>learner</code> column is ignored)
          <input type="file" name="csv" accept=".csv,text/csv" required
        /></label>
      </p>
      <p>
        <label>k <input name="k" value="${k}" size="8" /></label>
        <span class="small muted">one k or a range such as 2..8</span>
      </p>
      <p><button type="submit">Run the fit</button></p>
    </form>`;
}

export function fitPages(deps: ServerDeps): Hono {
  const app = new Hono();
  const page = (c: Context, title: string, body: Html, status: 200 | 400 | 404 | 409 | 413 = 200) =>
    c.html(layout(title, body, signedInAs(c)), status);

  app.get('/sites/:site/fit', async (c) => {
    const site = c.req.param('site');
    if (!(await deps.store.getSite(site))) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
    const ok = c.req.query('ok');
    return page(
      c,
      `Fit ${site}`,
      html`${ok ? html`<p class="flash">${ok}</p>` : ''}
      ${form(site, '2..8', undefined, deps.science.current(site))}`,
    );
  });

  app.post('/sites/:site/fit/cancel', async (c) => {
    const site = c.req.param('site');
    const body = await c.req.parseBody();
    const id = typeof body['job'] === 'string' && body['job'] !== '' ? body['job'] : undefined;
    try {
      const job = await deps.science.cancel(site, actorOf(c), id);
      const ok = `cancelled the ${job.kind} (job ${job.id})`;
      return c.redirect(`/admin/sites/${encodeURIComponent(site)}/fit?ok=${encodeURIComponent(ok)}`, 303);
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      return page(c, `Fit ${site}`, form(site, '2..8', refusal.message, deps.science.current(site)), 404);
    }
  });

  app.post('/sites/:site/fit', async (c) => {
    const site = c.req.param('site');
    const record = await deps.store.getSite(site);
    if (!record) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
    const body = await c.req.parseBody();
    const k = typeof body['k'] === 'string' ? body['k'] : '2..8';
    const file = body['csv'];
    try {
      if (!(file instanceof File)) return page(c, `Fit ${site}`, form(site, k, 'choose a CSV file'), 400);
      const { outcome, model } = await fitForSite(deps, site, actorOf(c), {
        csv: await file.text(),
        file: file.name || 'upload.csv',
        k,
        charts: true,
      });
      const result = outcome.fit;
      const charts = outcome.charts ?? {};
      return page(
        c,
        `Fit ${site}`,
        html`${form(site, k)}
          <h2>Result: best k = ${result.best} (highest mean silhouette)</h2>
          ${scrolling(
            'Fit by k',
            html`<table>
              <tr>
                <th>k</th>
                <th>inertia</th>
                <th>mean silhouette</th>
                <th>stability (ARI)</th>
                <th>sizes</th>
              </tr>
              ${result.ks.map(
                (r) =>
                  html`<tr>
                    <td>${r.k === result.best ? html`<strong>${r.k}</strong>` : r.k}</td>
                    <td>${r.inertia.toFixed(2)}</td>
                    <td>${r.silhouette.toFixed(3)} <span class="muted">(${r.silhouetteMethod})</span></td>
                    <td>${r.stability.toFixed(3)}</td>
                    <td>${r.sizes.join(', ')}</td>
                  </tr>`,
              )}
            </table>`,
          )}
          ${Object.entries(charts).map(([name, svg]) => html`<figure class="chart" aria-label="${name}" tabindex="0">${raw(svg)}</figure>`)}
          ${
            roleAtLeast(c.get('principal').role, 'editor')
              ? html`<form method="post" action="/admin/sites/${encodeURIComponent(site)}/fit/draft">
                  <input type="hidden" name="model" value="${JSON.stringify(model)}" />
                  <p>
                    <button type="submit">
                      Add "${model.id}" (k = ${result.best}) to the working copy as a draft
                    </button>
                    <span class="small muted">then name, document and publish it on the site page</span>
                  </p>
                </form>`
              : html`<p class="small muted" id="draft-needs-role">
                  Adding this fit as a draft model needs the role editor or above; you are
                  ${c.get('principal').role}.
                </p>`
          }`,
      );
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      if (refusal.status === 404) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
      const status = refusal.status === 410 ? 409 : refusal.status;
      return page(c, `Fit ${site}`, form(site, k, refusal.message, deps.science.current(site)), status);
    }
  });

  app.post('/sites/:site/fit/draft', async (c) => {
    const site = c.req.param('site');
    const body = await c.req.parseBody();
    let model: unknown;
    try {
      model = JSON.parse(typeof body['model'] === 'string' ? body['model'] : '');
    } catch {
      return page(c, `Fit ${site}`, form(site, '2..8', 'the draft model is not JSON'), 400);
    }
    try {
      const out = await addDraft(deps, site, model, actorOf(c));
      return c.redirect(
        `/admin/sites/${encodeURIComponent(site)}?ok=${encodeURIComponent(`added draft model ${out.model}`)}`,
        303,
      );
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal?.status === 404) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
      if (refusal) return page(c, `Fit ${site}`, form(site, '2..8', refusal.message), 400);
      throw e;
    }
  });

  return app;
}
