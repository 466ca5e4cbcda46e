/**
 * The data-science routes of the admin API, mounted under /admin/api by admin/api/api.ts (behind its
 * bearer check): a draft model into a site's working copy, and a site's drift report.
 *
 *   POST /admin/api/sites/:site/drafts  { model }  -> 201 { site, model, models }: the model (a
 *        centroids or softmax Model, e.g. from edseg-admin fit / train) appended to the working copy;
 *        400 naming the field (model.*, a feature the site does not define, an id already taken),
 *        404 for an unknown site. Nothing is published: an editor names, documents and publishes it.
 *   GET  /admin/api/sites/:site/drift[?version=N] -> SiteDrift (science/drift.ts)
 */
import { Hono } from 'hono';
import { Refusal, unknownSite } from '../http/refusal.js';
import { Model, parseOrThrow } from '../../core/schema.js';
import { actorOf } from '../admin/auth.js';
import type { ServerDeps } from '../runtime/deps.js';
import { editWorkingCopy } from '../sites/editor.js';
import { readJson } from '../http/body.js';
import { siteDrift, versionParam } from './drift.js';

/**
 * Appends the draft `raw` (a Model) to the working copy of site `id`: a 400 Refusal naming the
 * field (model.*, a feature the site does not define, a taken model or segment id), 404 for an
 * unknown site; audited (`draft`). The API route and the console's fit page both call it.
 */
export async function addDraft(
  deps: ServerDeps,
  id: string,
  raw: unknown,
  actor: string,
): Promise<{ site: string; model: string; models: string[] }> {
  const site = await deps.store.getSite(id);
  if (!site) throw unknownSite(id);
  if (raw === undefined) throw new Refusal(400, 'the body needs a "model"', 'model');
  const modelId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  if (typeof modelId !== 'string') parseOrThrow(Model, raw, 'model'); // names the field (model.id)
  const mid = modelId as string;
  // A draft adds a model; replacing one is the model editor's (PUT .../models/:model).
  if (site.definition.models.some((m) => m.id === mid))
    throw new Refusal(400, `the site already has a model "${mid}"`, 'model.id');
  // The editor's own put-model edit: the schema, the site's features, segment ids no other model
  // uses and every rule a manifest keeps, named in the model's terms; one transaction with its audit entry.
  await editWorkingCopy(
    deps.store,
    id,
    { kind: 'put-model', id: mid, model: raw },
    { actor, now: deps.now() },
  );
  return { site: id, model: mid, models: [...site.definition.models.map((m) => m.id), mid] };
}

export function scienceApi(deps: ServerDeps): Hono {
  const api = new Hono();

  api.post('/sites/:site/drafts', async (c) => {
    const body = await readJson(c);
    const raw =
      typeof body === 'object' && body !== null && 'model' in body
        ? (body as { model: unknown }).model
        : undefined;
    return c.json(await addDraft(deps, c.req.param('site'), raw, actorOf(c)), 201);
  });

  api.get('/sites/:site/drift', async (c) =>
    c.json(await siteDrift(deps, c.req.param('site'), versionParam(c.req.query('version')))),
  );

  return api;
}
