/**
 * The console's editors of a site's working copy (features, models with their segments, a segment's
 * documentation card) and its "Review and publish" page. Plain forms, no script. A refused save
 * answers 400 with the form as typed and each message beside the field it names; nothing typed is
 * lost. Mounted by ../pages.ts behind the session check.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { EditRefused } from '../../../core/edit.js';
import type { EditIssue, WorkingEdit } from '../../../core/edit.js';
import { refusalOf } from '../../http/refusal.js';
import type { SiteRecord } from '../../../core/schema.js';
import type { ServerDeps } from '../../runtime/deps.js';
import { editWorkingCopy, loadWorkingDiff } from '../../sites/editor.js';
import { actorOf } from '../auth.js';
import type { FieldErrors, Values } from '../views/editor-fields.js';
import { documentationPage, featurePage, modelPage } from '../views/editor-pages.js';
import type { Html } from '../views/layout.js';
import { reviewPage } from '../views/review.js';
import {
  NEW_FEATURE,
  documentationErrors,
  documentationOf,
  documentationValues,
  featureErrors,
  featureOf,
  featureValues,
  get,
  changeSummary,
  modelErrors,
  modelOf,
  modelValues,
  rowsOf,
  valuesOf,
  withBlankRow,
} from './editor-form.js';

/** The console's page frame (pages.ts): a title, a body and a status. */
export type PageOf = (
  c: Context,
  title: string,
  body: Html,
  status?: 200 | 400 | 404,
) => Response | Promise<Response>;

/** The editor routes under /admin. */
export function editorPages(deps: ServerDeps, page: PageOf): Hono {
  const app = new Hono();
  const missing = (c: Context, what: string) => page(c, 'Not found', html`<h1>No such ${what}</h1>`, 404);
  const siteOf = (c: Context): Promise<SiteRecord | null> => deps.store.getSite(c.req.param('site')!);
  const toSite = (c: Context, kind: 'ok' | 'error', message: string, anchor = '') =>
    c.redirect(
      `/admin/sites/${encodeURIComponent(c.req.param('site')!)}?${kind}=${encodeURIComponent(message)}${anchor}`,
      303,
    );

  /**
   * Saves one edit; a refusal re-renders the form (400) through `refused`, an unknown item is a
   * 404, a success goes back to the site page with what changed.
   */
  async function save(
    c: Context,
    edit: WorkingEdit,
    done: string,
    refused: (issues: EditIssue[]) => Response | Promise<Response>,
  ): Promise<Response> {
    try {
      const out = await editWorkingCopy(deps.store, c.req.param('site')!, edit, {
        actor: actorOf(c),
        now: deps.now(),
      });
      // a summary, not the diff: the values are JSON and would fill the banner and its URL
      const said = [out.changes.length ? changeSummary(out.changes) : 'no change', ...out.notes].join('. ');
      return toSite(c, 'ok', `${done} (${said}). Review and publish to make it live.`);
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal?.status === 404) return missing(c, refusal.field ?? 'item');
      if (e instanceof EditRefused) return refused(e.issues);
      throw e;
    }
  }

  // Features.
  const featureForm = (c: Context, name: string | null, v: Values, e: FieldErrors, status: 200 | 400 = 200) =>
    page(c, name ? `Feature ${name}` : 'New feature', featurePage(c.req.param('site')!, name, v, e), status);

  app.get('/sites/:site/new-feature', async (c) =>
    (await siteOf(c)) ? featureForm(c, null, NEW_FEATURE, {}) : missing(c, 'site'),
  );
  app.post('/sites/:site/new-feature', async (c) => {
    const site = await siteOf(c);
    if (!site) return missing(c, 'site');
    const v = valuesOf(await c.req.parseBody());
    const name = get(v, 'name');
    const refused = (e: FieldErrors) => featureForm(c, null, v, e, 400);
    if (site.definition.features.some((f) => f.name === name))
      return refused({ name: [`a feature "${name}" exists already: edit it instead`] });
    return save(c, { kind: 'put-feature', name, spec: featureOf(v) }, `Feature ${name} added`, (issues) =>
      refused(featureErrors(issues)),
    );
  });
  app.get('/sites/:site/features/:name', async (c) => {
    const f = (await siteOf(c))?.definition.features.find((x) => x.name === c.req.param('name'));
    return f ? featureForm(c, f.name, featureValues(f), {}) : missing(c, 'site or feature');
  });
  app.post('/sites/:site/features/:name', async (c) => {
    const name = c.req.param('name');
    const v = { ...valuesOf(await c.req.parseBody()), name };
    return save(c, { kind: 'put-feature', name, spec: featureOf(v) }, `Feature ${name} saved`, (issues) =>
      featureForm(c, name, v, featureErrors(issues), 400),
    );
  });
  app.post('/sites/:site/features/:name/delete', async (c) => {
    const name = c.req.param('name');
    return save(c, { kind: 'delete-feature', name }, `Feature ${name} deleted`, (issues) =>
      toSite(c, 'error', `Feature ${name} not deleted: ${issues.map((i) => i.message).join('; ')}`),
    );
  });

  // Models and their segments.
  const modelForm = (c: Context, id: string | null, v: Values, e: FieldErrors, status: 200 | 400 = 200) =>
    page(c, id ? `Model ${id}` : 'New model', modelPage(c.req.param('site')!, id, rowsOf(v), v, e), status);

  app.get('/sites/:site/new-model', async (c) =>
    (await siteOf(c)) ? modelForm(c, null, modelValues(null), {}) : missing(c, 'site'),
  );
  app.post('/sites/:site/new-model', async (c) => {
    const site = await siteOf(c);
    if (!site) return missing(c, 'site');
    const v = valuesOf(await c.req.parseBody());
    const id = get(v, 'id');
    if (site.definition.models.some((m) => m.id === id))
      return modelForm(
        c,
        null,
        withBlankRow(v),
        { id: [`a model "${id}" exists already: edit it instead`] },
        400,
      );
    const { model, rowOf } = modelOf(v, undefined);
    return save(c, { kind: 'put-model', id, model }, `Model ${id} added`, (issues) =>
      modelForm(c, null, withBlankRow(v), modelErrors(issues, rowOf), 400),
    );
  });
  app.get('/sites/:site/models/:model', async (c) => {
    const m = (await siteOf(c))?.definition.models.find((x) => x.id === c.req.param('model'));
    return m ? modelForm(c, m.id, modelValues(m), {}) : missing(c, 'site or model');
  });
  app.post('/sites/:site/models/:model', async (c) => {
    const id = c.req.param('model');
    const site = await siteOf(c);
    const v = { ...valuesOf(await c.req.parseBody()), id };
    const { model, rowOf } = modelOf(
      v,
      site?.definition.models.find((m) => m.id === id),
    );
    return save(c, { kind: 'put-model', id, model }, `Model ${id} saved`, (issues) =>
      modelForm(c, id, withBlankRow(v), modelErrors(issues, rowOf), 400),
    );
  });
  app.post('/sites/:site/models/:model/delete', async (c) => {
    const id = c.req.param('model');
    return save(c, { kind: 'delete-model', id }, `Model ${id} deleted`, (issues) =>
      toSite(c, 'error', `Model ${id} not deleted: ${issues.map((i) => i.message).join('; ')}`),
    );
  });

  // A segment's documentation card.
  const docPath = '/sites/:site/models/:model/segments/:segment/documentation';
  const segmentOf = async (c: Context) => {
    const model = (await siteOf(c))?.definition.models.find((m) => m.id === c.req.param('model'));
    const segment = model?.segments.find((s) => s.id === c.req.param('segment'));
    return model && segment ? { model, segment } : null;
  };
  app.get(docPath, async (c) => {
    const found = await segmentOf(c);
    if (!found) return missing(c, 'site, model or segment');
    const v = documentationValues(found.segment.documentation);
    return page(
      c,
      `Document ${found.segment.id}`,
      documentationPage(c.req.param('site'), found.model, found.segment, v, {}),
    );
  });
  app.post(docPath, async (c) => {
    const found = await segmentOf(c);
    if (!found) return missing(c, 'site, model or segment');
    const v = valuesOf(await c.req.parseBody());
    const doc = documentationOf(v);
    const { model, segment } = found;
    return save(
      c,
      { kind: 'put-documentation', model: model.id, segment: segment.id, doc },
      `Documentation of ${segment.id} saved`,
      (issues) =>
        page(
          c,
          `Document ${segment.id}`,
          documentationPage(c.req.param('site'), model, segment, v, documentationErrors(issues)),
          400,
        ),
    );
  });

  // Review and publish: the diff, the note and the button (the form posts to /admin/sites/:site/publish).
  app.get('/sites/:site/review', async (c) => {
    try {
      const d = await loadWorkingDiff(deps.store, c.req.param('site'));
      return page(c, `Review ${d.site}`, reviewPage(d, (d.publishedVersion ?? 0) + 1));
    } catch (e) {
      if (refusalOf(e)?.status === 404) return missing(c, 'site');
      throw e;
    }
  });

  return app;
}
