/**
 * The data-science routes of the admin API, mounted under /admin/api by admin/api/api.ts (behind its
 * bearer check): a draft model into a site's working copy, a site's drift report, and fits and
 * trainings run by the server in a worker thread (jobs.ts), one at a time per site, cancellable.
 *
 *   POST /admin/api/sites/:site/drafts  { model }  -> 201 { site, model, models }: the model (a
 *        centroids, softmax or mlp Model, e.g. from edseg-admin fit / train) appended to the working copy;
 *        400 naming the field (model.*, a feature the site does not define, an id already taken),
 *        404 for an unknown site. Nothing is published: an editor names, documents and publishes it.
 *   GET  /admin/api/sites/:site/drift[?version=N] -> SiteDrift (science/drift.ts)
 *   POST /admin/api/sites/:site/fit    FitRequest   -> 200 fitSummary + { model } (the draft, not added)
 *   POST /admin/api/sites/:site/train  TrainRequest -> 200 validation + { kind, l2, hidden?, features, model }
 *        Both: 400 naming the field (csv, k, label, ...), 413 naming csv past the row cap or the time
 *        cap, 409 naming the running job when the site runs one (or when this one is cancelled).
 *   GET    /admin/api/sites/:site/jobs      -> { job: ScienceJob | null }, the job running now
 *   DELETE /admin/api/sites/:site/jobs/:job -> { cancelled: ScienceJob }: terminates it; 404 if not running
 */
import { Hono } from 'hono';
import { Refusal, unknownSite } from '../http/refusal.js';
import {
  FitRequest,
  Model,
  TrainRequest,
  parseOrThrow,
  type CentroidModel,
  type MlpModel,
  type SoftmaxModel,
} from '../../core/schema.js';
import { actorOf } from '../admin/auth.js';
import type { ServerDeps } from '../runtime/deps.js';
import { editWorkingCopy } from '../sites/editor.js';
import { readJson } from '../http/body.js';
import { siteDrift, versionParam } from './drift.js';
import { draftModel, fitSummary } from './fit.js';
import type { FitOutcome, FitTask, TrainOutcome, TrainTask } from './tasks.js';
import type { JobInfo } from './jobs.js';
import { mlpModel, softmaxModel, validationText } from './drafts.js';

const today = (deps: ServerDeps) => deps.now().toISOString().slice(0, 10);

export type FitResult = { outcome: FitOutcome; model: CentroidModel; chosen: number };
export type TrainResult = { outcome: TrainOutcome; model: SoftmaxModel | MlpModel; l2: number };
/** A job started for a site: at once its info, later its result (or the Refusal). */
export type Started<R> = { job: JobInfo; result: Promise<R> };

/**
 * Starts the fit of `req.csv` for site `id` in a worker thread (deps.science) with the site's feature
 * specs; the result drafts the model of the chosen k (not added). Refusals as the routes answer them
 * (see above): an unknown site, a bad k or a busy site are thrown here, the input's in `result`.
 */
export async function startFitForSite(
  deps: ServerDeps,
  id: string,
  actor: string,
  req: FitRequest,
  onProgress?: (line: string) => void,
): Promise<Started<FitResult>> {
  const site = await deps.store.getSite(id);
  if (!site) throw unknownSite(id);
  const ks = deps.science.ks(req.k ?? '2..8');
  const file = req.file ?? 'upload.csv';
  const { job, done } = deps.science.start<FitTask>(
    id,
    actor,
    {
      kind: 'fit',
      table: {
        file,
        text: req.csv,
        specs: site.definition.features,
        ...(req.idColumn !== undefined ? { idColumn: req.idColumn } : {}),
        ...(req.features !== undefined ? { features: req.features } : {}),
      },
      ks,
      seed: req.seed ?? 1,
      ...(req.restarts !== undefined ? { restarts: req.restarts } : {}),
      ...(req.charts ? { charts: req.choose ?? 'best' } : {}),
    },
    onProgress,
  );
  const result = done.then((outcome) => {
    const chosen = req.choose ?? outcome.fit.best;
    if (!outcome.fit.ks.some((r) => r.k === chosen))
      throw new Refusal(400, `choose ${chosen} is not among the fitted k (${ks.join(', ')})`, 'choose');
    const model = draftModel(outcome.fit, chosen, {
      id: req.modelId ?? `fit-k${chosen}`,
      ...(req.purpose ? { purpose: req.purpose } : {}),
      source: file,
      date: today(deps),
    });
    return { outcome, model, chosen };
  });
  return { job, result };
}

/** Fits `req.csv` for site `id` and waits for it (startFitForSite, then its result). */
export async function fitForSite(
  deps: ServerDeps,
  id: string,
  actor: string,
  req: FitRequest,
): Promise<FitResult> {
  return (await startFitForSite(deps, id, actor, req)).result;
}

/** Starts the training on `req.csv` for site `id` in a worker thread; the result drafts the softmax or mlp model (not added). */
export async function startTrainForSite(
  deps: ServerDeps,
  id: string,
  actor: string,
  req: TrainRequest,
  onProgress?: (line: string) => void,
): Promise<Started<TrainResult>> {
  const site = await deps.store.getSite(id);
  if (!site) throw unknownSite(id);
  const file = req.file ?? 'upload.csv';
  const l2 = req.l2 ?? 0.01;
  const { job, done } = deps.science.start<TrainTask>(
    id,
    actor,
    {
      kind: 'train',
      table: {
        file,
        text: req.csv,
        specs: site.definition.features,
        ...(req.idColumn !== undefined ? { idColumn: req.idColumn } : {}),
        ...(req.features !== undefined ? { features: req.features } : {}),
      },
      label: req.label,
      folds: req.folds ?? 5,
      seed: req.seed ?? 1,
      l2,
      ...(req.model ? { model: req.model } : {}),
      ...(req.hidden ? { hidden: req.hidden } : {}),
    },
    onProgress,
  );
  const result = done.then((outcome) => {
    const { fit } = outcome;
    const args = [
      req.modelId ?? `train-${req.label}`.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64),
      req.purpose ?? 'instruction',
      outcome.inputs.features,
      outcome.classes,
    ] as const;
    const docs = [validationText(outcome.validation, file, fit.model), file, today(deps)] as const;
    const model = fit.model === 'mlp' ? mlpModel(...args, fit, ...docs) : softmaxModel(...args, fit, ...docs);
    return { outcome, model, l2 };
  });
  return { job, result };
}

/** Trains on `req.csv` for site `id` and waits for it (startTrainForSite, then its result). */
export async function trainForSite(
  deps: ServerDeps,
  id: string,
  actor: string,
  req: TrainRequest,
): Promise<TrainResult> {
  return (await startTrainForSite(deps, id, actor, req)).result;
}

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

  const knownSite = async (site: string): Promise<void> => {
    if (!(await deps.store.getSite(site))) throw unknownSite(site);
  };

  api.post('/sites/:site/fit', async (c) => {
    await knownSite(c.req.param('site')); // an unknown site is 404 before its body is read
    const req = parseOrThrow(FitRequest, await readJson(c));
    const { outcome, model, chosen } = await fitForSite(deps, c.req.param('site'), actorOf(c), req);
    const { normalisation, normalisedBy } = outcome.inputs;
    const charts = outcome.charts ? { charts: outcome.charts } : {};
    return c.json({ ...fitSummary(outcome.fit, chosen, { normalisedBy, normalisation }), model, ...charts });
  });

  api.post('/sites/:site/train', async (c) => {
    await knownSite(c.req.param('site')); // an unknown site is 404 before its body is read
    const req = parseOrThrow(TrainRequest, await readJson(c));
    const { outcome, model, l2 } = await trainForSite(deps, c.req.param('site'), actorOf(c), req);
    const { features, normalisedBy } = outcome.inputs;
    const kind = outcome.fit.model;
    const hidden =
      outcome.fit.model === 'mlp'
        ? { hidden: outcome.fit.layers.slice(0, -1).map((l) => l.bias.length) }
        : {};
    return c.json({ ...outcome.validation, kind, l2, ...hidden, features, normalisedBy, model });
  });

  api.get('/sites/:site/jobs', async (c) => {
    const site = c.req.param('site');
    await knownSite(site);
    return c.json({ job: deps.science.current(site) ?? null });
  });

  api.delete('/sites/:site/jobs/:job', async (c) => {
    await knownSite(c.req.param('site'));
    return c.json({
      cancelled: await deps.science.cancel(c.req.param('site'), actorOf(c), c.req.param('job')),
    });
  });

  return api;
}
