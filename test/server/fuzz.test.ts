/**
 * Seeded fuzzing of every route (issue 8): thousands of random requests, GET/POST/PUT/DELETE and
 * more, on /v1, the admin API (with and without the bearer token), the console's forms (with and
 * without a session and a matching Origin), the SDK files, the demo and odd paths, with bad JSON,
 * wrong types, huge and deeply nested bodies, NUL bytes, huge numbers and wrong content types.
 * No answer may be a 5xx, and the server answers normally afterwards. Same seed, same requests.
 *
 * Random content types stop most admin writes at the guard (415), so a second part (issue 19) sends
 * every admin write route of the role table bodies in the content type it takes (JSON for the API, a
 * same-origin form with the session for the console), as the owner, so that they reach the handlers,
 * and reports how many did.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../src/core/privacy/random.js';
import type { Rng } from '../../src/core/privacy/random.js';
import type { Report } from '../../src/core/schema.js';
import { ROUTE_ROLES } from '../../src/server/admin/access.js';
import {
  appOf,
  ADMIN_TOKEN,
  ORIGIN,
  addAccount,
  adminApiOf,
  json,
  useServer,
  sampleReports,
  consoleCookie,
} from './helpers.js';

const SEED = 20250602;
const REQUESTS = 5000;

const s = useServer();
let app: ReturnType<typeof appOf>;
let cookie = '';
let reports: Report[] = [];
beforeAll(async () => {
  // Limits out of the way, so the requests reach the routes (the 429s are tested in security.test.ts).
  const huge = 1_000_000;
  app = appOf(s, {
    rateLimits: { reports: huge, estimates: huge, login: huge, wrongLogins: huge, wrongLoginsPerName: huge },
  });
  cookie = await consoleCookie(app, 'fuzz');
  reports = sampleReports(await s.manifest(), 20, 5);
});

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

const SITES = [
  'lingua-kids',
  'nope',
  '',
  '%00',
  'a%00b',
  '%0A%0D',
  '%FF%FE',
  '%E0%A4%A',
  '..',
  '%2e%2e%2f%2e%2e',
  'x'.repeat(300),
  '%E2%80%AE',
  '%F0%9F%98%80',
  '1e9',
  '-1',
  'lingua-kids%00',
  '%25',
];
const SITES_DECODED = ['lingua-kids', 'nope', 'a\u0000b', '', '..', 'x'.repeat(70)];
const NUMBERS = [
  '1',
  '2',
  '0',
  '-1',
  '1.5',
  '2147483647',
  '2147483648',
  '4294967296',
  '99999999999999999999',
  '1e400',
  'NaN',
  'Infinity',
  'abc',
  '',
  '%00',
  '0x10',
  '%D9%A1',
  ' 1',
];
const PATHS = [
  '/v1/sites/{site}/manifest',
  '/v1/sites/{site}/estimates',
  '/v1/sites/{site}/estimates?version={n}',
  '/v1/keys',
  '/v1/reports',
  '/v1/{site}',
  '/admin',
  '/admin/',
  '/admin/login',
  '/admin/logout',
  '/admin/audit',
  '/admin/audit?site={site}',
  '/admin/sites/{site}',
  '/admin/sites/{site}?ok={site}&error={site}',
  '/admin/sites/{site}/policy',
  '/admin/sites/{site}/publish',
  '/admin/sites/{site}/estimates?version={n}',
  '/admin/sites/{site}/refinement?maxStep={n}&minSupport={n}',
  '/admin/sites/{site}/refinement/publish',
  '/admin/api/sites',
  '/admin/api/sites/{site}',
  '/admin/api/sites/{site}/policy',
  '/admin/api/sites/{site}/publish',
  '/admin/api/sites/{site}/refinement?maxStep={n}&minSupport={n}',
  '/admin/api/sites/{site}/refinement/publish',
  '/admin/api/audit?limit={n}&site={site}',
  '/admin/api/keys/rotate',
  '/admin/api/{site}',
  '/edseg/{site}',
  '/edseg/edseg.js',
  '/demo/{site}',
  '/demo/',
  '/',
  '/{site}',
  '/%00',
  '//v1//keys',
  '/v1/sites/{site}/manifest?version={n}&version={n}',
];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const TYPES = [
  'application/json',
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=zzz',
  'text/plain',
  'application/octet-stream',
  'application/json; charset=utf-16',
  '',
  'x/%00',
];

/** A value of a random type, some of them hostile. */
function oddValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 9 : 11)) {
    case 0:
      return null;
    case 1:
      return rng.int(2) === 0;
    case 2:
      return pick(rng, [0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER]);
    case 3:
      return pick(rng, ['', 'a\u0000b', 'x'.repeat(5000), '\u202e', '<script>', '%00', '\ud800', '1']);
    case 4:
      return pick(rng, SITES_DECODED);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return '__proto__';
    case 8:
      return pick(rng, NUMBERS);
    case 9:
      return Array.from({ length: rng.int(4) }, () => oddValue(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [
          pick(rng, [
            'reports',
            'manifest',
            'models',
            'note',
            'allowed',
            'clear',
            'version',
            '__proto__',
            'x',
          ]),
          oddValue(rng, depth + 1),
        ]),
      );
  }
}

/** A report with one field replaced by an odd value (or the batch itself bent). */
function bentReports(rng: Rng): unknown {
  const batch = Array.from(
    { length: 1 + rng.int(3) },
    () => ({ ...pick(rng, reports) }) as Record<string, unknown>,
  );
  const r = batch[0]!;
  const keys = Object.keys(r);
  if (rng.int(4) > 0) r[pick(rng, keys)] = oddValue(rng);
  if (rng.int(5) === 0) r['manifestVersion'] = pick(rng, [2 ** 31, 2 ** 31 - 1, 0, -5, 1.5]);
  if (rng.int(5) === 0) r['period'] = pick(rng, [2 ** 31, 2 ** 40, -1]);
  if (rng.int(6) === 0) r['id'] = rng.int(2) ? 'f'.repeat(32) : 'x';
  return rng.int(10) === 0 ? batch : { reports: batch };
}

/** A request body: JSON of odd values, bad JSON, deep nesting, a 2 MB body, a form, bytes. */
function body(rng: Rng, path: string): BodyInit | undefined {
  switch (rng.int(12)) {
    case 0:
      return undefined;
    case 1:
      return '';
    case 2:
      return pick(rng, ['{', '{"reports":', 'nul', '[1,]', '\u0000', '{"a":1}}', '"\\ud800"']);
    case 3: {
      const depth = pick(rng, [100, 5000, 50_000]);
      return rng.int(2)
        ? '['.repeat(depth) + ']'.repeat(depth)
        : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    }
    case 4:
      return `{"note":"${'x'.repeat(2 * 1024 * 1024)}"}`;
    case 5:
      return new URLSearchParams({
        token: rng.int(3) ? 'wrong' : ADMIN_TOKEN,
        name: pick(rng, ['a\u0000', 'x'.repeat(500), 'Ada']),
        note: pick(rng, ['', 'x'.repeat(600), '\u0000']),
        allowed: pick(rng, SITES_DECODED),
        models: pick(rng, ['pace', 'mastery', '', '\u0000']),
        version: pick(rng, NUMBERS),
        maxStep: pick(rng, NUMBERS),
      });
    case 6:
      return new Uint8Array(Array.from({ length: 1 + rng.int(512) }, () => rng.int(256)));
    case 7:
    case 8:
      return path.startsWith('/v1/reports')
        ? JSON.stringify(bentReports(rng))
        : JSON.stringify(oddValue(rng));
    default:
      return JSON.stringify(path.startsWith('/v1/reports') ? bentReports(rng) : oddValue(rng));
  }
}

/** One random request: its URL and init (method, headers, body). */
function randomRequest(rng: Rng): { url: string; init: RequestInit } {
  const path = pick(rng, PATHS)
    .replaceAll('{site}', () => pick(rng, SITES))
    .replaceAll('{n}', () => pick(rng, NUMBERS));
  const method = pick(rng, METHODS);
  const headers: Record<string, string> = {};
  const type = pick(rng, TYPES);
  if (type) headers['Content-Type'] = type;
  if (rng.int(2)) headers['Authorization'] = rng.int(4) ? `Bearer ${ADMIN_TOKEN}` : 'Bearer wrong';
  if (rng.int(2)) headers['Cookie'] = rng.int(4) ? cookie : 'edseg_admin=forged; edseg_admin=%00';
  if (rng.int(3))
    headers['Origin'] = rng.int(3) ? ORIGIN.Origin : pick(rng, ['https://evil.example', 'null', '']);
  if (rng.int(6) === 0) headers['If-None-Match'] = pick(rng, ['*', '"x"', 'W/"', ',,,']);
  if (rng.int(8) === 0) headers['X-Edseg-Actor'] = pick(rng, ['a\u0001b', 'x'.repeat(1000), 'Ada']);
  if (rng.int(8) === 0) headers['X-Forwarded-For'] = pick(rng, ['1.2.3.4', '', ',', 'x'.repeat(300)]);
  const b = method === 'GET' || method === 'HEAD' ? undefined : body(rng, path);
  return {
    url: `http://localhost${path}`,
    init: { method, headers, ...(b !== undefined ? { body: b } : {}) },
  };
}

describe('fuzzing every route', () => {
  it(`answers ${REQUESTS} seeded random requests without a single 5xx, and still serves afterwards`, async () => {
    const rng = seededRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    // Admin writes (not GET/HEAD/OPTIONS under /admin/): how many the guard stopped for their content type.
    const writes = { sent: 0, unsupportedType: 0 };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t0 = performance.now();
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const { url, init } = randomRequest(rng);
        let status: number;
        try {
          const res = await app.request(url, init);
          await res.arrayBuffer();
          status = res.status;
        } catch (e) {
          status = 599;
          failures.push(`${init.method} ${url.slice(0, 200)} threw ${(e as Error).message}`);
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (/^https?:\/\/[^/]+\/admin\//.test(url) && !/^(GET|HEAD|OPTIONS)$/.test(init.method!)) {
          writes.sent++;
          if (status === 415) writes.unsupportedType++;
        }
        if (status >= 500 && status !== 599)
          failures.push(
            `${status} ${init.method} ${url.slice(0, 200)} ${JSON.stringify(init.headers)} ${String(init.body).slice(0, 200)}`,
          );
      }
    } finally {
      logged.mockRestore();
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; admin writes ${writes.sent}, ${writes.unsupportedType} stopped at 415`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    // Every kind of answer happened: the fuzz reached the routes, not only the guards.
    for (const status of [200, 201, 303, 400, 401, 403, 404, 413, 415])
      expect(statuses.get(status) ?? 0).toBeGreaterThan(0);

    // Alive afterwards: the public API and the console answer as before.
    expect((await app.request('/v1/keys')).status).toBe(200);
    expect((await app.request('/v1/sites/lingua-kids/manifest')).status).toBe(200);
    expect(
      (await app.request('/admin/api/sites', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status,
    ).toBe(200);
    const accepted = await app.request('/v1/reports', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ reports: sampleReports(await s.manifest(), 2, 999) }),
    });
    expect(accepted.status).toBe(202);
  });
});

/** Field names the admin API's bodies and the console's forms read. */
const ADMIN_FIELDS = [
  'note',
  'manifest',
  'models',
  'allowed',
  'clear',
  'clearModel',
  'add',
  'remove',
  'id',
  'name',
  'origins',
  'template',
  'role',
  'version',
  'maxStep',
  'minSupport',
  'model',
  'current',
  'password',
  'confirm',
  'token',
  'documentation',
  'criteria',
  'validation',
  'dataSources',
  'kind',
  'features',
  'segments',
  'purpose',
  'description',
  'events',
  'windowDays',
  'transform',
  'normalisation.kind',
  'values',
  'weights',
  'bias',
  'k',
  'csv',
  'x',
];

/** A JSON body for an admin API route: an object of admin fields with odd values, or an odd value. */
function adminJson(rng: Rng): string {
  if (rng.int(6) === 0) return JSON.stringify(oddValue(rng));
  const fields = Array.from({ length: 1 + rng.int(4) }, () => [pick(rng, ADMIN_FIELDS), oddValue(rng, 1)]);
  if (rng.int(3) === 0) fields.push(['role', pick(rng, ['owner', 'editor', 'analyst', 'root'])]);
  return JSON.stringify(Object.fromEntries(fields));
}

/** A console form: admin fields with odd strings (repeated fields too). */
function adminForm(rng: Rng): URLSearchParams {
  const f = new URLSearchParams();
  const text = () => {
    const v = oddValue(rng, 2);
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
  };
  for (let i = 0, n = 1 + rng.int(5); i < n; i++) f.append(pick(rng, ADMIN_FIELDS), text());
  if (rng.int(3) === 0) f.append('confirm', 'yes');
  return f;
}

describe('admin bodies in the content types the routes take', () => {
  /** Every admin write route of the role table but logout (it would end the session) and the fit page (science-fit-page.test.ts). */
  const ROUTES = ROUTE_ROLES.filter(
    (r) => r.method !== 'GET' && r.path !== '/admin/logout' && !r.path.includes('/fit'),
  );
  const BODIES = 12;
  let names: { features: string[]; models: string[]; segments: string[] };

  beforeAll(async () => {
    const api = adminApiOf(s);
    const created = await api(
      '/sites',
      json('POST', { id: 'fuzzsite', name: 'Fuzz', origins: ['https://fuzz.example'], template: 'demo' }),
    );
    expect(created.status).toBe(201);
    await addAccount(s, 'fuzzed', 'editor');
    // A session of its own: the random requests above may have logged the first one out.
    cookie = await consoleCookie(app, 'fuzz');
    const m = await s.manifest();
    names = {
      features: m.features.map((f) => f.name),
      models: m.models.map((x) => x.id),
      segments: m.models.flatMap((x) => x.segments.map((sg) => sg.id)),
    };
  });

  it(`sends ${BODIES} seeded bodies to each admin write route: they reach the handlers, and none answers 5xx`, async () => {
    const rng = seededRandom(SEED + 19);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let reached = 0;
    let sent = 0;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const route of ROUTES) {
        const api = route.path.startsWith('/admin/api/');
        for (let i = 0; i < BODIES; i++) {
          const path = route.path
            .replace(':site', () => (rng.int(8) ? 'fuzzsite' : 'nope'))
            .replace(':kid', 'no-such-kid')
            .replace(':feature', () => pick(rng, [...names.features, 'nope']))
            .replace(':model', () => pick(rng, [...names.models, 'nope']))
            .replace(':segment', () => pick(rng, [...names.segments, 'nope']))
            .replace(':name', () =>
              route.path.includes('/features/')
                ? pick(rng, [...names.features, 'nope'])
                : pick(rng, ['fuzzed', 'fuzzed', 'nobody']),
            );
          const init: RequestInit = api
            ? {
                method: route.method,
                headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
                body: adminJson(rng),
              }
            : {
                method: route.method,
                headers: {
                  'Content-Type': 'application/x-www-form-urlencoded',
                  Cookie: cookie,
                  ...ORIGIN,
                },
                body: adminForm(rng),
              };
          const res = await app.request(`http://localhost${path}`, init);
          await res.arrayBuffer();
          sent++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          // The guard and the access check answer 401, 403, 413 and 415; anything else is a handler's
          // (so is the login form's 401 for a wrong password).
          const guard = route.need === 'public' ? [403, 413, 415] : [401, 403, 413, 415];
          if (!guard.includes(res.status)) reached++;
          if (res.status >= 500)
            failures.push(`${res.status} ${route.method} ${path} ${String(init.body).slice(0, 200)}`);
        }
      }
    } finally {
      logged.mockRestore();
    }
    console.log(
      `fuzz: admin bodies: ${reached} of ${sent} reached the handlers (${ROUTES.length} routes × ${BODIES}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(reached).toBe(sent);
    // Some bodies were right enough to be taken, most were refused by the handler with a 4xx.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) + (statuses.get(303) ?? 0)).toBeGreaterThan(0);
    expect((await app.request('/v1/keys')).status).toBe(200);
  });
});
