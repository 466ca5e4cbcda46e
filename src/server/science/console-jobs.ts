/**
 * The console's fits and trainings as jobs a page follows: the form's POST starts the job
 * (routes.ts startFitForSite / startTrainForSite) and answers 303 to the job's page, which shows its
 * progress while it runs and reloads itself (the HTTP `Refresh` header: the console's CSP allows no
 * script; the form's "reload" box, ticked by default, and the page's "Stop reloading" link turn it
 * off), then the result or the refusal. The results are kept in this process's memory, the last
 * MAX_KEPT jobs for KEEP_MS after they end: the jobs themselves run in this process's worker threads
 * (jobs.ts), so a page of a job started on another process of the same database is a 404 there.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { layout, type Html } from '../admin/views/layout.js';
import { actorOf, signedInAs } from '../admin/auth.js';
import type { ServerDeps } from '../runtime/deps.js';
import { refusalOf } from '../http/refusal.js';
import type { Logger } from '../ops/log.js';
import type { JobInfo } from './jobs.js';
import { addDraft, type Started } from './routes.js';

export const KEEP_MS = 60 * 60 * 1000;
export const MAX_KEPT = 50;
/** Seconds between two reloads of a running job's page. */
export const RELOAD_SECONDS = 2;

export type Failure = { status: 400 | 404 | 409 | 413 | 500; message: string; field?: string };

export type ConsoleJob<R> = {
  job: JobInfo;
  /** every progress line so far */
  lines: string[];
  state: 'running' | 'done' | 'failed';
  result?: R;
  failure?: Failure;
  endedAt?: number;
  /** what the form sent back (the k, the label column, …), to fill the form again */
  form: Record<string, string>;
};

/** The jobs the console started in this process, by id; `log` gets a job that failed for no refusal. */
export function consoleJobs(log: Logger) {
  const kept = new Map<string, ConsoleJob<unknown>>();

  const prune = () => {
    const now = Date.now();
    for (const [id, e] of kept) if (e.endedAt !== undefined && now - e.endedAt > KEEP_MS) kept.delete(id);
    const ended = [...kept.values()].filter((e) => e.endedAt !== undefined);
    for (const e of ended.slice(0, Math.max(0, ended.length - MAX_KEPT))) kept.delete(e.job.id);
  };

  return {
    /** The progress callback for a job about to start, and how to keep it once started. */
    track<R>(form: Record<string, string>) {
      const lines: string[] = [];
      return {
        onProgress: (line: string) => void lines.push(line),
        keep(started: Started<R>): ConsoleJob<R> {
          prune();
          const entry: ConsoleJob<R> = { job: started.job, lines, state: 'running', form };
          kept.set(started.job.id, entry as ConsoleJob<unknown>);
          started.result.then(
            (result) => Object.assign(entry, { state: 'done', result, endedAt: Date.now() }),
            (e: unknown) => {
              const refusal = refusalOf(e);
              const failure: Failure = refusal
                ? {
                    status: (refusal.status === 410 ? 409 : refusal.status) as Failure['status'],
                    message: refusal.message,
                    ...(refusal.field ? { field: refusal.field } : {}),
                  }
                : { status: 500, message: `the ${started.job.kind} failed (see the server's log)` };
              if (!refusal)
                log.error('console job failed', {
                  job: started.job.id,
                  error: e instanceof Error ? e.message : String(e),
                });
              Object.assign(entry, { state: 'failed', failure, endedAt: Date.now() });
            },
          );
          return entry;
        },
      };
    },
    /** The job `id` of `site` and `kind`, if this process keeps it. */
    get<R>(site: string, kind: JobInfo['kind'], id: string): ConsoleJob<R> | undefined {
      const e = kept.get(id);
      return e && e.job.site === site && e.job.kind === kind ? (e as ConsoleJob<R>) : undefined;
    },
  };
}

export type ConsoleJobs = ReturnType<typeof consoleJobs>;

/** The Refresh header of a running job's page, unless the user turned reloading off (?reload=0). */
export function reloadHeader(c: Context, entry: ConsoleJob<unknown>): Record<string, string> {
  return entry.state === 'running' && c.req.query('reload') !== '0' && entry.form['reload'] !== '0'
    ? { Refresh: String(RELOAD_SECONDS) }
    : {};
}

/** A running job's progress: what it does, the lines so far, reload and cancel. */
export function progressSection(
  c: Context,
  entry: ConsoleJob<unknown>,
  steps: number | undefined,
  cancelAction: string,
): Html {
  const { job, lines } = entry;
  const reloading = reloadHeader(c, entry).Refresh !== undefined;
  const seconds = Math.round((Date.now() - Date.parse(job.startedAt)) / 1000);
  const here = c.req.path;
  return html`<section data-testid="job-progress" aria-labelledby="progress-h">
    <h2 id="progress-h">The ${job.kind} is running</h2>
    <p role="status">
      Job <code>${job.id}</code>, started by ${job.actor} ${seconds} s ago:
      ${steps !== undefined ? html`<strong>${lines.length} of ${steps} steps done</strong>` : ''}
      ${lines.length ? '' : html`(reading the file)`}
    </p>
    ${
      steps !== undefined
        ? html`<progress max="${steps}" value="${lines.length}" aria-label="steps done">
            ${lines.length} of ${steps}
          </progress>`
        : ''
    }
    ${
      lines.length
        ? html`<ol class="small" data-testid="job-lines">
            ${lines.map((l) => html`<li>${l}</li>`)}
          </ol>`
        : ''
    }
    <p class="small muted">
      ${
        reloading
          ? html`This page reloads every ${RELOAD_SECONDS} s until the ${job.kind} ends.
              <a href="${here}?reload=0">Stop reloading</a>`
          : html`Reloading is off. <a href="${here}">Reload to see where it is</a>`
      }
    </p>
    <form method="post" action="${cancelAction}">
      <input type="hidden" name="job" value="${job.id}" />
      <button type="submit" data-testid="job-cancel">Cancel the ${job.kind}</button>
    </form>
  </section>`;
}

/** A console page of the science pages, in the console's layout, with its status and headers. */
export const sciencePage = (
  c: Context,
  title: string,
  body: Html,
  status: 200 | 400 | 404 | 409 | 413 | 500 = 200,
  headers: Record<string, string> = {},
) => c.html(layout(title, body, signedInAs(c)), status, headers);

/** The 404 page of a job this process does not hold (results are kept an hour, in the process that ran it). */
export function noSuchJob(c: Context, site: string, what: 'fit' | 'training', again: [string, string]) {
  return sciencePage(
    c,
    'Not found',
    html`<h1>No such ${what}</h1>
      <p>
        This server keeps a ${what}'s result for an hour after it ends, in the process that ran it.
        <a href="/admin/sites/${encodeURIComponent(site)}/${again[0]}">${again[1]}</a>
      </p>`,
    404,
  );
}

/**
 * `POST /sites/:site/<kind>/draft`: the result's model (a JSON form field) added to the working copy,
 * then back to the site page with a banner; a refusal answers `refused(c, site, message)` (400), an
 * unknown site the console's 404.
 */
export function draftRoute(
  app: Hono,
  deps: ServerDeps,
  kind: 'fit' | 'train',
  refused: (c: Context, site: string, message: string) => Response | Promise<Response>,
): void {
  app.post(`/sites/:site/${kind}/draft`, async (c) => {
    const site = c.req.param('site');
    const body = await c.req.parseBody();
    let model: unknown;
    try {
      model = JSON.parse(typeof body['model'] === 'string' ? body['model'] : '');
    } catch {
      return refused(c, site, 'the draft model is not JSON');
    }
    try {
      const out = await addDraft(deps, site, model, actorOf(c));
      return c.redirect(
        `/admin/sites/${encodeURIComponent(site)}?ok=${encodeURIComponent(`added draft model ${out.model}`)}`,
        303,
      );
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal?.status === 404) return sciencePage(c, 'Not found', html`<h1>No such site</h1>`, 404);
      if (refusal) return refused(c, site, refusal.message);
      throw e;
    }
  });
}
