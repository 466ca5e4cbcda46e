/**
 * The server tests' one set-up: a seeded server on PGlite in a temp folder (makeServer, or useServer
 * for a test file's beforeAll/afterAll), an app over its store with other options (appOf), a server
 * started on a port (useRunningServer), and realistic report batches and requests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ZodMiniType } from 'zod/mini';
import { buildReport } from '../../src/core/privacy/report.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { dayOf, periodOf } from '../../src/core/schema.js';
import type { Manifest, Report, SiteView } from '../../src/core/schema.js';
import { runAdminCli } from '../../src/server/admin-cli/main.js';
import { createApp } from '../../src/server/app.js';
import type { AppOptions } from '../../src/server/app.js';
import { createSigner } from '../../src/server/identity/keys.js';
import type { Signer } from '../../src/server/identity/keys.js';
import { SEED_SITE, seedDemoSite } from '../../src/server/demo/seed.js';
import { startServer } from '../../src/server/runtime/start.js';
import type { RunningServer, StartOptions } from '../../src/server/runtime/start.js';
import { JWK_PLACEHOLDER } from '../../src/server/runtime/static.js';
import { openPgliteStore } from '../../src/server/storage/pglite.js';
import type { Store } from '../../src/server/storage/store.js';

export const NOW = new Date('2025-06-02T10:00:00Z');
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const PORT = 8787;
/** The demo site the test server seeds. */
export { SEED_SITE };

export type TestServer = {
  app: Hono;
  store: Store;
  signer: Signer;
  dir: string;
  clock: { now: Date };
  manifest: () => Promise<Manifest>;
  close(): Promise<void>;
};

/** PGlite in a temp folder, seeded like a first run on port 8787, with small static and demo folders. */
export async function makeServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'edseg-server-test-'));
  const store = await openPgliteStore(join(dir, 'pglite'));
  const clock = { now: NOW };
  const signer = await createSigner(store, () => clock.now);
  await seedDemoSite(store, signer, { port: PORT, now: NOW });
  const staticDir = join(dir, 'dist');
  const demoDir = join(dir, 'demo');
  mkdirSync(staticDir);
  mkdirSync(demoDir);
  writeFileSync(join(staticDir, 'edseg.js'), 'window.edseg = {};\n');
  writeFileSync(join(staticDir, 'edseg.worker.js'), 'self.onmessage = () => {};\n');
  writeFileSync(join(staticDir, 'edseg.mjs'), 'export const createSegmenter = () => {};\n');
  writeFileSync(join(staticDir, 'activate.mjs'), 'export const activate = () => () => {};\n');
  writeFileSync(join(staticDir, 'server.mjs'), '// not public\n');
  writeFileSync(
    join(demoDir, 'index.html'),
    `<!doctype html><script src="/edseg/edseg.js" data-key='${JWK_PLACEHOLDER}'></script>\n`,
  );
  writeFileSync(join(demoDir, 'app.js'), 'console.log("demo");\n');
  const s: Omit<TestServer, 'app'> = {
    store,
    signer,
    dir,
    clock,
    manifest: async () => (await store.currentVersion(SEED_SITE))!.manifest,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { ...s, app: appOf(s, { staticDir, demoDir }) };
}

/**
 * The test file's server (makeServer): made before its tests, closed after them. The object is
 * filled in when beforeAll runs, so the file's helpers and describe blocks hold it from the start.
 */
export function useServer(timeout?: number): TestServer {
  const s = {} as TestServer;
  beforeAll(async () => {
    Object.assign(s, await makeServer());
  }, timeout);
  afterAll(async () => {
    await s.close?.();
  });
  return s;
}

/** An app over the test server's store, signer and clock, with the admin token and `opts` (rate limits, a logger…). */
export function appOf(
  s: Pick<TestServer, 'store' | 'signer' | 'clock'>,
  opts: Partial<AppOptions> = {},
): Hono {
  return createApp({
    store: s.store,
    signer: s.signer,
    adminToken: ADMIN_TOKEN,
    now: () => s.clock.now,
    ...opts,
  });
}

/**
 * A server started on a free port (startServer) with its data folder in a new temp folder `dir`
 * (named from `prefix`), before the file's tests; closed and removed after them. `opts` may be a
 * function of `dir`. Filled in when beforeAll runs, like useServer.
 */
export function useRunningServer(
  prefix: string,
  opts: StartOptions | ((dir: string) => StartOptions) = {},
): RunningServer & { dir: string } {
  const server = {} as RunningServer & { dir: string };
  beforeAll(async () => {
    server.dir = mkdtempSync(join(tmpdir(), prefix));
    const options = typeof opts === 'function' ? opts(server.dir) : opts;
    Object.assign(server, await startServer({ port: 0, dataDir: join(server.dir, 'data'), ...options }));
  });
  afterAll(async () => {
    await server.close?.();
    if (server.dir) rmSync(server.dir, { recursive: true, force: true });
  });
  return server;
}

/**
 * `n` reports as devices would build them (core buildReport, seeded): pace in clear, mastery and
 * offers through LDP, the noised feature vector; segment indices drawn from `weights` per model.
 */
export function sampleReports(manifest: Manifest, n: number, seed = 1): Report[] {
  const rng = seededRandom(seed);
  const period = periodOf(dayOf(NOW.getTime()), manifest.reporting.periodDays);
  const channels: Record<string, 'clear' | 'ldp'> = { pace: 'clear', mastery: 'ldp', offers: 'ldp' };
  return Array.from({ length: n }, () => {
    const assignments = manifest.models
      .filter((m) => channels[m.id])
      .map((m) => {
        const index = rng.int(m.segments.length);
        return {
          model: m.id,
          index,
          k: m.segments.length,
          segmentId: m.segments[index]!.id,
          channel: channels[m.id]!,
        };
      });
    const features = manifest.features.map(() => 2 * rng.real() - 1);
    return buildReport({
      site: manifest.site.id,
      manifestVersion: manifest.version,
      period,
      assignments,
      features,
      reporting: manifest.reporting,
      rng,
    })!;
  });
}

/** Asserts that `body` parses with `schema` (from schema.ts) and that the parse drops nothing: no field the schema does not declare. */
export function expectShape(schema: ZodMiniType, body: unknown): void {
  const parsed = schema.safeParse(body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(parsed.data).toEqual(body);
}

/** A JSON request init. */
export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** The Origin header the console's same-origin (CSRF) check accepts in app.request() tests. */
export const ORIGIN = { Origin: 'http://localhost' };

/** A urlencoded form body; an array value repeats the field. */
export function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  return body;
}

/** A request to the admin JSON API of `s` with the admin token. */
export const adminApiOf =
  (s: TestServer) =>
  (path: string, init: RequestInit = {}): Promise<Response> =>
    Promise.resolve(
      s.app.request(`/admin/api${path}`, {
        ...init,
        headers: { ...bearer, ...(init.headers as Record<string, string>) },
      }),
    );

/** A request to the admin JSON API of `s` with an account's API token. */
export const apiAs =
  (s: TestServer, token: string) =>
  (path: string, init: RequestInit = {}): Promise<Response> =>
    Promise.resolve(
      s.app.request(`/admin/api${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      }),
    );

/** Creates an account on `s` through the admin API (as the bootstrap owner); its one-time password and API token. */
export async function addAccount(
  s: TestServer,
  name: string,
  role: 'owner' | 'editor' | 'analyst',
): Promise<{ name: string; role: string; password: string; token: string }> {
  const res = await adminApiOf(s)('/accounts', json('POST', { name, role }));
  expect(res.status).toBe(201);
  const body = (await res.json()) as { password: string; token: string };
  return { name, role, password: body.password, token: body.token };
}

/** The admin API's view of one site (default the seeded lingua-kids), read through `api`. */
export async function siteViewOf(
  api: (path: string) => Promise<Response>,
  site = SEED_SITE,
): Promise<SiteView> {
  return (await (await api(`/sites/${site}`)).json()) as SiteView;
}

/** Signs in to the console with the admin token (as `name`) and returns the session's cookie. */
export async function consoleCookie(app: Pick<TestServer['app'], 'request'>, name = 'Ada'): Promise<string> {
  const res = await app.request('/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
    body: form({ token: ADMIN_TOKEN, name }),
  });
  const set = res.headers.get('set-cookie');
  if (!set) throw new Error(`the console login answered ${res.status} without a session cookie`);
  return set.split(';')[0]!;
}

/**
 * A console session on `s`: `login()` first (with the admin token, the bootstrap owner, typing the name
 * Grace, which the audit log does not take; another token or Origin may be given, and the answer is
 * returned) or `loginAs(name, password)` for an account, then GETs and form posts (same-origin unless told) with its cookie.
 */
export function consoleSession(server: TestServer | (() => TestServer)) {
  // A getter lets a describe block make the session before beforeAll has started the server.
  const app = () => (typeof server === 'function' ? server() : server).app;
  let cookie = '';
  const post = (path: string, body: URLSearchParams, headers: Record<string, string>) =>
    Promise.resolve(
      app().request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body,
      }),
    );
  return {
    async login(token = ADMIN_TOKEN, headers: Record<string, string> = ORIGIN): Promise<Response> {
      const res = await post('/admin/login', form({ token, name: 'Grace' }), headers);
      const set = res.headers.get('set-cookie');
      if (res.status === 303 && set) cookie = set.split(';')[0]!;
      return res;
    },
    /** Signs in with an account's name and password. */
    async loginAs(
      name: string,
      password: string,
      headers: Record<string, string> = ORIGIN,
    ): Promise<Response> {
      const res = await post('/admin/login', form({ name, password }), headers);
      const set = res.headers.get('set-cookie');
      if (res.status === 303 && set) cookie = set.split(';')[0]!;
      return res;
    },
    get: (path: string) => Promise.resolve(app().request(path, { headers: { Cookie: cookie } })),
    postForm: (
      path: string,
      fields: Record<string, string | string[]>,
      headers: Record<string, string> = ORIGIN,
    ) => post(path, form(fields), { Cookie: cookie, ...headers }),
  };
}

/** One in-process edseg-admin run: its exit status, stdout and stderr joined by newlines, stderr's lines. */
export type CliRun = { code: number; out: string; err: string; errLines: string[] };

/** Runs edseg-admin in-process (runAdminCli) with env, collecting what it writes. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminCli(argv, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), errLines: err };
}
