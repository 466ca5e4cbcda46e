/**
 * Operations: /healthz, /readyz (503 when the database does not answer or a shutdown began),
 * /metrics (who may read it; reports accepted and refused by reason; latency by route), the JSON
 * request log (no address, no user agent), compression and ETags of /edseg/* and /demo/*, and the
 * graceful shutdown of the real process (a slow request in flight at SIGTERM still completes).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { dayOf, periodOf } from '../../src/core/schema.js';
import type { Manifest, Report } from '../../src/core/schema.js';
import { createApp } from '../../src/server/app.js';
import { optionsFrom } from '../../src/server/cli.js';
import { createSigner } from '../../src/server/identity/keys.js';
import { createLogger } from '../../src/server/ops/log.js';
import { openPgliteStore } from '../../src/server/storage/pglite.js';
import { useRunningServer, SEED_SITE, sampleReports } from './helpers.js';

/**
 * sampleReports for the period a running server (on the real clock) is in now: the collector
 * refuses a period before the one before its version's publication, which was at start.
 */
const liveReports = (m: Manifest, n: number, seed: number): Report[] =>
  sampleReports(m, n, seed).map((r) => ({
    ...r,
    period: periodOf(dayOf(Date.now()), m.reporting.periodDays),
  }));

const TOKEN = 'ops-test-admin-token-0123456789';
const METRICS_TOKEN = 'ops-test-metrics-token';

type Raw = { status: number; headers: IncomingHttpHeaders; body: Buffer };

type RawOptions = { method?: string; headers?: Record<string, string>; body?: string };

/**
 * One HTTP request with node:http on a connection of its own (fetch would decompress and hide
 * Content-Encoding); `drive` writes the body (default: all of opts.body at once) and may fail the request.
 */
function raw(
  url: string,
  opts: RawOptions = {},
  drive: (req: ClientRequest, fail: (e: Error) => void) => void = (req) => req.end(opts.body),
) {
  return new Promise<Raw>((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    drive(req, reject);
  });
}

const metricValue = (text: string, line: string): number => {
  const m = new RegExp(`^${line.replace(/[{}"().]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

let manifest: Manifest;
const logLines: string[] = [];
const WORKER = `self.onmessage = (e) => postMessage(e.data);\n${'// padding the worker to a realistic size\n'.repeat(3000)}`;

const server = useRunningServer('edseg-ops-', (dir) => {
  const staticDir = join(dir, 'dist');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'edseg.worker.js'), WORKER);
  return {
    adminToken: TOKEN,
    metricsToken: METRICS_TOKEN,
    staticDir,
    logger: createLogger({ level: 'info', write: (l) => void logLines.push(l) }),
  };
});
beforeAll(async () => {
  manifest = (await server.store.currentVersion(SEED_SITE))!.manifest;
});

describe('health and readiness', () => {
  it('/healthz answers 200 while the process serves; /readyz 200 while the database answers', async () => {
    const h = await fetch(`${server.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
    const r = await fetch(`${server.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready' });
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz answers 503 when the database does not answer, /healthz still 200', async () => {
    const store = await openPgliteStore();
    const signer = await createSigner(store, () => new Date());
    const logger = createLogger({ level: 'silent' });
    const app = createApp({ store, signer, adminToken: TOKEN, logger });
    expect((await app.request('/readyz')).status).toBe(200);
    // app.request has no socket: not loopback, so no metrics without a token
    expect((await app.request('/metrics')).status).toBe(404);
    expect((await app.request('/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(
      200,
    );
    await store.close();
    const r = await app.request('/readyz');
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ status: 'unavailable' });
    expect((await app.request('/healthz')).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('is readable from loopback, with the metrics token or the admin token; 404 for anyone else', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    const viaProxy = { 'X-Forwarded-For': '203.0.113.9' };
    expect((await fetch(`${server.url}/metrics`, { headers: viaProxy })).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { headers: { Forwarded: 'for=203.0.113.9' } })).status).toBe(
      404,
    );
    expect(
      (await fetch(`${server.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status,
    ).toBe(404);
    for (const t of [METRICS_TOKEN, TOKEN]) {
      const r = await fetch(`${server.url}/metrics`, {
        headers: { ...viaProxy, Authorization: `Bearer ${t}` },
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    }
  });

  it('counts reports accepted and duplicate, batches refused by reason, and request latency by route', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const reports = liveReports(manifest, 5, 42);
    const post = (body: string) =>
      fetch(`${server.url}/v1/reports`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
    expect((await post(JSON.stringify({ reports }))).status).toBe(202);
    expect((await post(JSON.stringify({ reports: reports.slice(0, 2) }))).status).toBe(202);
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ reports: [{ ...reports[0]!, site: 'nowhere' }] }))).status).toBe(400);
    expect((await post(JSON.stringify({ reports: [{ ...reports[0]!, manifestVersion: 99 }] }))).status).toBe(
      400,
    );
    expect((await post(JSON.stringify({ reports: [{ ...reports[0]!, epsilon: 0.5 }] }))).status).toBe(400);
    // on a connection of its own: the server answers before reading the body, then closes it
    expect(
      (await raw(`${server.url}/v1/reports`, { method: 'POST', body: 'x'.repeat(300 * 1024) })).status,
    ).toBe(413);
    const after = await (await fetch(`${server.url}/metrics`)).text();
    const delta = (line: string) => metricValue(after, line) - metricValue(before, line);
    expect(delta('edseg_reports_accepted_total')).toBe(5);
    expect(delta('edseg_reports_duplicate_total')).toBe(2);
    for (const reason of ['invalid-json', 'unknown-site', 'unknown-version', 'invalid', 'too-large'])
      expect(delta(`edseg_report_batches_refused_total{reason="${reason}"}`), reason).toBe(1);
    expect(
      delta('edseg_http_request_duration_seconds_count{method="POST",route="/v1/reports",status="202"}'),
    ).toBe(2);
    expect(after).toMatch(
      /edseg_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/metrics"/,
    );
    expect(after).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});

describe('the request log', () => {
  it('writes one JSON object per line with method, route, status and ms; never the address or user agent', async () => {
    const ua = 'Mozilla/5.0 (ops-test-secret-agent)';
    logLines.length = 0;
    await fetch(`${server.url}/v1/sites/lingua-kids/manifest`, {
      headers: { 'User-Agent': ua, 'X-Forwarded-For': '198.51.100.23' },
    });
    await fetch(`${server.url}/nowhere`, { headers: { 'User-Agent': ua } });
    expect(logLines.length).toBeGreaterThanOrEqual(2);
    const objects = logLines.map((l) => {
      expect(l.endsWith('\n') && l.indexOf('\n') === l.length - 1).toBe(true);
      return JSON.parse(l) as Record<string, unknown>;
    });
    expect(objects).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'request',
        method: 'GET',
        route: '/v1/sites/:site/manifest',
        status: 200,
        ms: expect.any(Number),
      }),
    );
    expect(objects).toContainEqual(expect.objectContaining({ route: 'unmatched', status: 404 }));
    const all = logLines.join('');
    for (const secret of ['secret-agent', '198.51.100.23', '127.0.0.1']) expect(all).not.toContain(secret);
    // a field named for an address is dropped, whoever passes it
    const lines: string[] = [];
    createLogger({ write: (l) => void lines.push(l) }).info('x', {
      ip: '10.0.0.1',
      userAgent: ua,
      'user-agent': ua,
      ok: 1,
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'x', ok: 1 });
    expect(lines[0]).not.toMatch(/10\.0\.0\.1|secret-agent/);
  });
});

describe('the CLI options', () => {
  it('takes --log-level (or EDSEG_LOG_LEVEL) and EDSEG_METRICS_TOKEN, and refuses an unknown level', () => {
    expect(optionsFrom(['--log-level', 'error'], {}).logger?.level).toBe('error');
    expect(optionsFrom([], { EDSEG_LOG_LEVEL: 'debug' }).logger?.level).toBe('debug');
    expect(optionsFrom([], {}).logger?.level).toBe('info');
    expect(() => optionsFrom(['--log-level', 'loud'], {})).toThrow(/--log-level is one of debug, info/);
    expect(optionsFrom([], { EDSEG_METRICS_TOKEN: 'm' })).toMatchObject({ metricsToken: 'm' });
    expect(optionsFrom([], {})).not.toHaveProperty('metricsToken');
  });
});

describe('compression and ETags of /edseg/* and /demo/*', () => {
  it('serves the worker gzipped when accepted, with a weak ETag that a revalidation answers with 304', async () => {
    const url = `${server.url}/edseg/edseg.worker.js`;
    const gz = await raw(url, { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['vary']).toMatch(/accept-encoding/i);
    expect(gunzipSync(gz.body).toString()).toBe(WORKER);
    expect(gz.body.length).toBeLessThan(WORKER.length / 10);
    const plain = await raw(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(WORKER);
    const etag = gz.headers['etag']!;
    expect(etag).toMatch(/^W\/"[\w-]{27}"$/);
    expect(plain.headers['etag']).toBe(etag);
    expect(gz.headers['cache-control']).toBe('no-cache');
    const again = await raw(url, { headers: { 'If-None-Match': etag, 'Accept-Encoding': 'gzip' } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['etag']).toBe(etag);
  });

  it('compresses the demo pages too, and their ETag follows the content served', async () => {
    const page = await raw(`${server.url}/demo/`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    const html = gunzipSync(page.body).toString();
    expect(html).toMatch(/<html/i);
    expect(html).not.toContain('__EDSEG_PUBLIC_JWK__');
    const etag = page.headers['etag']!;
    expect((await raw(`${server.url}/demo/`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect((await raw(`${server.url}/demo/`, { headers: { 'If-None-Match': 'W/"other"' } })).status).toBe(
      200,
    );
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, finishes the request in flight (202), closes the database, exits 0', async () => {
    const data = join(server.dir, 'shutdown');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--data', data],
      {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, EDSEG_ADMIN_TOKEN: TOKEN, EDSEG_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /keys\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\/keys/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const { port } = new URL(url);
    const body = JSON.stringify({ reports: liveReports(manifest, 3, 7) });
    // A slow upload: the headers and half the body now, the rest after SIGTERM.
    const answer = raw(
      `${url}/v1/reports`,
      { method: 'POST', headers: { 'Content-Type': 'application/json' } },
      (req, reject) => {
        req.write(body.slice(0, body.length / 2));
        setTimeout(() => {
          child.kill('SIGTERM');
          // the listener closes: a new connection is refused while the old request still runs
          const probe = (tries: number): void => {
            const socket = connect(Number(port), '127.0.0.1');
            socket.once('connect', () => {
              socket.destroy();
              if (tries === 0) reject(new Error('new connections were still accepted 10 s after SIGTERM'));
              else setTimeout(() => probe(tries - 1), 100);
            });
            socket.once('error', () => req.end(body.slice(body.length / 2)));
          };
          probe(100);
        }, 500);
      },
    );
    const res = await answer;
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body.toString())).toEqual({ accepted: 3, duplicates: 0 });
    expect(await exited).toBe(0);
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'stopping', signal: 'SIGTERM', inFlight: 1 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', route: '/v1/reports', status: 202 }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopped' }));
    // the database was closed cleanly: the stored reports are there when it is opened again
    const store = await openPgliteStore(join(data, 'pglite'));
    expect(await store.countReports('lingua-kids')).toBe(3);
    await store.close();
  }, 60_000);
});
