/**
 * The console's fit page: a signed-in admin uploads a learner CSV (multipart, with the console's
 * Origin), is sent to the job's page, which shows the progress while the fit runs (and reloads),
 * then the k table and the charts inline, and adds the draft to the site's working copy; a bad cell
 * comes back as a 400 naming the row and column.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addAccount, form, useServer, ORIGIN, consoleCookie } from './helpers.js';

const server = useServer(180_000); // PGlite start-up: slow on a busy machine
let cookie = '';
beforeAll(async () => {
  cookie = await consoleCookie(server.app);
});

const upload = (csv: string, k = '2..4', as = cookie, reload = true) => {
  const body = new FormData();
  body.set('csv', new File([csv], 'learners.csv', { type: 'text/csv' }));
  body.set('k', k);
  if (reload) body.set('reload', '1');
  return server.app.request('/admin/sites/lingua-kids/fit', {
    method: 'POST',
    headers: { Cookie: as, ...ORIGIN },
    body,
  });
};

/**
 * Follows a started fit: the POST's 303 to the job's page, then that page until it is no longer
 * the progress page (every page seen while running must show the progress and reload).
 */
async function follow(res: Response, as = cookie): Promise<{ res: Response; page: string; running: number }> {
  expect(res.status).toBe(303);
  const where = res.headers.get('location')!;
  expect(where).toMatch(/^\/admin\/sites\/lingua-kids\/fit\/jobs\/[0-9a-f-]{36}/);
  let running = 0;
  for (;;) {
    const next = await server.app.request(where, { headers: { Cookie: as } });
    const page = await next.text();
    if (!page.includes('data-testid="job-progress"')) return { res: next, page, running };
    running++;
    expect(next.status).toBe(200);
    // the progress page reloads itself (the CSP allows no script) unless reloading was turned off
    expect(next.headers.get('refresh')).toBe(where.includes('reload=0') ? null : '2');
    expect(page).toMatch(/The fit is running/);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('console fit page', () => {
  it('runs the fit on an uploaded CSV, shows the charts, and adds the draft to the working copy', async () => {
    expect(
      (await server.app.request('/admin/sites/lingua-kids/fit', { headers: { Cookie: cookie } })).status,
    ).toBe(200);
    // the site page links to the fit page
    const sitePage = await server.app.request('/admin/sites/lingua-kids', { headers: { Cookie: cookie } });
    expect(await sitePage.text()).toContain('href="/admin/sites/lingua-kids/fit"');
    // three groups of 30 learners; integer features, so each group is one point and k = 3 is exact
    const rows = Array.from({ length: 90 }, (_, i) => `${i},${[0, 6, 15][i % 3]!},${[1, 7, 13][i % 3]!}`);
    const { res, page, running } = await follow(
      await upload(['id,lessons_7d,active_days_14d', ...rows].join('\n')),
    );
    expect(res.status).toBe(200);
    // the worker thread takes a second or more to start: the first look is the progress page
    expect(running).toBeGreaterThan(0);
    expect(page).toMatch(/best k = 3/);
    expect(page.match(/<svg/g)?.length).toBeGreaterThanOrEqual(4);
    const model = /name="model" value="([^"]+)"/
      .exec(page)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    const add = await server.app.request('/admin/sites/lingua-kids/fit/draft', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
      body: form({ model }),
    });
    expect(add.status).toBe(303);
    const site = await server.store.getSite('lingua-kids');
    expect(site!.definition.models.map((m) => m.id)).toContain('fit-k3');
  });

  it('shows an analyst the fit without the draft button (adding a draft needs an editor)', async () => {
    const a = await addAccount(server, 'ann-fit', 'analyst');
    const login = await server.app.request('/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
      body: form({ name: a.name, password: a.password }),
    });
    const analyst = login.headers.get('set-cookie')!.split(';')[0]!;
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${[0, 15][i % 2]!},${[1, 13][i % 2]!}`);
    const { res, page } = await follow(
      await upload(['id,lessons_7d,active_days_14d', ...rows].join('\n'), '2..3', analyst),
      analyst,
    );
    expect(res.status).toBe(200);
    expect(page).toMatch(/best k = 2/);
    expect(page).not.toContain('/fit/draft');
    expect(page).toMatch(/needs the role editor or above; you are\s+analyst/);
  });

  it('a bad cell is a 400 naming the row and column; not logged in is a redirect to the login', async () => {
    const { res, page } = await follow(
      await upload('id,lessons_7d\n1,2\n2,many\n3,1\n', '2..4', cookie, false),
    );
    expect(res.status).toBe(400);
    expect(page).toMatch(
      /learners\.csv row 3, column &quot;lessons_7d&quot;: &quot;many&quot; is not a number/,
    );
    expect((await server.app.request('/admin/sites/lingua-kids/fit')).status).toBe(303);
  });
});
