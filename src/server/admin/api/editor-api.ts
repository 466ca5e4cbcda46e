/**
 * The admin API's routes that edit a site's working copy (src/server/sites/editor.ts) and show what a
 * publish would change. Mounted by api.ts behind its token check. A refused edit answers 400
 * { error, field } naming the first failing field (`feature.clip`, `model.centroids.1`,
 * `documentation.criteria`); an unknown site, feature, model or segment 404 naming which.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { WorkingEdit } from '../../../core/edit.js';
import { unknownSite } from '../../http/refusal.js';
import type { WorkingCopyView, WorkingDiff, WorkingEdited } from '../../../core/schema.js';
import type { ServerDeps } from '../../runtime/deps.js';
import { editWorkingCopy, loadWorkingDiff } from '../../sites/editor.js';
import { readJson } from '../../http/body.js';

/** The editing routes; `actor` names who asked, for the audit log. */
export function editorApi(deps: ServerDeps, actor: (c: Context) => string): Hono {
  const api = new Hono();
  const edit = async (c: Context, e: WorkingEdit) =>
    c.json(
      (await editWorkingCopy(deps.store, c.req.param('site')!, e, {
        actor: actor(c),
        now: deps.now(),
      })) satisfies WorkingEdited,
    );

  api.get('/sites/:site/working', async (c) => {
    const site = await deps.store.getSite(c.req.param('site'));
    if (!site) throw unknownSite(c.req.param('site'));
    const { id, origins, definition, policy } = site;
    return c.json({ site: id, origins, definition, policy } satisfies WorkingCopyView);
  });
  api.get('/sites/:site/diff', async (c) =>
    c.json((await loadWorkingDiff(deps.store, c.req.param('site'))) satisfies WorkingDiff),
  );

  api.put('/sites/:site/features/:feature', async (c) =>
    edit(c, { kind: 'put-feature', name: c.req.param('feature'), spec: await readJson(c) }),
  );
  api.delete('/sites/:site/features/:feature', (c) =>
    edit(c, { kind: 'delete-feature', name: c.req.param('feature') }),
  );
  api.put('/sites/:site/models/:model', async (c) =>
    edit(c, { kind: 'put-model', id: c.req.param('model'), model: await readJson(c) }),
  );
  api.delete('/sites/:site/models/:model', (c) =>
    edit(c, { kind: 'delete-model', id: c.req.param('model') }),
  );
  api.put('/sites/:site/models/:model/segments/:segment/documentation', async (c) =>
    edit(c, {
      kind: 'put-documentation',
      model: c.req.param('model'),
      segment: c.req.param('segment'),
      doc: await readJson(c),
    }),
  );
  return api;
}
