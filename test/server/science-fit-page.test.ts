/**
 * The console's fit page: a signed-in admin uploads a learner CSV (multipart, with the console's
 * Origin), sees the k table and the charts inline, and adds the draft to the site's working copy;
 * a bad cell comes back as a 400 naming the row and column.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, addAccount, form, useServer, ORIGIN } from './helpers.js';

const server = useServer(180_000); // PGlite start-up: slow on a busy machine
let cookie = '';
beforeAll(async () => {
  const res = await server.app.request('/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
    body: form({ token: ADMIN_TOKEN, name: 'Ada' }),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});

const upload = (csv: string, k = '2..4', as = cookie) => {
  const body = new FormData();
  body.set('csv', new File([csv], 'learners.csv', { type: 'text/csv' }));
  body.set('k', k);
  return server.app.request('/admin/sites/lingua-kids/fit', {
    method: 'POST',
    headers: { Cookie: as, ...ORIGIN },
    body,
  });
};

describe('console fit page', () => {
  it('runs the fit on an uploaded CSV, shows the charts, and adds the draft to the working copy', async () => {
    expect(
      (await server.app.request('/admin/sites/lingua-kids/fit', { headers: { Cookie: cookie } })).status,
    ).toBe(200);
    // three groups of 30 learners; integer features, so each group is one point and k = 3 is exact
    const rows = Array.from({ length: 90 }, (_, i) => `${i},${[0, 6, 15][i % 3]!},${[1, 7, 13][i % 3]!}`);
    const res = await upload(['id,lessons_7d,active_days_14d', ...rows].join('\n'));
    expect(res.status).toBe(200);
    const page = await res.text();
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
    const res = await upload(['id,lessons_7d,active_days_14d', ...rows].join('\n'), '2..3', analyst);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/best k = 2/);
    expect(page).not.toContain('/fit/draft');
    expect(page).toMatch(/needs the role editor or above; you are\s+analyst/);
  });

  it('a bad cell is a 400 naming the row and column; not logged in is a redirect to the login', async () => {
    const res = await upload('id,lessons_7d\n1,2\n2,many\n3,1\n');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(
      /learners\.csv row 3, column &quot;lessons_7d&quot;: &quot;many&quot; is not a number/,
    );
    expect((await server.app.request('/admin/sites/lingua-kids/fit')).status).toBe(303);
  });
});
