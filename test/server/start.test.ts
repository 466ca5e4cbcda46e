/**
 * Starting the server for real (HTTP on a port): the first-run seed, the admin token, origins
 * that follow the port, re-signing near expiry, the CLI's options, and the CLI as a process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { JWK } from 'jose';
import { verifyManifest } from '../../src/core/manifest.js';
import { randomHex } from '../../src/core/privacy/random.js';
import { banner, optionsFrom } from '../../src/server/cli.js';
import { RESIGN_EVERY_MS, startServer } from '../../src/server/runtime/start.js';
import type { RunningServer } from '../../src/server/runtime/start.js';
import { acquirePostgres } from './pg-harness.js';

const DAY = 86_400_000;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edseg-start-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function freePortOtherThan(taken: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => (port === taken ? freePortOtherThan(taken).then(resolve, reject) : resolve(port)));
    });
  });
}

async function manifestFrom(server: RunningServer, origin: string) {
  const keys = ((await (await fetch(`${server.url}/v1/keys`)).json()) as { keys: JWK[] }).keys;
  const jws = await (await fetch(`${server.url}/v1/sites/lingua-kids/manifest`)).text();
  return verifyManifest(jws, { publicKeys: keys, site: 'lingua-kids', origin, now: new Date() });
}

describe('startServer on PGlite', () => {
  let first: RunningServer;
  let secondPort: number;

  it('seeds lingua-kids v1 on first run, with the loopback origins of the port it listens on', async () => {
    first = await startServer({ port: 0, dataDir: join(dir, 'data'), origins: ['https://app.example.org'] });
    expect(first.seed).toEqual({ created: true, republished: false, version: 1 });
    const r = await manifestFrom(first, `http://localhost:${first.port}`);
    expect(r.ok && r.manifest.site.origins).toEqual([
      `http://127.0.0.1:${first.port}`,
      `http://localhost:${first.port}`,
      'https://app.example.org',
    ]);
  });

  it('generates the admin token on first run into the data folder, readable by its owner only', () => {
    expect(first.adminTokenGenerated).toBe(true);
    expect(readFileSync(first.adminTokenFile!, 'utf8').trim()).toBe(first.adminToken);
    expect(statSync(first.adminTokenFile!).mode & 0o077).toBe(0);
  });

  it('prints the URLs and, this once, the admin token in the banner', () => {
    const text = banner(first);
    for (const path of ['/demo/', '/admin', '/v1/sites/lingua-kids/manifest', '/v1/keys'])
      expect(text).toContain(`${first.url}${path}`);
    expect(text).toContain(first.adminToken);
  });

  it('answers over HTTP with the admin token it printed', async () => {
    const res = await fetch(`${first.url}/admin/api/sites`, {
      headers: { Authorization: `Bearer ${first.adminToken}` },
    });
    expect(res.status).toBe(200);
    await first.close();
  });

  it('republishes with the new origins when a later run listens on another port, and audits it', async () => {
    secondPort = await freePortOtherThan(first.port);
    const second = await startServer({
      port: secondPort,
      dataDir: join(dir, 'data'),
      origins: ['https://app.example.org'],
    });
    try {
      expect(second.seed).toEqual({ created: false, republished: true, version: 2 });
      const r = await manifestFrom(second, `http://127.0.0.1:${secondPort}`);
      expect(r.ok && r.manifest.site.origins).toEqual(
        expect.arrayContaining([`http://127.0.0.1:${secondPort}`, 'https://app.example.org']),
      );
      expect(r.ok && r.manifest.site.origins).not.toContain(`http://127.0.0.1:${first.port}`);
      const [entry] = await second.store.listAudit({ limit: 1 });
      expect(entry).toMatchObject({ action: 'publish', actor: 'system (seed)', version: 2 });
      expect(entry!.summary).toContain(`origins +http://127.0.0.1:${secondPort}`);
      expect(entry!.summary).toContain(`-http://127.0.0.1:${first.port}`);
    } finally {
      await second.close();
    }
  });

  it('keeps the admin token of the first run and does not print it again', async () => {
    const again = await startServer({
      port: secondPort,
      dataDir: join(dir, 'data'),
      origins: ['https://app.example.org'],
    });
    try {
      expect(again.adminToken).toBe(first.adminToken);
      expect(again.adminTokenGenerated).toBe(false);
      expect(banner(again)).not.toContain(first.adminToken);
    } finally {
      await again.close();
    }
  });

  it('does not republish when the port and origins are unchanged', async () => {
    const again = await startServer({
      port: secondPort,
      dataDir: join(dir, 'data'),
      origins: ['https://app.example.org'],
    });
    try {
      expect(again.seed).toEqual({ created: false, republished: false, version: 2 });
    } finally {
      await again.close();
    }
  });

  /** The server of this folder started again, on the second port, with its clock at `now`. */
  const restartAt = (now: Date) =>
    startServer({
      port: secondPort,
      dataDir: join(dir, 'data'),
      origins: ['https://app.example.org'],
      now: () => now,
    });

  it('does not re-sign a manifest less than a day old, and checks at least every hour', async () => {
    expect(RESIGN_EVERY_MS).toBeLessThanOrEqual(3_600_000);
    const later = new Date(Date.now() + DAY - 3_600_000);
    const again = await restartAt(later);
    try {
      expect(again.resigned).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('re-signs, as a new version, a manifest within 7 days of expiry', async () => {
    // The rule since manifests last 7 days: re-signed once a day old (it expires within 6 days).
    const later = new Date(Date.now() + DAY);
    const again = await restartAt(later);
    try {
      expect(again.resigned.map((r) => [r.site, r.version])).toEqual([['lingua-kids', 3]]);
      expect(Date.parse((await again.store.currentVersion('lingua-kids'))!.manifest.expiresAt)).toBe(
        later.getTime() + 7 * DAY,
      );
    } finally {
      await again.close();
    }
  });
});

describe('startServer while running', () => {
  it('re-signs a manifest near expiry without a restart', async () => {
    let clock = Date.now();
    const running = await startServer({
      port: 0,
      dataDir: join(dir, 'running'),
      now: () => new Date(clock),
      resignEveryMs: 50,
    });
    try {
      const before = (await running.store.currentVersion('lingua-kids'))!;
      clock += DAY; // a day old: within 6 days of the 7-day expiry
      let after = before;
      for (let i = 0; i < 100 && after.version === before.version; i++) {
        await new Promise((r) => setTimeout(r, 20));
        after = (await running.store.currentVersion('lingua-kids'))!;
      }
      expect(after.version).toBe(before.version + 1);
      expect(Date.parse(after.manifest.expiresAt)).toBe(clock + 7 * DAY);
    } finally {
      await running.close();
    }
  });
});

describe('startServer on PostgreSQL', () => {
  it('runs on DATABASE_URL with the same seed', async () => {
    const handle = await acquirePostgres();
    const schema = `edseg_start_${randomHex(6)}`;
    const admin = new pg.Client(handle.url);
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = `${handle.url}${handle.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    try {
      const server = await startServer({
        port: 0,
        dataDir: join(dir, 'pgdata'),
        databaseUrl: url,
        adminToken: 'pg-token',
      });
      try {
        expect(server.storage).toBe('postgres');
        const r = await manifestFrom(server, `http://127.0.0.1:${server.port}`);
        expect(r.ok && r.manifest.version).toBe(1);
        expect((await admin.query(`select count(*)::int as n from ${schema}.site_versions`)).rows[0].n).toBe(
          1,
        );
      } finally {
        await server.close();
      }
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
      handle.release();
    }
  });
});

describe('the CLI', () => {
  it('reads flags before environment variables', () => {
    const o = optionsFrom(['--port', '9001', '--data', '/tmp/x'], {
      PORT: '1234',
      HOST: '0.0.0.0',
      EDSEG_DATA_DIR: '/tmp/y',
      EDSEG_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(o).toMatchObject({
      port: 9001,
      host: '0.0.0.0',
      dataDir: '/tmp/x',
      origins: ['https://a.example', 'https://b.example'],
      help: false,
    });
  });

  it('defaults to 127.0.0.1:8787 and ./.edseg-data', () => {
    expect(optionsFrom([], {})).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '.edseg-data',
      origins: [],
    });
  });

  it('refuses a port that is not a number', () => {
    expect(() => optionsFrom(['--port', 'http'], {})).toThrow(/--port/);
  });

  it('runs as a process, prints the banner, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--data', join(dir, 'cli')],
      {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, EDSEG_ADMIN_TOKEN: 'cli-token' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /keys\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\/keys/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(out).toContain('admin token: from EDSEG_ADMIN_TOKEN');
    expect((await fetch(`${url}/v1/keys`)).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
