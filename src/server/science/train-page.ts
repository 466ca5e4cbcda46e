/**
 * The console's train page, /admin/sites/:site/train (behind the console session, inside adminPages):
 * a predictive segment from a labelled learner CSV, the same training as `edseg-admin train`.
 * Two steps, since the console's CSP allows no script: (1) upload the CSV (field `csv`, up to the
 * upload limit, upload-limit.ts); the server keeps it (in this process, an hour) and answers a form
 * whose `label` select lists the file's own columns, each with what it holds (how many distinct
 * values, the first few; numeric or not), the model kind (softmax, or mlp: a small dense network)
 * and the folds; (2) that form's post starts the training in a worker thread (routes.ts
 * startTrainForSite) and answers 303 to the job's page, /admin/sites/:site/train/jobs/:job: its
 * progress (one line per fold), then the cross-validation figures, the calibration chart and a
 * button that adds the draft model to the working copy (editors and above), or the refusal naming
 * the field, with the column chooser again. The CSV recipe: docs/EVALUATION.md.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { refusalOf } from '../http/refusal.js';
import { actorOf } from '../admin/auth.js';
import type { ServerDeps } from '../runtime/deps.js';
import {
  consoleJobs,
  draftRoute,
  noSuchJob,
  progressSection,
  reloadHeader,
  sciencePage,
  type ConsoleJobs,
} from './console-jobs.js';
import { startTrainForSite, type TrainResult } from './routes.js';
import { chooseForm, resultSection, uploadForm, type Choice } from './train-view.js';

/** An uploaded CSV kept between the two steps. */
type Kept = { site: string; file: string; text: string; at: number };
const KEEP_UPLOAD_MS = 60 * 60 * 1000;
const MAX_UPLOADS = 8;

export function trainPages(deps: ServerDeps, jobs: ConsoleJobs = consoleJobs(deps.ops.log)): Hono {
  const app = new Hono();
  const maxMB = deps.science.limits.maxUploadMB;
  const uploads = new Map<string, Kept>();
  const page = sciencePage;
  const noSite = (c: Context) => page(c, 'Not found', html`<h1>No such site</h1>`, 404);
  const keep = (site: string, file: string, text: string): string => {
    const now = Date.now();
    for (const [id, k] of uploads) if (now - k.at > KEEP_UPLOAD_MS) uploads.delete(id);
    while (uploads.size >= MAX_UPLOADS) uploads.delete(uploads.keys().next().value!);
    const id = randomUUID();
    uploads.set(id, { site, file, text, at: now });
    return id;
  };
  const str = (v: unknown, dflt: string) => (typeof v === 'string' ? v : dflt);

  app.get('/sites/:site/train', async (c) => {
    const site = c.req.param('site');
    if (!(await deps.store.getSite(site))) return noSite(c);
    const ok = c.req.query('ok');
    return page(
      c,
      `Train ${site}`,
      html`${ok ? html`<p class="flash">${ok}</p>` : ''}${uploadForm(site, maxMB)}`,
    );
  });

  app.post('/sites/:site/train', async (c) => {
    const site = c.req.param('site');
    if (!(await deps.store.getSite(site))) return noSite(c);
    const body = await c.req.parseBody();
    const file = body['csv'];
    let upload = str(body['upload'], '');
    if (file instanceof File && file.size > 0)
      upload = keep(site, file.name || 'upload.csv', await file.text());
    const kept = uploads.get(upload);
    if (!kept || kept.site !== site)
      return page(
        c,
        `Train ${site}`,
        uploadForm(
          site,
          maxMB,
          upload ? 'csv: that upload is no longer kept: upload the file again' : 'csv: choose a CSV file',
        ),
        400,
      );
    const choice: Choice = {
      ...(typeof body['label'] === 'string' ? { label: body['label'] } : {}),
      model: str(body['model'], 'softmax'),
      folds: str(body['folds'], '5'),
      hidden: str(body['hidden'], '16'),
      reload: body['reload'] === '1' || body['label'] === undefined ? '1' : '0',
    };
    const again = (message: string | undefined, field: string | undefined, status: 200 | 400 | 409 | 413) =>
      page(c, `Train ${site}`, chooseForm(site, upload, kept, maxMB, choice, message, field), status);
    if (choice.label === undefined) return again(undefined, undefined, 200);
    if (choice.label.trim() === '')
      return again("choose the column that holds each learner's class", 'label', 400);
    const folds = Number(choice.folds);
    if (!Number.isInteger(folds) || folds < 2 || folds > 20)
      return again(`must be a whole number from 2 to 20, got "${choice.folds}"`, 'folds', 400);
    if (choice.model !== 'softmax' && choice.model !== 'mlp')
      return again(`must be softmax or mlp, got "${choice.model}"`, 'model', 400);
    const hidden = choice.hidden.split(',').map((w) => Number(w.trim()));
    if (hidden.length > 2 || !hidden.every((w) => Number.isInteger(w) && w >= 1 && w <= 256))
      return again(
        `must be one or two whole widths from 1 to 256, like 16 or 16,8, got "${choice.hidden}"`,
        'hidden',
        400,
      );
    const tracking = jobs.track<TrainResult>({ upload, ...choice, label: choice.label });
    try {
      const started = await startTrainForSite(
        deps,
        site,
        actorOf(c),
        { csv: kept.text, file: kept.file, label: choice.label, folds, model: choice.model, hidden },
        tracking.onProgress,
      );
      const entry = tracking.keep(started);
      return c.redirect(
        `/admin/sites/${encodeURIComponent(site)}/train/jobs/${entry.job.id}${choice.reload === '1' ? '' : '?reload=0'}`,
        303,
      );
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      if (refusal.status === 404) return noSite(c);
      return again(
        refusal.message,
        refusal.field,
        refusal.status === 410 ? 409 : (refusal.status as 400 | 409 | 413),
      );
    }
  });

  app.get('/sites/:site/train/jobs/:job', async (c) => {
    const site = c.req.param('site');
    const entry = jobs.get<TrainResult>(site, 'train', c.req.param('job'));
    if (!entry) return noSuchJob(c, site, 'training', ['train', 'Train a model']);
    const f = entry.form;
    const choice: Choice = {
      label: f['label']!,
      model: f['model'] ?? 'softmax',
      folds: f['folds'] ?? '5',
      hidden: f['hidden'] ?? '16',
      reload: f['reload'] ?? '1',
    };
    if (entry.state === 'failed') {
      const fail = entry.failure!;
      const kept = uploads.get(f['upload'] ?? '');
      const body = kept
        ? chooseForm(site, f['upload']!, kept, maxMB, choice, fail.message, fail.field)
        : uploadForm(site, maxMB, `${fail.field ? `${fail.field}: ` : ''}${fail.message}`);
      return page(c, `Train ${site}`, body, fail.status);
    }
    if (entry.state === 'running') {
      const cancel = `/admin/sites/${encodeURIComponent(site)}/train/cancel`;
      return page(
        c,
        `Train ${site} (running)`,
        html`<h1>Train a predictive segment · <code>${site}</code></h1>
          ${progressSection(c, entry, Number(choice.folds), cancel)}`,
        200,
        reloadHeader(c, entry),
      );
    }
    return page(
      c,
      `Train ${site}`,
      html`<h1>Train a predictive segment · <code>${site}</code></h1>
        <p>
          Label column <code>${choice.label}</code> of ${entry.result!.outcome.inputs.rows} rows.
          <a href="/admin/sites/${encodeURIComponent(site)}/train">Train another</a>
        </p>
        ${resultSection(c, site, entry.result!)}`,
    );
  });

  app.post('/sites/:site/train/cancel', async (c) => {
    const site = c.req.param('site');
    const body = await c.req.parseBody();
    const id = str(body['job'], '') || undefined;
    try {
      const job = await deps.science.cancel(site, actorOf(c), id);
      const ok = `cancelled the ${job.kind} (job ${job.id})`;
      return c.redirect(`/admin/sites/${encodeURIComponent(site)}/train?ok=${encodeURIComponent(ok)}`, 303);
    } catch (e) {
      const refusal = refusalOf(e);
      if (!refusal) throw e;
      return page(c, `Train ${site}`, uploadForm(site, maxMB, refusal.message), 404);
    }
  });

  draftRoute(app, deps, 'train', (c, site, message) =>
    page(c, `Train ${site}`, uploadForm(site, maxMB, message), 400),
  );

  return app;
}
