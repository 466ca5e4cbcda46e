/**
 * Issue 20 point 3: the console's fit (and train) form takes an upload up to the server's upload
 * limit (EDSEG_SCIENCE_MAX_UPLOAD_MB, default 20 MB) on those routes only; every other console form
 * keeps 64 KB; a body above the limit is a 413 page in the console's frame naming the limit and how
 * to raise it, never the raw JSON refusal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, appOf, form, useServer, consoleCookie } from './helpers.js';

const server = useServer(180_000);
let cookie = '';
beforeAll(async () => {
  cookie = await consoleCookie(server.app);
});

const upload = (app: typeof server.app, csv: string, path = '/admin/sites/lingua-kids/fit', k = '2') => {
  const body = new FormData();
  body.set('csv', new File([csv], 'learners.csv', { type: 'text/csv' }));
  body.set('k', k);
  return app.request(path, { method: 'POST', headers: { Cookie: cookie, ...ORIGIN }, body });
};

/** A learner CSV of about `mb` MB: `rows` learners in two groups, each with a long id. */
function bigCsv(mb: number, rows: number): string {
  const width = Math.floor((mb * 1024 * 1024) / rows) - 8;
  const lines = Array.from(
    { length: rows },
    (_, i) => `${String(i).padStart(width, 'x')},${i % 2 ? 15 : 0},${i % 2 ? 13 : 1}`,
  );
  return ['id,lessons_7d,active_days_14d', ...lines].join('\n');
}

describe('the console upload limit', () => {
  it('takes a 19.5 MB learner CSV on the fit form, and the fit runs to its result', async () => {
    const csv = bigCsv(19.5, 40_000);
    expect(csv.length).toBeGreaterThan(19 * 1024 * 1024);
    expect(csv.length).toBeLessThan(20 * 1024 * 1024);
    const res = await upload(server.app, csv);
    expect(res.status).toBe(303);
    const where = res.headers.get('location')!;
    let page = '';
    for (let i = 0; i < 600; i++) {
      const next = await server.app.request(where, { headers: { Cookie: cookie } });
      page = await next.text();
      if (!page.includes('data-testid="job-progress"')) {
        expect(next.status).toBe(200);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(page).toMatch(/40000 learners/);
    expect(page).toMatch(/best k = 2/);
  }, 180_000);

  it('answers a body above the limit with a 413 console page naming the limit and how to raise it', async () => {
    const res = await upload(server.app, 'x'.repeat(20 * 1024 * 1024 + 10));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const page = await res.text();
    expect(page).toMatch(/<title>Upload too large · edseg admin<\/title>/);
    expect(page).toMatch(/at most 20 MB \(20971520 bytes/);
    expect(page).toContain('EDSEG_SCIENCE_MAX_UPLOAD_MB=');
    expect(page).not.toContain('"error"');
    // the train form has the same limit and page
    const train = await upload(
      server.app,
      'x'.repeat(20 * 1024 * 1024 + 10),
      '/admin/sites/lingua-kids/train',
    );
    expect(train.status).toBe(413);
    expect(await train.text()).toMatch(/The train form takes an upload of at most 20 MB/);
  });

  it('keeps 64 KB on every other console form, even under the fit page', async () => {
    const big = 'x'.repeat(70 * 1024);
    for (const path of [
      '/admin/sites/lingua-kids/fit/draft',
      '/admin/sites/lingua-kids/origins',
      '/admin/login',
    ]) {
      const res = await server.app.request(path, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
        body: form({ model: big }),
      });
      expect(res.status, path).toBe(413);
      expect(await res.json(), path).toEqual({ error: 'body larger than 65536 bytes', field: '(root)' });
    }
  });

  it('gives the larger limit only to a signed-in console user: without a session, 64 KB', async () => {
    const body = new FormData();
    body.set('csv', new File(['x'.repeat(70 * 1024)], 'learners.csv', { type: 'text/csv' }));
    for (const headers of [ORIGIN, { ...ORIGIN, Cookie: 'edseg_admin=not-a-session' }]) {
      const res = await server.app.request('/admin/sites/lingua-kids/fit', { method: 'POST', headers, body });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'body larger than 65536 bytes', field: '(root)' });
    }
  });

  it('takes its limit from the science option (EDSEG_SCIENCE_MAX_UPLOAD_MB)', async () => {
    const app = appOf(server, { science: { maxUploadMB: 1 } });
    const res = await upload(app, 'x'.repeat(1024 * 1024 + 10));
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/at most 1 MB \(1048576 bytes/);
  });
});
