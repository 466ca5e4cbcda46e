/**
 * Three server processes (the CLI, as `node dist/server.mjs` runs it) started at the same instant
 * on one fresh PostgreSQL schema behave as one server: one first start (one key, one seed),
 * the same manifests and JWKS, shared console sessions, shared rate limits and wrong-login
 * throttles, a publish on one served by all, and no report lost or stored twice when one is
 * SIGKILLed during ingest and its requests are retried on the others. All traffic is loopback,
 * bounded in count, and every process is killed after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomHex } from '../../src/core/privacy/random.js';
import { dayOf, periodOf } from '../../src/core/schema.js';
import type { Manifest, Report } from '../../src/core/schema.js';
import { SEED_SITE } from '../../src/server/demo/seed.js';
import { MIGRATIONS } from '../../src/server/storage/migrations.js';
import { acquirePostgres } from './pg-harness.js';
import { sampleReports } from './helpers.js';

const TOKEN = 'multi-process-admin-token-0123456789';
const ROOT = join(import.meta.dirname, '../..');

type Proc = { child: ChildProcess; url: string; out: () => string };

/** Starts the CLI on a free port with its own data folder; resolves with its URL once it printed its banner. */
function startProcess(dir: string, databaseUrl: string): Promise<Proc> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/server/cli.ts',
      '--port',
      '0',
      '--data',
      dir,
      '--trust-proxy',
      '--rate-limit',
      'reports=60,wrongLogins=5',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, EDSEG_ADMIN_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  return new Promise<Proc>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /keys\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\/keys/.exec(out);
      if (m) resolve({ child, url: m[1]!, out: () => out });
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

const killed = (p: Proc): Promise<void> =>
  new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });

/** Reports for the period a server on the real clock is in now. */
const liveReports = (m: Manifest, n: number, seed: number): Report[] =>
  sampleReports(m, n, seed).map((r) => ({
    ...r,
    period: periodOf(dayOf(Date.now()), m.reporting.periodDays),
  }));

const postReports = (url: string, reports: Report[], client: string): Promise<Response> =>
  fetch(`${url}/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
    body: JSON.stringify({ reports }),
  });

const manifestOf = async (url: string): Promise<{ version: string | null; jws: string }> => {
  const r = await fetch(`${url}/v1/sites/${SEED_SITE}/manifest`);
  expect(r.status).toBe(200);
  return { version: r.headers.get('x-edseg-manifest-version'), jws: await r.text() };
};

const login = (url: string, client: string, password: string): Promise<Response> =>
  fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: url,
      'X-Forwarded-For': client,
    },
    body: new URLSearchParams({ name: 'owner', password }),
  });

describe('three processes on one PostgreSQL', () => {
  const schema = `edseg_multi_${randomHex(6)}`;
  let handle: Awaited<ReturnType<typeof acquirePostgres>>;
  let admin: pg.Client;
  let dir = '';
  let procs: Proc[] = [];
  const count = async (sql: string): Promise<number> =>
    Number((await admin.query<{ n: string | number }>(sql)).rows[0]!.n);

  beforeAll(async () => {
    handle = await acquirePostgres();
    admin = new pg.Client(handle.url);
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(`set search_path = ${schema}`);
    const url = `${handle.url}${handle.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    dir = mkdtempSync(join(tmpdir(), 'edseg-multi-'));
    // At the same instant: the first start, migrations, the first key and the seed race here.
    const started = await Promise.allSettled([0, 1, 2].map((i) => startProcess(join(dir, `p${i}`), url)));
    procs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(failed).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(procs.map(killed));
    if (admin) {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
    handle?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('made one first start: one key, one seed, the migrations once, and every process ready', async () => {
    for (const p of procs) expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
    expect(await count('select count(*) as n from signing_keys')).toBe(1);
    expect(await count(`select count(*) as n from site_versions where site = '${SEED_SITE}'`)).toBe(1);
    expect(await count(`select count(*) as n from audit_log where action = 'publish'`)).toBe(1);
    expect(await count('select count(*) as n from schema_migrations')).toBe(MIGRATIONS.length);
    expect(await count('select count(*) as n from server_settings')).toBe(1);
  });

  it('serves the same manifest and JWKS from every process', async () => {
    const keys = await Promise.all(procs.map(async (p) => (await fetch(`${p.url}/v1/keys`)).text()));
    expect(new Set(keys).size).toBe(1);
    const manifests = await Promise.all(procs.map((p) => manifestOf(p.url)));
    expect(new Set(manifests.map((m) => m.jws)).size).toBe(1);
    expect(manifests[0]!.version).toBe('1');
  });

  it('honours a session opened on one process on all; one logout or disable ends it everywhere', async () => {
    const r = await login(procs[0]!.url, '10.0.9.1', TOKEN);
    expect(r.status).toBe(303);
    const cookie = /edseg_admin=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
    const page = (url: string) => fetch(`${url}/admin/keys`, { redirect: 'manual', headers: { cookie } });
    for (const p of procs) expect((await page(p.url)).status).toBe(200);
    const out = await fetch(`${procs[2]!.url}/admin/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, Origin: procs[2]!.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(out.status).toBe(303);
    for (const p of procs) expect((await page(p.url)).status).toBe(303);
    // An account signed in on process 1, disabled through process 0: its session ends on all.
    const owner = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const made = await fetch(`${procs[0]!.url}/admin/api/accounts`, {
      method: 'POST',
      headers: owner,
      body: JSON.stringify({ name: 'dora', role: 'analyst' }),
    });
    expect(made.status).toBe(201);
    const { password } = (await made.json()) as { password: string };
    const dora = await fetch(`${procs[1]!.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: procs[1]!.url,
        'X-Forwarded-For': '10.0.9.2',
      },
      body: new URLSearchParams({ name: 'dora', password }),
    });
    expect(dora.status).toBe(303);
    const doraCookie = /edseg_admin=[^;]+/.exec(dora.headers.get('set-cookie') ?? '')![0];
    const doraPage = (url: string) =>
      fetch(`${url}/admin/sites/${SEED_SITE}`, { redirect: 'manual', headers: { cookie: doraCookie } });
    for (const p of procs) expect((await doraPage(p.url)).status).toBe(200);
    const disabled = await fetch(`${procs[0]!.url}/admin/api/accounts/dora/disable`, {
      method: 'POST',
      headers: owner,
      body: '{}',
    });
    expect(disabled.status).toBe(200);
    for (const p of procs) expect((await doraPage(p.url)).status).toBe(303);
    expect(await count(`select count(*) as n from admin_sessions where name = 'dora'`)).toBe(0);
  });

  it('counts one client spread over the three against one limit: reports and wrong logins', async () => {
    // 90 report posts (empty batches: a 400 after the limit is counted) round robin, limit 60 a minute.
    const statuses: number[] = [];
    for (let i = 0; i < 90; i++) statuses.push((await postReports(procs[i % 3]!.url, [], '10.0.8.1')).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    expect(statuses.slice(0, 60).every((s) => s !== 429)).toBe(true);
    // 12 wrong logins for one name from one client, spread over the three: 5 allowed, then throttled.
    const wrong: number[] = [];
    for (let i = 0; i < 12; i++) wrong.push((await login(procs[i % 3]!.url, '10.0.8.2', 'wrong')).status);
    expect(wrong.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(wrong.slice(5).every((s) => s === 429)).toBe(true);
    // The shared counters are keyed by an HMAC: the table holds no address and no account name.
    const keys = (await admin.query<{ key: string }>('select key from rate_limits')).rows.map((r) => r.key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => /10\.0\.|owner/.test(k))).toEqual([]);
  });

  it('serves a publish made on one process from the others at once', async () => {
    const r = await fetch(`${procs[1]!.url}/admin/api/sites/${SEED_SITE}/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ note: 'published on process 1' }),
    });
    expect(r.status).toBe(201);
    const manifests = await Promise.all(procs.map((p) => manifestOf(p.url)));
    expect(manifests.map((m) => m.version)).toEqual(['2', '2', '2']);
    expect(new Set(manifests.map((m) => m.jws)).size).toBe(1);
  });

  it('loses nothing and stores nothing twice when a process is SIGKILLed during ingest', async () => {
    const { jws } = await manifestOf(procs[0]!.url);
    const manifest = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Manifest;
    // 24 batches of 20 reports, each batch from its own client (the per-client limit stays out of it).
    const batches = Array.from({ length: 24 }, (_, i) => liveReports(manifest, 20, 100 + i));
    const total = batches.length * 20;
    const victim = procs[2]!;
    const outcome = new Array<number | 'lost'>(batches.length).fill('lost');
    let answered = 0;
    let kill: Promise<void> | null = null;
    await Promise.all(
      batches.map(async (b, i) => {
        try {
          outcome[i] = (await postReports(victim.url, b, `10.0.7.${i}`)).status;
        } catch {
          outcome[i] = 'lost';
        }
        // Killed once a few batches are in, with the rest in flight.
        if (++answered === 4) kill = killed(victim);
      }),
    );
    await kill;
    expect(victim.child.signalCode).toBe('SIGKILL');
    const interrupted = outcome.flatMap((s, i) => (s === 202 ? [] : [i]));
    expect(interrupted.length).toBeGreaterThan(0);
    // Retried on the survivors with the same report ids; then every batch once more (a retry whose
    // answer was lost): the server must count none of them twice.
    for (const i of interrupted)
      expect((await postReports(procs[i % 2]!.url, batches[i]!, `10.0.6.${i}`)).status).toBe(202);
    for (const [i, b] of batches.entries())
      expect((await postReports(procs[i % 2]!.url, b, `10.0.5.${i}`)).status).toBe(202);
    expect(await count(`select count(*) as n from reports where site = '${SEED_SITE}'`)).toBe(total);
    expect(
      await count(
        `select coalesce(sum(n), 0) as n from report_totals where site = '${SEED_SITE}' and model = '' and oracle = ''`,
      ),
    ).toBe(total);
  });
});
