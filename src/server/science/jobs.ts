/**
 * The server's science jobs: every fit and training the console or the admin API asks for runs in
 * its own worker thread (node:worker_threads, entry worker.ts, shipped as dist/science-worker.mjs),
 * so the event loop keeps answering (/healthz, the collector) while k-means or cross-validation
 * runs. Hand-rolled rather than a pool (piscina, tinypool): a job is rare, long and one per site,
 * and ends with its thread, whether it finishes, is cancelled or passes the time cap; a pool would
 * keep idle threads (and TensorFlow.js's memory) for nothing, and terminating is all the
 * cancellation needed. Caps (ScienceLimits, from EDSEG_SCIENCE_* or the app options):
 * - rows of the CSV (413 naming `csv`, checked in the worker once the table is parsed);
 * - the k range (400 naming `k`), checked here before any thread starts;
 * - time: past maxSeconds the thread is terminated and the request answers 413;
 * - one job per site (a second is 409 naming the running job) and maxJobs on the whole server (409);
 * - the console's upload (maxUploadMB, default 20): the body limit of its fit and train forms only,
 *   applied by the app's guard (http/guard.ts) with the page of upload-limit.ts.
 * cancel() terminates the thread; the job's request answers 409 naming who cancelled it.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScienceJob } from '../../core/schema.js';
import { Refusal } from '../http/refusal.js';
import { parseKs } from './fit.js';
import type { ScienceTask, TaskOutcome } from './tasks.js';
import type { WorkerMessage } from './worker.js';

export type ScienceLimits = {
  /** rows of a CSV a fit or training reads at most (EDSEG_SCIENCE_MAX_ROWS) */
  maxRows: number;
  /** the largest k a fit may ask for (EDSEG_SCIENCE_MAX_K) */
  maxK: number;
  /** seconds a job may run before its thread is terminated (EDSEG_SCIENCE_MAX_SECONDS) */
  maxSeconds: number;
  /** jobs running at once on the whole server (EDSEG_SCIENCE_JOBS) */
  maxJobs: number;
  /** megabytes (MiB) of a console fit or train upload, the whole form body (EDSEG_SCIENCE_MAX_UPLOAD_MB) */
  maxUploadMB: number;
};

export const DEFAULT_SCIENCE_LIMITS: ScienceLimits = {
  maxRows: 50_000,
  maxK: 12,
  maxSeconds: 300,
  maxJobs: Math.max(1, availableParallelism() - 1),
  maxUploadMB: 20,
};

const ENV: Record<keyof ScienceLimits, string> = {
  maxRows: 'EDSEG_SCIENCE_MAX_ROWS',
  maxK: 'EDSEG_SCIENCE_MAX_K',
  maxSeconds: 'EDSEG_SCIENCE_MAX_SECONDS',
  maxJobs: 'EDSEG_SCIENCE_JOBS',
  maxUploadMB: 'EDSEG_SCIENCE_MAX_UPLOAD_MB',
};

/** The limits set in `env` (EDSEG_SCIENCE_*); a value that is not a whole number >= 1 (k: >= 2) throws naming it. */
export function scienceLimitsFromEnv(env: Record<string, string | undefined>): Partial<ScienceLimits> {
  const out: Partial<ScienceLimits> = {};
  for (const [key, name] of Object.entries(ENV) as [keyof ScienceLimits, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const v = Number(text);
    const min = key === 'maxK' ? 2 : 1;
    if (!Number.isInteger(v) || v < min || (key === 'maxK' && v > 50))
      throw new Error(
        `${name} must be a whole number ${key === 'maxK' ? 'in [2, 50]' : `of at least ${min}`}, got "${text}"`,
      );
    out[key] = v;
  }
  return out;
}

export type JobInfo = ScienceJob;

/** The 409 for a site that already runs a job: names the job, and carries it in the answer. */
export class JobRunning extends Refusal {
  constructor(readonly job: JobInfo) {
    super(
      409,
      `a ${job.kind} (job ${job.id}, started by ${job.actor} at ${job.startedAt}) is running for site "${job.site}": ` +
        `wait for it or cancel it (DELETE /admin/api/sites/${job.site}/jobs/${job.id})`,
      'site',
    );
  }

  override get body() {
    return { ...super.body, job: this.job };
  }
}

/** Where the worker entry is: dist/science-worker.mjs beside the bundle, or worker.ts under tsx/vitest. */
function startWorker(task: ScienceTask): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./science-worker.mjs', here), { workerData: task });
  // Sources (tests, tsx): Node 20 applies no --import hook to a worker's .ts entry, so a small registers tsx in the thread first, then imports worker.ts.
  // CommonJS bootstrap registers tsx's ESM hooks (tsx/esm/api, beside its main dist/loader.mjs)
  // in the thread first, then imports worker.ts.
  const api = new URL('./esm/api/index.mjs', pathToFileURL(createRequire(here).resolve('tsx'))).href;
  const entry = new URL('./worker.ts', here).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(boot, { eval: true, workerData: task });
}

export type ScienceJobs = {
  readonly limits: ScienceLimits;
  /** the k of a range text (`4`, `2..8`) within the cap, or a 400 naming `k` */
  ks(text: string | undefined): number[];
  /** runs `task` for `site` in a worker thread: its outcome, or a Refusal (400/413 input, 409 busy or cancelled) */
  run<T extends ScienceTask>(site: string, actor: string, task: Omit<T, 'maxRows'>): Promise<TaskOutcome<T>>;
  /**
   * The same as run, but answers at once with the job (its id, for a page that follows it) and the
   * outcome's promise; a site or server already busy throws the 409 Refusal here, before any thread.
   */
  start<T extends ScienceTask>(
    site: string,
    actor: string,
    task: Omit<T, 'maxRows'>,
    /** each progress line as the worker posts it (job.progress keeps the last) */
    onProgress?: (line: string) => void,
  ): { job: JobInfo; done: Promise<TaskOutcome<T>> };
  /** the job running for `site`, if any */
  current(site: string): JobInfo | undefined;
  /** terminates the site's job (`id`, when given, must be it): the job, or a 404 */
  cancel(site: string, by: string, id?: string): Promise<JobInfo>;
  /** terminates every job (server shutdown) */
  stopAll(): Promise<void>;
  /** worker threads alive now (a terminated one counts until it has exited) */
  threads(): number;
};

type Running = { info: JobInfo; worker: Worker; stop: (why: Refusal) => void };

export function createScienceJobs(limits: Partial<ScienceLimits> = {}): ScienceJobs {
  const caps: ScienceLimits = { ...DEFAULT_SCIENCE_LIMITS, ...limits };
  const running = new Map<string, Running>();
  let threads = 0;

  const ks = (text: string | undefined): number[] => {
    let list: number[];
    try {
      list = parseKs(text);
    } catch (e) {
      throw new Refusal(400, (e as Error).message.replace(/^--k/, 'k'), 'k');
    }
    if (Math.max(...list) > caps.maxK)
      throw new Refusal(
        400,
        `k must be at most ${caps.maxK} on this server (EDSEG_SCIENCE_MAX_K), got "${text}"`,
        'k',
      );
    return list;
  };

  const start = <T extends ScienceTask>(
    site: string,
    actor: string,
    task: Omit<T, 'maxRows'>,
    onProgress?: (line: string) => void,
  ) => {
    const busy = running.get(site);
    if (busy) throw new JobRunning(busy.info);
    if (running.size >= caps.maxJobs)
      throw new Refusal(
        409,
        `this server runs ${caps.maxJobs} science job(s) at a time (EDSEG_SCIENCE_JOBS) and is busy: try again when it is done`,
      );
    const info: JobInfo = {
      id: randomUUID(),
      site,
      kind: task.kind,
      actor,
      startedAt: new Date().toISOString(),
    };
    const worker = startWorker({ ...task, maxRows: caps.maxRows } as unknown as ScienceTask);
    threads++;
    worker.once('exit', () => threads--);
    const done = new Promise<TaskOutcome<T>>((resolve, reject) => {
      let done = false;
      const finish = (err: unknown, outcome?: TaskOutcome<T>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (running.get(site)?.info.id === info.id) running.delete(site);
        void worker.terminate();
        if (err) reject(err);
        else resolve(outcome!);
      };
      const timer = setTimeout(
        () =>
          finish(
            new Refusal(
              413,
              `the ${task.kind} ran past the server's cap of ${caps.maxSeconds} s (EDSEG_SCIENCE_MAX_SECONDS) and was stopped: give fewer rows or a smaller k range`,
              'csv',
            ),
          ),
        caps.maxSeconds * 1000,
      );
      running.set(site, { info, worker, stop: (why) => finish(why) });
      worker.on('message', (m: WorkerMessage) => {
        if ('progress' in m) {
          info.progress = m.progress;
          onProgress?.(m.progress);
        } else if ('outcome' in m) finish(undefined, m.outcome as TaskOutcome<T>);
        else
          finish(
            m.status
              ? new Refusal(m.status, m.error, m.field)
              : new Error(`the ${task.kind} failed: ${m.error}`),
          );
      });
      worker.on('error', (e) => finish(e));
      worker.on('exit', (code) =>
        finish(new Error(`the ${task.kind}'s worker thread exited (code ${code})`)),
      );
    });
    return { job: info, done };
  };

  const run = <T extends ScienceTask>(site: string, actor: string, task: Omit<T, 'maxRows'>) => {
    try {
      return start<T>(site, actor, task).done;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  };

  return {
    limits: caps,
    ks,
    run,
    start,
    current: (site) => running.get(site)?.info,
    async cancel(site, by, id) {
      const job = running.get(site);
      if (!job || (id !== undefined && job.info.id !== id))
        throw new Refusal(404, `no job ${id ?? ''} is running for site "${site}"`.replace('  ', ' '), 'job');
      job.stop(new Refusal(409, `the ${job.info.kind} (job ${job.info.id}) was cancelled by ${by}`));
      return job.info;
    },
    threads: () => threads,
    async stopAll() {
      for (const job of [...running.values()]) job.stop(new Refusal(409, 'the server is shutting down'));
    },
  };
}
