/**
 * Issue 20 point 3: the console's train page. Step 1 uploads a labelled learner CSV; step 2's
 * `label` select is filled from that file's header (each column with what it holds); the training
 * runs as a job whose page shows the progress, then the cross-validation figures and the draft
 * button. A label column that cannot be a label is refused naming the column and what it found.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { labelsOf } from '../../src/server/science/tasks.js';
import { ORIGIN, form, useServer, consoleCookie } from './helpers.js';

const server = useServer(180_000);
let cookie = '';
beforeAll(async () => {
  cookie = await consoleCookie(server.app);
});

const post = (fields: Record<string, string | File>) => {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return server.app.request('/admin/sites/lingua-kids/train', {
    method: 'POST',
    headers: { Cookie: cookie, ...ORIGIN },
    body,
  });
};

/** 120 learners, two separable classes in `result`. */
const CSV = [
  'learner,lessons_7d,active_days_14d,result',
  ...Array.from({ length: 120 }, (_, i) => {
    const pass = i % 2 === 0;
    return `L${i},${pass ? 10 + (i % 5) : i % 3},${pass ? 9 + (i % 4) : 1 + (i % 2)},${pass ? 'Pass' : 'Withdrawn'}`;
  }),
].join('\n');

/** Step 1: the upload; answers the chooser page and the kept upload's id. */
async function uploadStep(csv = CSV): Promise<{ page: string; upload: string }> {
  const res = await post({ csv: new File([csv], 'labelled.csv', { type: 'text/csv' }) });
  expect(res.status).toBe(200);
  const page = await res.text();
  return { page, upload: /name="upload" value="([0-9a-f-]{36})"/.exec(page)![1]! };
}

/** Follows a started training's job page to its end. */
async function follow(res: Response): Promise<{ status: number; page: string; running: number }> {
  expect(res.status).toBe(303);
  const where = res.headers.get('location')!;
  expect(where).toMatch(/^\/admin\/sites\/lingua-kids\/train\/jobs\//);
  let running = 0;
  for (;;) {
    const next = await server.app.request(where, { headers: { Cookie: cookie } });
    const page = await next.text();
    if (!page.includes('data-testid="job-progress"')) return { status: next.status, page, running };
    running++;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('console train page', () => {
  it('fills the label select from the uploaded header, trains, and adds the draft', async () => {
    const start = await server.app.request('/admin/sites/lingua-kids/train', { headers: { Cookie: cookie } });
    expect(start.status).toBe(200);
    expect(await start.text()).toContain('name="csv"');
    const { page } = await uploadStep();
    const select = /<select name="label"[\s\S]*?<\/select>/.exec(page)![0];
    const options = [...select.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]);
    expect(options).toEqual(['learner', 'lessons_7d', 'active_days_14d', 'result']);
    // the likely label is preselected, and each column says what it holds
    expect(select).toMatch(/<option value="result" selected>\s*result: 2 values\s*\(Pass, Withdrawn\)/);
    expect(select).toMatch(/lessons_7d: \d+ values, numeric/);
    const { upload } = await uploadStep();
    const done = await follow(
      await post({ upload, label: 'result', folds: '3', model: 'softmax', reload: '1' }),
    );
    expect(done.status).toBe(200);
    expect(done.page).toMatch(/Result: softmax on 120 learners, 2 classes/);
    expect(done.page).toMatch(/3-fold cross-validation: accuracy <strong>\d+\.\d%<\/strong>/);
    expect(done.page).toContain('<svg');
    const model = /name="model" value="([^"]+)"/
      .exec(done.page)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    expect(JSON.parse(model)).toMatchObject({ kind: 'softmax', features: ['lessons_7d', 'active_days_14d'] });
    const add = await server.app.request('/admin/sites/lingua-kids/train/draft', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
      body: form({ model }),
    });
    expect(add.status).toBe(303);
    const site = await server.store.getSite('lingua-kids');
    expect(site!.definition.models.map((m) => m.id)).toContain('train-result');
  }, 120_000);

  it('trains an mlp in the worker thread', async () => {
    const { upload } = await uploadStep();
    const done = await follow(await post({ upload, label: 'result', folds: '2', model: 'mlp', hidden: '4' }));
    expect(done.status).toBe(200);
    expect(done.page).toMatch(/Result: mlp on 120 learners, 2 classes/);
    const model = JSON.parse(
      /name="model" value="([^"]+)"/
        .exec(done.page)![1]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    ) as { kind: string; layers: { bias: number[] }[] };
    expect(model.kind).toBe('mlp');
    expect(model.layers.map((l) => l.bias.length)).toEqual([4, 2]);
  }, 120_000);

  it('an empty label column is refused naming the column and what it found, with the chooser again', async () => {
    // the column of classes left blank in every row (the issue's "one class only (\"undefined\")")
    const blank = CSV.replace('result', 'outcome').replace(/,(Pass|Withdrawn)$/gm, ',');
    const { page, upload } = await uploadStep(blank);
    expect(page).toMatch(/outcome: 0 values/);
    const done = await follow(await post({ upload, label: 'outcome', folds: '3' }));
    expect(done.status).toBe(400);
    expect(done.page).toMatch(
      /label: labelled\.csv: the label column &quot;outcome&quot; is empty in every one of its 120 rows/,
    );
    expect(done.page).toContain('<select name="label"');
    // a bad folds value names its field before any job starts
    const folds = await post({ upload, label: 'result', folds: '1' });
    expect(folds.status).toBe(400);
    expect(await folds.text()).toMatch(/folds: must be a whole number from 2 to 20/);
  }, 120_000);

  it('labelsOf names the column and what it found', () => {
    const t = (rows: string[][]) => ({ file: 'f.csv', header: ['x', 'y'], rows });
    expect(() => labelsOf(t([]), 'y', 2)).toThrow(
      'f.csv: the label column "y" has no rows (the file has a header only)',
    );
    expect(() =>
      labelsOf(
        t([
          ['1', 'a'],
          ['2', 'a'],
        ]),
        'y',
        2,
      ),
    ).toThrow('the label column "y" has one class only ("a" in all 2 rows)');
    expect(() =>
      labelsOf(
        t([
          ['1', 'a'],
          ['2', ''],
          ['3', 'b'],
        ]),
        'y',
        1,
      ),
    ).toThrow('the label column "y" is empty in 1 of 3 rows (first: row 3)');
    expect(() =>
      labelsOf(
        t([
          ['1', 'a'],
          ['2', 'b'],
          ['3', 'b'],
        ]),
        'y',
        2,
      ),
    ).toThrow('class "a" has 1 rows, fewer than the 2 folds');
  });
});
