/**
 * The server fails closed (issue 8, point 7): a private data folder with one server on it, a body
 * limit on every route, rate limits per client, 4xx for every bad parameter, escaped logs,
 * server-side admin sessions and admin writes that need a form with a matching Origin (or JSON
 * with the bearer token).
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/ops/log.js';
import { optionsFrom } from '../../src/server/cli.js';
import { takeOverStale } from '../../src/server/runtime/datadir.js';
import { startServer } from '../../src/server/runtime/start.js';
import { appOf, ADMIN_TOKEN, ORIGIN, bearer, form, json, useServer, sampleReports } from './helpers.js';

const s = useServer();
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edseg-security-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** What @hono/node-server passes as env: the request's socket, whose address keys the rate limits. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

const formPost = (fields: Record<string, string>, headers: Record<string, string> = ORIGIN): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  body: form(fields),
});

/** Every entry under `root` whose mode lets group or others in, with its mode. */
function openToOthers(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) out.push(`${(st.mode & 0o777).toString(8)} ${p}`);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(root);
  return out;
}

describe('the data folder', () => {
  it('is created 0700 with every file in it 0600: the admin token and the PGlite files, write-ahead log included', async () => {
    const data = join(dir, 'private');
    const server = await startServer({ port: 0, dataDir: data });
    try {
      expect(lstatSync(data).mode & 0o777).toBe(0o700);
      expect(lstatSync(join(data, 'admin-token')).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(data, 'pglite', 'pg_wal')).length).toBeGreaterThan(0);
      expect(openToOthers(data)).toEqual([]);
    } finally {
      await server.close();
    }
    expect(openToOthers(data)).toEqual([]);
  });

  it('refuses to start on a folder others can write, with a message that says how to fix it', async () => {
    const data = join(dir, 'shared');
    mkdirSync(data);
    chmodSync(data, 0o777);
    await expect(startServer({ port: 0, dataDir: data })).rejects.toThrow(
      /writable by others \(mode 777\).*chmod 700/,
    );
  });

  it('refuses a second server on the same folder while the first runs, naming its pid', async () => {
    const data = join(dir, 'one-server');
    const first = await startServer({ port: 0, dataDir: data });
    try {
      await expect(startServer({ port: 0, dataDir: data })).rejects.toThrow(
        new RegExp(`in use by another edseg server \\(pid ${process.pid}\\)`),
      );
      // the first still serves
      expect((await fetch(`${first.url}/v1/keys`)).status).toBe(200);
    } finally {
      await first.close();
    }
    // and the folder is free again once it stops
    const again = await startServer({ port: 0, dataDir: data });
    await again.close();
  });

  it('takes over the lock of a server that died without releasing it', async () => {
    const data = join(dir, 'stale');
    mkdirSync(data, { mode: 0o700 });
    const dead = spawn(process.execPath, ['-e', '']);
    const pid = dead.pid!;
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(data, 'server.lock'), `${pid}\n`, { mode: 0o600 });
    const server = await startServer({ port: 0, dataDir: data });
    await server.close();
  });

  it('does not take over a lock another server took over first from the same dead pid', () => {
    // Two servers saw the same dead pid; the first already replaced the lock with its own. The
    // second moves that fresh lock aside, sees another pid in it, puts it back and refuses.
    const data = join(dir, 'race');
    mkdirSync(data, { mode: 0o700 });
    const lock = join(data, 'server.lock');
    writeFileSync(lock, `${process.pid}\n`, { mode: 0o600 });
    expect(() => takeOverStale(lock, 999_999_999, data)).toThrow(/in use by another edseg server/);
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`);
    expect(readdirSync(data)).toEqual(['server.lock']);
  });

  it('the CLI exits 1 with the message on a folder others can write', async () => {
    const data = join(dir, 'cli-shared');
    mkdirSync(data);
    chmodSync(data, 0o777);
    const { code, out } = await runCli(data);
    expect(out).toMatch(/writable by others/);
    expect(code).toBe(1);
  });

  it('a second CLI server on the folder of a running one exits 1 and says so', async () => {
    const data = join(dir, 'cli-locked');
    const first = await startServer({ port: 0, dataDir: data });
    try {
      const { code, out } = await runCli(data);
      expect(out).toMatch(/in use by another edseg server/);
      expect(code).toBe(1);
    } finally {
      await first.close();
    }
  });
});

/** Runs the CLI on `data` until it exits (stopping it once it says it is ready), with what it printed. */
async function runCli(data: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--data', data],
    {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready in')) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, out };
}

describe('the CLI options', () => {
  it('takes --trust-proxy and --rate-limit, or their variables', () => {
    expect(optionsFrom(['--trust-proxy', '--rate-limit', 'reports=5,wrongLogins=2'], {})).toMatchObject({
      trustProxy: true,
      rateLimits: { reports: 5, wrongLogins: 2 },
    });
    expect(optionsFrom([], { EDSEG_TRUST_PROXY: '1', EDSEG_RATE_LIMIT: 'login=3' })).toMatchObject({
      trustProxy: true,
      rateLimits: { login: 3 },
    });
    expect(optionsFrom([], {})).not.toHaveProperty('trustProxy');
  });

  it('refuses a rate limit it does not know or that is not a positive integer', () => {
    expect(() => optionsFrom(['--rate-limit', 'uploads=5'], {})).toThrow(/--rate-limit/);
    expect(() => optionsFrom(['--rate-limit', 'reports=0'], {})).toThrow(/--rate-limit/);
  });
});

describe('body limits', () => {
  it('refuses a 1 MB unauthenticated login post with 413, unread', async () => {
    const res = await s.app.request('/admin/login', formPost({ token: 'x'.repeat(1024 * 1024) }));
    expect(res.status).toBe(413);
  });

  it('refuses a large admin form post with 413', async () => {
    const res = await s.app.request('/admin/logout', formPost({ note: 'x'.repeat(200 * 1024) }));
    expect(res.status).toBe(413);
  });
});

describe('rate limits per client', () => {
  it('answers 429 with Retry-After past the reports limit, per client address', async () => {
    const app = appOf(s, { rateLimits: { reports: 3 } });
    const post = (address: string) => app.request('/v1/reports', json('POST', {}), from(address));
    for (let i = 0; i < 3; i++) expect((await post('192.0.2.1')).status).toBe(400);
    const res = await post('192.0.2.1');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    // another client is not affected
    expect((await post('192.0.2.2')).status).toBe(400);
  });

  it('limits the estimates and the login form', async () => {
    const app = appOf(s, { rateLimits: { estimates: 2, login: 2 } });
    const est = () => app.request('/v1/sites/lingua-kids/estimates', {}, from('192.0.2.3'));
    expect((await est()).status).toBe(200);
    expect((await est()).status).toBe(200);
    expect((await est()).status).toBe(429);
    const login = () => app.request('/admin/login', formPost({ token: 'nope' }), from('192.0.2.3'));
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(429);
  });

  it('throttles wrong logins: after the limit even the right token waits', async () => {
    const app = appOf(s, { rateLimits: { wrongLogins: 3 } });
    const login = (token: string) => app.request('/admin/login', formPost({ token }), from('192.0.2.4'));
    for (let i = 0; i < 3; i++) expect((await login('wrong')).status).toBe(401);
    const res = await login(ADMIN_TOKEN);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('takes the client from X-Forwarded-For only behind a trusted proxy', async () => {
    const post = (app: ReturnType<typeof appOf>, xff: string) =>
      app.request('/v1/reports', json('POST', {}, { 'X-Forwarded-For': xff }), from('127.0.0.1'));
    const direct = appOf(s, { rateLimits: { reports: 1 } });
    expect((await post(direct, '198.51.100.1')).status).toBe(400);
    expect((await post(direct, '198.51.100.2')).status).toBe(429); // same socket: same client
    const proxied = appOf(s, { rateLimits: { reports: 1 }, trustProxy: true });
    expect((await post(proxied, '198.51.100.1')).status).toBe(400);
    expect((await post(proxied, '198.51.100.2')).status).toBe(400);
    expect((await post(proxied, '203.0.113.9, 198.51.100.1')).status).toBe(429);
  });
});

describe('every bad parameter answers 4xx, never 5xx', () => {
  const cases: [string, RequestInit?][] = [
    ['/v1/sites/a%00b/manifest'],
    ['/v1/sites/a%00b/estimates'],
    ['/v1/sites/lingua-kids/estimates?version=2147483648'],
    ['/v1/sites/lingua-kids/estimates?version=1e400'],
    ['/admin/api/sites/a%00b', { headers: bearer }],
    ['/admin/api/sites/a%00b/refinement', { headers: bearer }],
    ['/admin/api/audit?limit=1.5', { headers: bearer }],
    ['/admin/api/audit?limit=-1', { headers: bearer }],
    ['/admin/api/audit?site=a%00b', { headers: bearer }],
    ['/edseg/a%00b'],
    ['/demo/a%00b'],
  ];
  for (const [path, init] of cases) {
    it(`answers 4xx to ${path}`, async () => {
      const res = await s.app.request(path, init);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });
  }

  it('answers 4xx to a report whose manifest version is past 2^31', async () => {
    const [r] = sampleReports(await s.manifest(), 1, 77);
    const res = await s.app.request(
      '/v1/reports',
      json('POST', { reports: [{ ...r, manifestVersion: 2 ** 31 }] }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('logs', () => {
  it('escapes control characters and newlines of the request path', async () => {
    const lines: string[] = [];
    const app = appOf(s, { logger: createLogger({ level: 'warn', write: (l) => void lines.push(l) }) });
    app.get('/v1/boom/*', () => {
      throw new Error('failed\nedseg-server: forged line');
    });
    const res = await app.request('/v1/boom/x%0Aedseg-server:%20GET%20/forged%1b[31m');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('forged');
    // one JSON line, and the path inside it escaped as before: no newline, no raw ESC
    const logged = lines.join('');
    expect(logged.split('\n').filter(Boolean)).toHaveLength(1);
    expect(logged).not.toContain('\x1b');
    expect(JSON.parse(logged)).toMatchObject({
      level: 'error',
      msg: 'request failed',
      method: 'GET',
      path: '/v1/boom/x\\nedseg-server: GET /forged\\x1b[31m',
      error: 'failed\\nedseg-server: forged line',
    });
  });
});

describe('admin sessions', () => {
  const login = async (app = s.app, headers: Record<string, string> = ORIGIN) => {
    const res = await app.request('/admin/login', formPost({ token: ADMIN_TOKEN, name: 'Ada' }, headers));
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!;
  };

  it('keeps the session on the server: the cookie is an opaque id, and a replayed cookie no longer works after logout', async () => {
    const set = await login();
    const cookie = set.split(';')[0]!;
    expect(cookie).toMatch(/^edseg_admin=[A-Za-z0-9_-]{43}$/);
    expect(decodeURIComponent(cookie)).not.toContain('Ada');
    expect((await s.app.request('/admin', { headers: { Cookie: cookie } })).status).toBe(200);
    const out = await s.app.request('/admin/logout', {
      ...formPost({}),
      headers: { ...ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    });
    expect(out.status).toBe(303);
    const replay = await s.app.request('/admin', { headers: { Cookie: cookie } });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/admin/login');
  });

  it('marks the cookie Secure behind a trusted proxy that says https, not otherwise', async () => {
    const https = {
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'admin.example',
      Origin: 'https://admin.example',
    };
    expect(await login(appOf(s, { trustProxy: true }), https)).toMatch(/;\s*Secure/i);
    expect(await login(appOf(s), ORIGIN)).not.toMatch(/Secure/i);
    // without trustProxy the forwarded headers mean nothing: that Origin is not this server's
    const res = await appOf(s).request('/admin/login', formPost({ token: ADMIN_TOKEN }, https));
    expect(res.status).toBe(403);
  });
});

describe('admin writes need a form with a matching Origin, or JSON with the bearer token', () => {
  let cookie = '';
  beforeAll(async () => {
    const res = await s.app.request('/admin/login', formPost({ token: ADMIN_TOKEN, name: 'Ada' }));
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  });
  const published = async () => (await s.store.currentVersion('lingua-kids'))!.version;

  it('refuses a JSON post to a console form, even with a session and no Origin, publishing nothing', async () => {
    const before = await published();
    const res = await s.app.request('/admin/sites/lingua-kids/publish', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(await published()).toBe(before);
  });

  it('refuses a text/plain post with a matching Origin', async () => {
    const before = await published();
    const res = await s.app.request('/admin/sites/lingua-kids/publish', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Cookie: cookie, ...ORIGIN },
      body: 'note=x',
    });
    expect(res.status).toBe(415);
    expect(await published()).toBe(before);
  });

  it('refuses a form post without an Origin', async () => {
    const res = await s.app.request('/admin/sites/lingua-kids/publish', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
      body: 'note=x',
    });
    expect(res.status).toBe(403);
  });

  it('refuses a form body to the JSON API even with the bearer token', async () => {
    const before = await published();
    const res = await s.app.request('/admin/api/sites/lingua-kids/publish', {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'note=x',
    });
    expect(res.status).toBe(415);
    expect(await published()).toBe(before);
  });

  it('accepts the console form behind a trusted proxy when the Origin is the public one', async () => {
    const app = appOf(s, { trustProxy: true });
    const https = {
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'admin.example',
      Origin: 'https://admin.example',
    };
    const res = await app.request('/admin/login', formPost({ token: ADMIN_TOKEN }, https));
    expect(res.status).toBe(303);
  });
});
