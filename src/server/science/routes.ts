/**
 * The data-science routes of the admin API, mounted under /admin/api by admin/api.ts (behind its
 * bearer check): a draft model into a site's working copy, and a site's drift report.
 *
 *   POST /admin/api/sites/:site/drafts  { model }  -> 201 { site, model, models }: the model (a
 *        centroids or softmax Model, e.g. from edseg-admin fit / train) appended to the working copy;
 *        400 naming the field (model.*, a feature the site does not define, an id already taken),
 *        404 for an unknown site. Nothing is published: an editor names, documents and publishes it.
 *   GET  /admin/api/sites/:site/drift[?version=N] -> SiteDrift (science/drift.ts)
 */
import { Hono } from 'hono';
import { EdsegError } from '../../core/errors.js';
import { Model, parseOrThrow } from '../../core/schema.js';
import { actorOf } from '../admin/auth.js';
import type { ServerDeps } from '../deps.js';
import { readJson } from '../http.js';
import { siteDrift, versionParam } from './drift.js';

/**
 * Appends the draft `raw` (a Model) to the working copy of site `id`: EdsegError 400 naming the
 * field (model.*, a feature the site does not define, a taken model or segment id), 404 for an
 * unknown site; audited (`draft`). The API route and the console's fit page both call it.
 */
export async function addDraft(
  deps: ServerDeps,
  id: string,
  raw: unknown,
  actor: string,
): Promise<{ site: string; model: string; models: string[] }> {
  if (raw === undefined) throw new EdsegError('invalid-input', 'the body needs a "model"', 'model');
  const model = parseOrThrow(Model, raw, 'model');
  const site = await deps.store.getSite(id);
  if (!site) throw new EdsegError('not-found', `unknown site "${id}"`, 'site');
  const features = new Set(site.definition.features.map((f) => f.name));
  model.features.forEach((f, i) => {
    if (!features.has(f))
      throw new EdsegError('invalid-input', `the site defines no feature "${f}"`, `model.features.${i}`);
  });
  if (site.definition.models.some((m) => m.id === model.id))
    throw new EdsegError('invalid-input', `the site already has a model "${model.id}"`, 'model.id');
  const taken = new Set(site.definition.models.flatMap((m) => m.segments.map((s) => s.id)));
  model.segments.forEach((s, i) => {
    if (taken.has(s.id))
      throw new EdsegError(
        'invalid-input',
        `segment id "${s.id}" is taken by another model`,
        `model.segments.${i}.id`,
      );
  });
  const now = deps.now().toISOString();
  const models = [...site.definition.models, model];
  await deps.store.updateSite(id, { definition: { ...site.definition, models } }, now);
  await deps.store.appendAudit({
    at: now,
    actor,
    action: 'draft',
    site: id,
    version: null,
    summary: `added draft model ${model.id} (${model.kind}, ${model.segments.length} segments) to the working copy`,
    detail: { model: model.id, kind: model.kind, features: model.features },
  });
  return { site: id, model: model.id, models: models.map((m) => m.id) };
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
