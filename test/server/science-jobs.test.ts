/**
 * Fit and train run off the event loop (issue 19 point 6): in worker threads (science/jobs.ts), one at
 * a time per site, under caps on rows, k and time, cancellable. The first test is the review's
 * repro: a 60 KB CSV of 30,000 rows, k = 2..8, posted to the console's fit page, while /healthz is
 * polled every 25 ms; on main the fit ran on the event loop for about a minute and every poll waited.
 */
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { optionsFrom } from '../../src/server/cli.js';
import { createScienceJobs } from '../../src/server/science/jobs.js';
import { runTask, type FitTask, type TrainTask } from '../../src/server/science/tasks.js';
import { ADMIN_TOKEN, ORIGIN, adminApiOf, appOf, bearer, form, json, useServer } from './helpers.js';

const server = useServer(180_000); // PGlite start-up: slow on a busy machine
const api = adminApiOf(server);
const SITE = 'lingua-kids';

/** The review's CSV: one feature column, 30,000 rows of one digit (60 KB, under the console's 64 KB form limit). */
const BIG = ['lessons_7d', ...Array.from({ length: 30_000 }, (_, i) => String((i * 7) % 10))].join('\n');

/** A console session on `app` (sessions live in the app's guard). */
async function login(app: typeof server.app): Promise<string> {
  const res = await app.request('/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
    body: form({ token: ADMIN_TOKEN, name: 'Ada' }),
  });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

let cookie = '';
beforeAll(async () => {
  cookie = await login(server.app);
});

/**
 * Posts the console's fit form and, when it starts a job (303 to the job's page), follows that page
 * until the job ends: the page then (the result, or the refusal with its status).
 */
const upload = async (app: typeof server.app, csv: string, k: string, session = cookie) => {
  const body = new FormData();
  body.set('csv', new File([csv], 'learners.csv', { type: 'text/csv' }));
  body.set('k', k);
  const res = await app.request(`/admin/sites/${SITE}/fit`, {
    method: 'POST',
    headers: { Cookie: session, ...ORIGIN },
    body,
  });
  if (res.status !== 303) return res;
  const where = res.headers.get('location')!;
  for (;;) {
    const next = await app.request(where, { headers: { Cookie: session } });
    const page = await next.text();
    if (!page.includes('data-testid="job-progress"'))
      return new Response(page, { status: next.status, headers: next.headers });
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Waits until the site runs a job (GET …/jobs), or fails after `ms`. */
async function runningJob(app = server.app, ms = 30_000): Promise<{ id: string; kind: string }> {
  const t0 = performance.now();
  for (;;) {
    const res = await app.request(`/admin/api/sites/${SITE}/jobs`, { headers: bearer });
    const { job } = (await res.json()) as { job: { id: string; kind: string } | null };
    if (job) return job;
    if (performance.now() - t0 > ms) throw new Error('no job started');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Cancels the site's running job, if any (after a failed assertion). */
async function cancelRunning(): Promise<void> {
  const res = await api(`/sites/${SITE}/jobs`);
  const job = res.ok ? ((await res.json()) as { job: { id: string } | null }).job : null;
  if (job) await api(`/sites/${SITE}/jobs/${job.id}`, { method: 'DELETE' });
}

describe('science jobs run in worker threads', () => {
  it('/healthz answers within 100 ms while the 30,000-row fit runs; a second fit is 409 naming it; cancel stops it', async () => {
    expect(BIG.length).toBeGreaterThan(59_000);
    const fit = upload(server.app, BIG, '2..8');
    let done = false;
    void fit.finally(() => (done = true));
    // Poll for 4 s (or until the fit ends): each poll is timed from when it was due, so a stalled
    // event loop (the timer firing late) counts as much as a slow answer.
    const latencies: number[] = [];
    // and how busy the event loop was: on the code before it ran the fit (utilisation near 1)
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    while (!done && performance.now() - t0 < 4_000) {
      const due = performance.now() + 25;
      await new Promise((r) => setTimeout(r, 25));
      const res = await server.app.request('/healthz');
      latencies.push(performance.now() - due);
      expect(res.status).toBe(200);
    }
    const busy = performance.eventLoopUtilization(elu0).utilization;
    const max = Math.max(...latencies);
    // The issue's figure is the 100 ms answer; on a shared 2-core runner one poll in a hundred can
    // wait for a core (seen: 104-133 ms with the loop 5% busy), so the gate is 95% of the polls
    // within 100 ms and none stalled past a second. On code that fits on the loop, the one poll
    // that runs waits for the whole fit (24-50 s): every bound fails.
    const p95 = [...latencies].sort((a, b) => a - b)[Math.floor(0.95 * (latencies.length - 1))]!;
    const slow = latencies.map((l, i) => [i, l] as const).filter(([, l]) => l > 20);
    console.log(
      `healthz: ${latencies.length} polls during the fit, event loop busy ${(100 * busy).toFixed(1)}%, max ${max.toFixed(1)} ms; over 20 ms: ${
        slow.map(([i, l]) => `#${i} ${l.toFixed(0)} ms`).join(', ') || 'none'
      }`,
    );
    try {
      expect(busy).toBeLessThan(0.5);
      expect(latencies.length).toBeGreaterThan(40);
      expect(p95).toBeLessThan(100);
      expect(max).toBeLessThan(1_000);
      expect(done).toBe(false); // the fit was still running the whole time
    } catch (e) {
      await cancelRunning(); // the job does not outlive a failed test
      throw e;
    }

    const job = await runningJob();
    expect(job.kind).toBe('fit');
    // a second fit for the same site, from the API, is refused naming the running job
    const second = await api(`/sites/${SITE}/fit`, json('POST', { csv: 'lessons_7d\n1\n2\n3\n', k: '2' }));
    expect(second.status).toBe(409);
    const body = (await second.json()) as { error: string; job: { id: string } };
    expect(body.job.id).toBe(job.id);
    expect(body.error).toContain(job.id);

    const cancel = await api(`/sites/${SITE}/jobs/${job.id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as { cancelled: { id: string } }).cancelled.id).toBe(job.id);
    const res = await fit;
    expect(res.status).toBe(409);
    expect(await res.text()).toContain(`was cancelled by`);
    expect((await (await api(`/sites/${SITE}/jobs`)).json()) as unknown).toEqual({ job: null });
    expect((await api(`/sites/${SITE}/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(404);
  }, 180_000);

  it('the console cancels the running fit: its page names the job and its Cancel button ends it', async () => {
    const jobs = createScienceJobs();
    const app = appOf(server, { science: jobs });
    const session = await login(app);
    const fit = upload(app, BIG, '2..8', session);
    const job = await runningJob(app);
    const page = await (
      await app.request(`/admin/sites/${SITE}/fit`, { headers: { Cookie: session } })
    ).text();
    expect(page).toContain('data-testid="fit-cancel"');
    expect(page).toContain(job.id);
    const cancel = await app.request(`/admin/sites/${SITE}/fit/cancel`, {
      method: 'POST',
      headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
      body: form({ job: job.id }),
    });
    expect(cancel.status).toBe(303);
    expect((await fit).status).toBe(409);
    // the thread is gone, and the site takes a new fit at once
    await expect.poll(() => jobs.threads(), { timeout: 5_000 }).toBe(0);
    const again = await upload(app, 'lessons_7d\n1\n2\n3\n7\n8\n9\n', '2', session);
    expect(again.status).toBe(200);
  }, 120_000);

  it('caps: k past the cap is 400 naming k, rows past the cap 413 naming csv, a bad body field 400 naming it', async () => {
    const app = appOf(server, { science: { maxRows: 100, maxK: 5 } });
    const session = await login(app);
    const post = (body: unknown) => app.request(`/admin/api/sites/${SITE}/fit`, json('POST', body, bearer));
    const small = ['lessons_7d', ...Array.from({ length: 50 }, (_, i) => String(i % 9))].join('\n');
    const wideK = await post({ csv: small, k: '2..8' });
    expect(wideK.status).toBe(400);
    expect(await wideK.json()).toMatchObject({ field: 'k', error: expect.stringMatching(/at most 5/) });
    const many = ['lessons_7d', ...Array.from({ length: 101 }, (_, i) => String(i % 9))].join('\n');
    const rows = await post({ csv: many, k: '2..3' });
    expect(rows.status).toBe(413);
    expect(await rows.json()).toMatchObject({ field: 'csv', error: expect.stringMatching(/101 rows/) });
    const seed = await post({ csv: small, seed: -1 });
    expect(seed.status).toBe(400);
    expect(((await seed.json()) as { field: string }).field).toBe('seed');
    const trainPost = (body: object) =>
      app.request(
        `/admin/api/sites/${SITE}/train`,
        json('POST', { csv: 'a,label\n1,x\n2,y', label: 'label', ...body }, bearer),
      );
    const wide = await trainPost({ model: 'mlp', hidden: [4, 4, 4] });
    expect(wide.status).toBe(400);
    expect(((await wide.json()) as { field: string }).field).toBe('hidden');
    const kind = await trainPost({ model: 'tree' });
    expect(kind.status).toBe(400);
    expect(((await kind.json()) as { field: string }).field).toBe('model');
    const train = await app.request(
      `/admin/api/sites/${SITE}/train`,
      json(
        'POST',
        { csv: many.replace('lessons_7d', 'lessons_7d,label').replace(/\n(\d)/g, '\n$1,$1'), label: 'label' },
        bearer,
      ),
    );
    expect(train.status).toBe(413);
    // the console answers the same caps on its page
    const page = await upload(app, many, '2..3', session);
    expect(page.status).toBe(413);
    expect(await page.text()).toMatch(/101 rows, more than the server&#39;s cap of 100/);
    expect((await upload(app, small, '2..9', session)).status).toBe(400);
  }, 60_000);

  it('the time cap stops the job and terminates its thread', async () => {
    const jobs = createScienceJobs({ maxSeconds: 1 });
    const app = appOf(server, { science: jobs });
    const t0 = performance.now();
    const res = await app.request(
      `/admin/api/sites/${SITE}/fit`,
      json('POST', { csv: BIG, k: '2..8' }, bearer),
    );
    const took = performance.now() - t0;
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/cap of 1 s/) });
    expect(took).toBeLessThan(10_000);
    await expect.poll(() => jobs.threads(), { timeout: 5_000 }).toBe(0);
    expect(jobs.current(SITE)).toBeUndefined();
  }, 60_000);

  it('the server-wide cap: with EDSEG_SCIENCE_JOBS=1 a fit for another site is 409 while one runs', async () => {
    const jobs = createScienceJobs({ maxJobs: 1 });
    const task = {
      kind: 'fit' as const,
      table: { file: 'big.csv', text: BIG },
      ks: [2, 3, 4, 5, 6, 7, 8],
      seed: 1,
    };
    const first = jobs.run<FitTask>('site-a', 'Ada', task);
    void first.catch(() => undefined);
    await expect(jobs.run<FitTask>('site-b', 'Bo', task)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/1 science job\(s\) at a time \(EDSEG_SCIENCE_JOBS\)/),
    });
    expect((await jobs.cancel('site-a', 'Ada')).site).toBe('site-a');
    await expect(first).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/cancelled by Ada/),
    });
    await expect.poll(() => jobs.threads(), { timeout: 5_000 }).toBe(0);
  }, 60_000);

  it('the worker answers exactly what the in-process fit and training give for the same seed', async () => {
    const rows = Array.from(
      { length: 300 },
      (_, i) => `${i},${(i * 7) % 23},${(i * 11) % 13},${i % 3 === 0 ? 'yes' : 'no'}`,
    );
    const csv = ['id,lessons_7d,active_days_14d,label', ...rows].join('\n');
    const specs = (await server.store.getSite(SITE))!.definition.features;
    const table = { file: 'upload.csv', text: csv, specs };

    const fitRes = await api(
      `/sites/${SITE}/fit`,
      json('POST', { csv, k: '2..4', seed: 3, features: 'lessons_7d,active_days_14d' }),
    );
    expect(fitRes.status).toBe(200);
    const fit = (await fitRes.json()) as { ks: unknown; best: number; model: { centroids: number[][] } };
    const local = await runTask<FitTask>({
      kind: 'fit',
      table: { ...table, features: 'lessons_7d,active_days_14d' },
      ks: [2, 3, 4],
      seed: 3,
      maxRows: 1000,
    });
    expect(fit.ks).toEqual(JSON.parse(JSON.stringify(local.fit.ks)));
    expect(fit.best).toBe(local.fit.best);
    expect(fit.model.centroids).toEqual(
      local.fit.fits.get(local.fit.best)!.centres.map((c) => c.map((v) => Number(v.toFixed(6)))),
    );

    const trainRes = await api(
      `/sites/${SITE}/train`,
      json('POST', { csv, label: 'label', folds: 3, seed: 3, idColumn: 'id' }),
    );
    expect(trainRes.status).toBe(200);
    const trained = (await trainRes.json()) as {
      auc: number[];
      confusion: number[][];
      model: { weights: number[][] };
    };
    const localTrain = await runTask<TrainTask>({
      kind: 'train',
      table: { ...table, idColumn: 'id' },
      label: 'label',
      folds: 3,
      seed: 3,
      l2: 0.01,
      maxRows: 1000,
    });
    expect(trained.auc).toEqual(localTrain.validation.auc);
    expect(trained.confusion).toEqual(localTrain.validation.confusion);
    if (localTrain.fit.model !== 'softmax') throw new Error('the default training is a softmax');
    const { weights } = localTrain.fit;
    expect(trained.model.weights).toEqual(weights.map((r) => r.map((v) => Number(v.toFixed(6)))));
  }, 120_000);

  it('edseg-server reads the caps from EDSEG_SCIENCE_*, and refuses a bad one naming it', () => {
    const o = optionsFrom([], {
      EDSEG_SCIENCE_MAX_ROWS: '2000',
      EDSEG_SCIENCE_MAX_K: '6',
      EDSEG_SCIENCE_MAX_SECONDS: '30',
      EDSEG_SCIENCE_JOBS: '2',
      EDSEG_SCIENCE_MAX_UPLOAD_MB: '64',
    });
    expect(o.science).toEqual({ maxRows: 2000, maxK: 6, maxSeconds: 30, maxJobs: 2, maxUploadMB: 64 });
    expect(optionsFrom([], {}).science).toBeUndefined();
    expect(() => optionsFrom([], { EDSEG_SCIENCE_MAX_K: '51' })).toThrow(/EDSEG_SCIENCE_MAX_K .*"51"/);
    expect(() => optionsFrom([], { EDSEG_SCIENCE_MAX_SECONDS: '0' })).toThrow(/EDSEG_SCIENCE_MAX_SECONDS/);
    expect(() => optionsFrom([], { EDSEG_SCIENCE_MAX_UPLOAD_MB: '0.5' })).toThrow(
      /EDSEG_SCIENCE_MAX_UPLOAD_MB must be a whole number/,
    );
    expect(createScienceJobs({ maxK: 6 }).limits.maxK).toBe(6);
  });
});
