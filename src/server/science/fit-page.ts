/**
 * The console's fit page, /admin/sites/:site/fit (behind the console session, inside adminPages):
 * upload a learner CSV (one row per learner, feature columns; up to the server's upload limit,
 * EDSEG_SCIENCE_MAX_UPLOAD_MB, default 20 MB: upload-limit.ts), run the same fit as `edseg-admin fit`
 * on it, see the table and the four charts inline, and add the chosen k as a draft model to the
 * site's working copy. Columns named after the site's features are normalised as its manifest does;
 * the draft must use those features. The fit runs in a worker thread (jobs.ts, through routes.ts
 * startFitForSite) under the server's caps: the POST answers 303 to the job's page,
 * /admin/sites/:site/fit/jobs/:job, which shows its progress (one line per k) and reloads until the
 * result (console-jobs.ts). While one runs for the site the page names it with a Cancel button
 * (POST …/fit/cancel), and a second fit is refused (409) naming it.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import { scrolling } from '../admin/views/layout.js';
import { refusalOf } from '../http/refusal.js';
import type { Html } from '../admin/views/layout.js';
import { roleAtLeast } from '../admin/access.js';
import { actorOf } from '../admin/auth.js';
import type { ServerDeps } from '../runtime/deps.js';
import type { ScienceJob } from '../../core/schema.js';
import { startFitForSite, type FitResult } from './routes.js';
import {
  consoleJobs,
  draftRoute,
  noSuchJob,
  progressSection,
  reloadHeader,
  sciencePage,
  type ConsoleJobs,
} from './console-jobs.js';

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

function form(site: string, k: string, message?: string, job?: ScienceJob, maxMB?: number): Html {
  return html`<h1>Fit segments · <code>${site}</code></h1>
    ${message ? html`<p class="flash error" role="alert">${message}</p>` : ''} ${running(site, job)}
    <form method="post" action="/admin/sites/${encodeURIComponent(site)}/fit" enctype="multipart/form-data">
      <p>
        <label
          >Learner CSV (a header, one row per learner, numeric feature columns named after the site's
          features; an <code>id</code> or <code>learner</code> column is ignored)
          <input type="file" name="csv" accept=".csv,text/csv" required
        /></label>
        ${maxMB !== undefined ? html`<span class="small muted">at most ${maxMB} MB</span>` : ''}
      </p>
      <p>
        <label>k <input name="k" value="${k}" size="8" /></label>
        <span class="small muted">one k or a range such as 2..8</span>
      </p>
      <p>
        <label
          ><input type="checkbox" name="reload" value="1" checked /> reload the progress page every few
          seconds while it runs</label
        >
      </p>
      <p><button type="submit">Run the fit</button></p>
    </form>
    <p class="small">
      A labelled file (a class per learner)?
      <a href="/admin/sites/${encodeURIComponent(site)}/train">Train a predictive segment</a>
    </p>`;
}

/** The result of a fit: the k table, the charts, and the draft button (editors and above). */
function resultSection(c: Context, site: string, { outcome, model }: FitResult): Html {
  const result = outcome.fit;
  const charts = outcome.charts ?? {};
  return html`<section data-testid="fit-result">
    <h2>Result: best k = ${result.best} (highest mean silhouette)</h2>
    <p class="small muted">${outcome.inputs.rows} learners, features ${outcome.inputs.features.join(', ')}</p>
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
    }
  </section>`;
}

export function fitPages(deps: ServerDeps, jobs: ConsoleJobs = consoleJobs(deps.ops.log)): Hono {
  const app = new Hono();
  const maxMB = deps.science.limits.maxUploadMB;
  const page = sciencePage;

  app.get('/sites/:site/fit', async (c) => {
    const site = c.req.param('site');
    if (!(await deps.store.getSite(site))) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
    const ok = c.req.query('ok');
    return page(
      c,
      `Fit ${site}`,
      html`${ok ? html`<p class="flash">${ok}</p>` : ''}
      ${form(site, '2..8', undefined, deps.science.current(site), maxMB)}`,
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
    const again = (message: string, status: 400 | 409 | 413) =>
      page(c, `Fit ${site}`, form(site, k, message, deps.science.current(site), maxMB), status);
    if (!(file instanceof File) || file.size === 0) return again('csv: choose a CSV file', 400);
    const tracking = jobs.track<FitResult>({ k, reload: body['reload'] === '1' ? '1' : '0' });
    try {
      const started = await startFitForSite(
        deps,
        site,
        actorOf(c),
        { csv: await file.text(), file: file.name || 'upload.csv', k, charts: true },
        tracking.onProgress,
      );
      const entry = tracking.keep(started);
      return c.redirect(
        `/admin/sites/${encodeURIComponent(site)}/fit/jobs/${entry.job.id}${entry.form['reload'] === '1' ? '' : '?reload=0'}`,
        303,
      );
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      if (refusal.status === 404) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
      return again(refusal.message, refusal.status === 410 ? 409 : (refusal.status as 400 | 409 | 413));
    }
  });

  app.get('/sites/:site/fit/jobs/:job', async (c) => {
    const site = c.req.param('site');
    const entry = jobs.get<FitResult>(site, 'fit', c.req.param('job'));
    if (!entry) return noSuchJob(c, site, 'fit', ['fit', 'Run a fit']);
    const k = entry.form['k'] ?? '2..8';
    if (entry.state === 'failed') {
      const f = entry.failure!;
      return page(c, `Fit ${site}`, form(site, k, f.message, deps.science.current(site), maxMB), f.status);
    }
    if (entry.state === 'running') {
      const steps = (() => {
        try {
          return deps.science.ks(k).length;
        } catch {
          return undefined;
        }
      })();
      const cancel = `/admin/sites/${encodeURIComponent(site)}/fit/cancel`;
      return page(
        c,
        `Fit ${site} (running)`,
        html`<h1>Fit segments · <code>${site}</code></h1>
          ${progressSection(c, entry, steps, cancel)}`,
        200,
        reloadHeader(c, entry),
      );
    }
    return page(
      c,
      `Fit ${site}`,
      html`${form(site, k, undefined, undefined, maxMB)} ${resultSection(c, site, entry.result!)}`,
    );
  });

  draftRoute(app, deps, 'fit', (c, site, message) =>
    page(c, `Fit ${site}`, form(site, '2..8', message), 400),
  );

  return app;
}
