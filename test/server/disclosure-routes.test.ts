/**
 * Issue 19 point 4: every route that returns numbers goes through the one disclosure gate
 * (src/server/estimates/disclosure.ts). On planted data with cells under k (kThreshold 50) in a
 * fresh series of the demo site:
 * - closed period: pace in clear, 263 steady-learner, 120 drifting and 7 just-starting (390);
 * - live period: 3 sprinter;
 * every answer (the public estimates, the admin API's estimates, refinement, drift and site view,
 * the console's pages, edseg-admin drift --json, a refinement's publish, its audit entries and the
 * manifest it signs) is read, and no answer or pair of answers gives the cells under k: every count
 * is null or a multiple of 10 at or above k, no exact total (263, 383, 386, 393) appears anywhere,
 * and no count, total or sum of the shown supports minus another equals a planted cell (7 or 3).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/core/privacy/report.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { dayOf, periodOf } from '../../src/core/schema.js';
import type { Manifest, Report } from '../../src/core/schema.js';
import { runAdminCli } from '../../src/server/admin-cli/main.js';
import { hourOf } from '../../src/server/storage/sql/installation.js';
import {
  ADMIN_TOKEN,
  NOW,
  adminApiOf,
  appOf,
  consoleSession,
  json,
  useServer,
  SEED_SITE,
} from './helpers.js';

const SITE = SEED_SITE;
const K = 50;
/** The cells under k: neither may be derived. */
const PLANTED = [7, 3];
/** Exact totals and supports (not multiples of 10) that would give them away. */
const EXACT = [263, 383, 386, 393];

const s = useServer();
const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);

/** n reports of `period`, pace only, in clear, all in segment `segment`, built by the SDK's code (seeded). */
function paceReports(m: Manifest, period: number, n: number, segment: string, seed: number): Report[] {
  const rng = seededRandom(seed);
  const pace = m.models.find((x) => x.id === 'pace')!;
  const index = pace.segments.findIndex((x) => x.id === segment);
  return Array.from({ length: n }, () =>
    buildReport({
      site: SITE,
      manifestVersion: m.version,
      period,
      assignments: [{ model: 'pace', index, k: pace.segments.length, segmentId: segment, channel: 'clear' }],
      features: m.features.map(() => 2 * rng.real() - 1),
      reporting: m.reporting,
      rng,
    })!,
  );
}

/** Every answer read, by name: JSON bodies, and page or CLI text. */
const answers: { name: string; body: unknown }[] = [];
const pages: { name: string; text: string }[] = [];

async function readJson(name: string, res: Response | Promise<Response>): Promise<void> {
  const r = await res;
  expect(r.status, name).toBeLessThan(300);
  answers.push({ name, body: await r.json() });
}

const COUNT_KEYS = new Set(['reports', 'support', 'n', 'clear', 'ldp', 'total']);

/** Every count in an answer (by key: reports, support, n, clear, ldp, total, and what a `reports` object holds), with its path. */
function countsOf(body: unknown, path = '', parent = ''): { path: string; value: number | null }[] {
  if (Array.isArray(body)) return body.flatMap((x, i) => countsOf(x, `${path}.${i}`, parent));
  if (body === null || typeof body !== 'object') return [];
  return Object.entries(body as Record<string, unknown>).flatMap(([key, v]) => {
    const p = `${path}.${key}`;
    if ((COUNT_KEYS.has(key) || parent === 'reports') && (typeof v === 'number' || v === null))
      return [{ path: p, value: v }];
    return countsOf(v, p, key);
  });
}

/** The sum of the shown supports of every object with segments that carry a support (a model in any view). */
function shownSums(body: unknown): number[] {
  if (Array.isArray(body)) return body.flatMap(shownSums);
  if (body === null || typeof body !== 'object') return [];
  const o = body as Record<string, unknown>;
  const own = Array.isArray(o['segments'])
    ? [
        (o['segments'] as { support?: unknown }[]).reduce(
          (a, x) => a + (typeof x.support === 'number' ? x.support : 0),
          0,
        ),
      ]
    : [];
  return [...own, ...Object.values(o).flatMap(shownSums)];
}

/** An exact number standing alone in a text (not a digit of another number, not a decimal's digits). */
const standsAlone = (text: string, n: number) => new RegExp(`(?<![\\w.-])${n}(?![\\w])`).test(text);

beforeAll(async () => {
  // A fresh series (pace's centroids moved, as a refinement does), so only the planted reports count.
  const v1 = await s.manifest();
  const models = v1.models.map((x) =>
    x.id === 'pace' && x.kind === 'centroids'
      ? { ...x, centroids: x.centroids.map((c) => c.map((v) => v * 0.99)) }
      : x,
  );
  expect((await api(`/sites/${SITE}/publish`, json('POST', { manifest: { ...v1, models } }))).status).toBe(
    201,
  );
  const m = await s.manifest();
  expect(m.reporting.kThreshold).toBe(K);
  const live = periodOf(dayOf(NOW.getTime()), m.reporting.periodDays);
  const closed = live - m.reporting.periodDays;
  const today = dayOf(NOW.getTime());
  await s.store.insertReports(
    [
      ...paceReports(m, closed, 263, 'steady-learner', 1),
      ...paceReports(m, closed, 120, 'drifting', 2),
      ...paceReports(m, closed, 7, 'just-starting', 3),
      ...paceReports(m, live, 3, 'sprinter', 4),
    ],
    today,
    hourOf(NOW.getTime()), // counted for the installation view too, as the collector does
  );

  // The public endpoint (closed periods), uncached.
  await readJson(
    'public estimates',
    appOf(s, { estimatesCacheSeconds: 0 }).request(`/v1/sites/${SITE}/estimates`),
  );
  // The admin JSON API: every route that answers counts, shares or means.
  for (const path of [
    `/sites/${SITE}`,
    `/sites/${SITE}/estimates`,
    `/sites/${SITE}/estimates?version=${m.version}`,
    `/sites/${SITE}/refinement`,
    `/sites/${SITE}/refinement?minSupport=0`,
    `/sites/${SITE}/refinement?minSupport=8`,
    `/sites/${SITE}/refinement?minSupport=264`,
    `/sites/${SITE}/drift`,
    `/sites/${SITE}/drift?version=${m.version}`,
    `/sites/${SITE}/installation`,
  ])
    await readJson(`GET /admin/api${path}`, api(path));
  // edseg-admin drift --json, through the same app.
  const out: string[] = [];
  const code = await runAdminCli(
    ['--server', 'http://localhost', 'drift', SITE, '--json'],
    { EDSEG_ADMIN_TOKEN: ADMIN_TOKEN },
    {
      out: (t) => out.push(t),
      err: () => {},
      fetch: ((url: string | URL | Request, init?: RequestInit) =>
        Promise.resolve(s.app.request(String(url), init))) as typeof fetch,
    },
  );
  expect(code).toBe(0);
  answers.push({ name: 'edseg-admin drift --json', body: JSON.parse(out.join('\n')) });
  pages.push({ name: 'edseg-admin drift --json (text)', text: out.join('\n') });
  // The console's pages.
  const session = consoleSession(s);
  await session.login();
  for (const path of [
    `/admin/sites/${SITE}`,
    `/admin/sites/${SITE}/estimates`,
    `/admin/sites/${SITE}/refinement`,
    `/admin/sites/${SITE}/refinement?minSupport=264`,
    `/admin/sites/${SITE}/installation`,
  ]) {
    const res = await session.get(path);
    expect(res.status, path).toBe(200);
    pages.push({ name: path, text: await res.text() });
  }
  // A refinement's publish, its audit entries and the manifest it signs (the changelog names the reports).
  const published = await api(`/sites/${SITE}/refinement/publish`, json('POST', {}));
  expect(published.status).toBe(201);
  answers.push({ name: 'POST /admin/api/sites/:site/refinement/publish', body: await published.json() });
  await readJson('GET /admin/api/audit', api(`/audit?site=${SITE}`));
  const jws = await (await s.app.request(`/v1/sites/${SITE}/manifest`)).text();
  answers.push({
    name: 'GET /v1/sites/:site/manifest (the refined manifest)',
    body: JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as unknown,
  });
  const audit = await session.get(`/admin/audit?site=${SITE}`);
  pages.push({ name: '/admin/audit', text: await audit.text() });
}, 120_000);

/** The GET routes read above (with the POST of a refinement's publish): every one that answers numbers computed from reports. */
const READ = new Set([
  '/v1/sites/:site/estimates',
  '/v1/sites/:site/manifest',
  '/admin/api/sites/:site',
  '/admin/api/sites/:site/estimates',
  '/admin/api/sites/:site/refinement',
  '/admin/api/sites/:site/drift',
  '/admin/api/sites/:site/installation',
  '/admin/api/audit',
  '/admin/sites/:site',
  '/admin/sites/:site/estimates',
  '/admin/sites/:site/refinement',
  '/admin/sites/:site/installation',
  '/admin/audit',
]);
/** The other GET routes, and why none answers a number computed from reports. */
const NO_REPORT_NUMBERS: Record<string, string> = {
  '/healthz': 'liveness',
  '/readyz': 'readiness',
  '/metrics': "the server's own counters since start, no site, model or cell label (operator only)",
  '/v1/keys': 'public keys',
  '/admin/api/me': 'the principal',
  '/admin/api/sites': 'sites and versions',
  '/admin/api/sites/:site/working': 'the working definition',
  '/admin/api/sites/:site/diff': 'working copy against the published manifest',
  '/admin/api/keys': 'keys',
  '/admin/api/accounts': 'accounts',
  '/admin/api/sites/:site/jobs': "the site's running fit or training (who, when), no report",
  '/admin/login': 'a form',
  '/admin': 'the sites list',
  '/admin/sites/:site/new-feature': 'an editor',
  '/admin/sites/:site/features/:name': 'an editor',
  '/admin/sites/:site/new-model': 'an editor',
  '/admin/sites/:site/models/:model': 'an editor',
  '/admin/sites/:site/models/:model/segments/:segment/documentation': 'an editor',
  '/admin/sites/:site/review': 'working copy against the published manifest',
  '/admin/sites/:site/fit': "a fit of the admin's own uploaded table, not of reports",
  '/admin/sites/:site/fit/jobs/:job': "the progress and result of a fit of the admin's own uploaded table",
  '/admin/sites/:site/train': "the train form, and the columns of the admin's own uploaded table",
  '/admin/sites/:site/train/jobs/:job':
    "the progress and result of training on the admin's own uploaded table",
  '/admin/account': 'the account',
  '/admin/accounts': 'accounts (owner only)',
  '/admin/keys': 'keys',
  '/edseg/:file': 'the SDK files',
  '/': 'a redirect',
  '/demo': 'a redirect',
  '/demo/*': 'the demo page',
};

describe('the one disclosure gate, on every route that returns numbers', () => {
  it('reads every GET route that answers numbers computed from reports; the others are listed with why', () => {
    const routes = [...new Set(s.app.routes.filter((r) => r.method === 'GET').map((r) => r.path))];
    expect(routes.filter((r) => !READ.has(r) && !(r in NO_REPORT_NUMBERS))).toEqual([]);
    expect([...READ].filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('reads every answer', () => {
    expect(answers.length).toBe(15);
    expect(pages.length).toBe(7);
    // The installation view counts the 393 reports stored in the last 24 hours, rounded.
    const inst = answers.find((a) => a.name.endsWith('/installation'))!.body as {
      versions: { reports: number | null }[];
    };
    expect(inst.versions.map((v) => v.reports)).toEqual([390]);
    // Not everything is withheld: the public view shows steady-learner (263, rounded) and hides
    // drifting (120) so that the rest (390 - 260) is not in reach.
    const pub = answers[0]!.body as { models: { model: string; segments: { support: number | null }[] }[] };
    expect(pub.models.find((m) => m.model === 'pace')!.segments.map((x) => x.support)).toEqual([
      260,
      null,
      null,
      null,
    ]);
  });

  it('publishes every count rounded to 10 and at or above k, or null', () => {
    const bad = answers.flatMap(({ name, body }) =>
      countsOf(body)
        .filter((c) => c.value !== null && !(c.value % 10 === 0 && c.value >= K))
        .map((c) => `${name} ${c.path} = ${c.value}`),
    );
    expect(bad).toEqual([]);
  });

  it('shows no exact total or support anywhere: JSON, pages, the CLI, the audit log or the signed manifest', () => {
    const texts = [...answers.map((a) => ({ name: a.name, text: JSON.stringify(a.body) })), ...pages];
    const found = texts.flatMap(({ name, text }) =>
      EXACT.filter((n) => standsAlone(text, n)).map((n) => `${name}: ${n}`),
    );
    expect(found).toEqual([]);
  });

  it('lets no count, total or sum of shown supports, minus another from any answer, equal a cell under k', () => {
    const values = new Set<number>();
    for (const { body } of answers) {
      for (const c of countsOf(body)) if (c.value !== null) values.add(c.value);
      for (const sum of shownSums(body)) values.add(sum);
    }
    values.add(0);
    const derived = [
      ...PLANTED.filter((p) => values.has(p)).map((p) => `${p} itself`),
      ...[...values].flatMap((a) =>
        [...values].filter((b) => PLANTED.includes(a - b)).map((b) => `${a} - ${b} = ${a - b}`),
      ),
    ];
    expect(derived).toEqual([]);
  });
});
