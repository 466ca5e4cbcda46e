import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import type { APIRequestContext } from '@playwright/test';
import type { Manifest } from '../../src/core/schema.js';
import { adultAllConsent, studyHard, track } from './helpers.js';

// A second site from zero to live (issue 9): an owner signs in, creates `math-club` for a second
// origin from the demo template, documents a segment, reviews and publishes; a host page on that
// origin embeds the script tag for math-club and its learner gets a math-club segment; an analyst
// reads the estimates and is refused the publish (403).

const TOKEN = process.env.EDSEG_ADMIN_TOKEN ?? 'e2e-admin-token';
const asAdmin = { Authorization: `Bearer ${TOKEN}` };
const DIST = join(import.meta.dirname, '..', '..', 'dist');

/** The host page of the second origin: the SDK's files served from there (a worker is same-origin), the manifest and collector from the edseg server. */
function hostServer(edseg: string): Server {
  return createServer((req, res) => {
    void (async () => {
      if (req.url === '/edseg/edseg.js' || req.url === '/edseg/edseg.worker.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(readFileSync(join(DIST, req.url.slice('/edseg/'.length))));
        return;
      }
      if (req.url !== '/') {
        res.writeHead(404).end();
        return;
      }
      // The embedder pins the key it copied from /v1/keys.
      const { keys } = (await (await fetch(`${edseg}/v1/keys`)).json()) as { keys: object[] };
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Math Club</title><h1>Math Club</h1>
<script src="/edseg/edseg.js" data-site="math-club" data-manifest="${edseg}/v1/sites/math-club/manifest"
  data-collector="${edseg}/v1/reports" data-key='${JSON.stringify(keys.at(-1))}'></script>`);
    })();
  });
}

let host: Server;
let hostOrigin = '';
test.beforeAll(async ({ baseURL }) => {
  host = hostServer(baseURL!);
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const address = host.address();
  hostOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
test.afterAll(async () => {
  await new Promise((resolve) => host.close(resolve));
});

/** A named account made with the admin token (the bootstrap owner): its one-time password and API token. */
async function account(request: APIRequestContext, name: string, role: string) {
  const res = await request.post('/admin/api/accounts', { headers: asAdmin, data: { name, role } });
  expect(res.status()).toBe(201);
  return (await res.json()) as { password: string; token: string };
}

const payloadOf = (jws: string): Manifest =>
  JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Manifest;

test('an owner puts math-club live for a second origin; its learner gets a math-club segment; an analyst reads estimates and may not publish', async ({
  page,
  browser,
  request,
}) => {
  const owner = await account(request, 'olive', 'owner');
  const analyst = await account(request, 'anna', 'analyst');

  // The owner signs in with name and password.
  await page.goto('/admin/login');
  await page.getByLabel('Account name').fill('olive');
  await page.locator('input[name="password"]').fill(owner.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Sites' })).toBeVisible();

  // Creates math-club for the second origin, from the demo template.
  const form = page.locator('#new-site');
  await form.locator('input[name="id"]').fill('math-club');
  await form.locator('input[name="name"]').fill('Math Club');
  await form.locator('textarea[name="origins"]').fill(hostOrigin);
  await form.locator('select[name="template"]').selectOption('demo');
  await form.getByRole('button', { name: 'Create site' }).click();
  await expect(page).toHaveURL(/\/admin\/sites\/math-club/);

  // Documents a segment: a refused save comes back with what was typed and the message beside the field.
  await page.locator('#seg-steady-learner').getByRole('link', { name: 'Edit documentation' }).click();
  const criteria = page.locator('textarea[name="criteria"]');
  const validation = page.locator('textarea[name="validation"]');
  await validation.fill('Checked by the Math Club team on 40 learners of the autumn term.');
  await criteria.fill('x'.repeat(2001));
  await page.getByRole('button', { name: 'Save documentation' }).click();
  await expect(page.locator('#error-criteria')).toContainText('2000');
  await expect(validation).toHaveValue('Checked by the Math Club team on 40 learners of the autumn term.');
  await criteria.fill('Solves a few problem sets on most days of the last two weeks.');
  await page.getByRole('button', { name: 'Save documentation' }).click();
  await expect(page).toHaveURL(/\/admin\/sites\/math-club\?ok=/);
  await expect(page.locator('#seg-steady-learner')).toContainText('Solves a few problem sets');

  // Reviews and publishes with a note.
  await page.getByRole('link', { name: /Review and publish version 1/ }).click();
  await expect(page.getByText('Nothing is published yet')).toBeVisible();
  await expect(page.locator('#diff-segment-steady-learner')).toContainText('Solves a few problem sets');
  await page.locator('input[name="note"]').fill('math-club goes live');
  await page.getByRole('button', { name: 'Publish version 1' }).click();
  await expect(page.getByText(/^Published version 1: first version/)).toBeVisible();

  // The signed manifest carries the card and a changelog entry naming the publisher.
  const jws = await (await request.get('/v1/sites/math-club/manifest')).text();
  const manifest = payloadOf(jws);
  expect(manifest.site).toEqual({ id: 'math-club', origins: [hostOrigin] });
  const steady = manifest.models.flatMap((m) => m.segments).find((s) => s.id === 'steady-learner')!;
  expect(steady.documentation.criteria).toBe('Solves a few problem sets on most days of the last two weeks.');
  expect(steady.documentation.changelog.at(-1)).toMatchObject({ version: 1 });
  expect(steady.documentation.changelog.at(-1)!.change).toContain('by olive; note: math-club goes live');

  // A learner on the second origin, through the script tag for math-club.
  const learner = await browser.newPage();
  await learner.goto(`${hostOrigin}/`);
  await learner.waitForFunction(() => Boolean(window.edseg && (window.edseg as { ready?: unknown }).ready));
  await learner.evaluate(async (c) => {
    await window.edseg.ready;
    await window.edseg.setConsent(c);
  }, adultAllConsent);
  await track(learner, studyHard);
  const released = await learner.evaluate(() => window.edseg.segments());
  const ids = new Set(manifest.models.flatMap((m) => m.segments.map((s) => s.id)));
  const pace = released.find((s) => s.model === 'pace');
  expect(pace, JSON.stringify(released)).toBeDefined();
  expect(ids.has(pace!.id)).toBe(true);
  expect(pace!.manifestVersion).toBe(1);
  const explained = await learner.evaluate(() => window.edseg.explain());
  expect(explained.manifest.version).toBe(1);
  // A site created through the admin fails closed after a full wipe (freshStore 'wait'): this
  // learner's store is new, so its first report waits one window from today (PRIVACY.md
  // "Storage that disappears"); the demo site, seeded with 'report', reports at once.
  expect(manifest.reporting.budget.freshStore).toBe('wait');
  const firstReportDay = new Date(Date.now() + 28 * 86_400_000).toISOString().slice(0, 10);
  expect(explained.budget.quietUntil).toBe(firstReportDay);
  await learner.close();

  // The analyst reads the estimates and may not publish.
  const asAnalyst = { Authorization: `Bearer ${analyst.token}` };
  const estimates = await request.get('/admin/api/sites/math-club/estimates', { headers: asAnalyst });
  expect(estimates.status()).toBe(200);
  expect(((await estimates.json()) as { site: string }).site).toBe('math-club');
  const publish = await request.post('/admin/api/sites/math-club/publish', { headers: asAnalyst, data: {} });
  expect(publish.status()).toBe(403);
  const edit = await request.put(
    '/admin/api/sites/math-club/models/pace/segments/steady-learner/documentation',
    {
      headers: asAnalyst,
      data: { dataSources: [], criteria: 'no', validation: 'no' },
    },
  );
  expect(edit.status()).toBe(403);
});
