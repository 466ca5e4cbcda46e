/**
 * The cluster-wide locks (Store.exclusive, db.ts LOCKS) on both back ends, and what they are for:
 * servers started at the same instant on one PostgreSQL, their clocks 4 days ahead of the last
 * publish, re-sign the expiring manifest once, not once each.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { randomHex } from '../../src/core/privacy/random.js';
import { SEED_SITE } from '../../src/server/demo/seed.js';
import { startServer } from '../../src/server/runtime/start.js';
import { LOCKS } from '../../src/server/storage/store.js';
import { openPostgresStore } from '../../src/server/storage/postgres.js';
import { acquirePostgres, pgliteBackend, postgresBackend } from './pg-harness.js';

const DAY = 86_400_000;

describe.each([pgliteBackend(), postgresBackend()])('Store.exclusive on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('runs one holder at a time: a try while held gets null, a wait runs after', async () => {
    const a = await backend.open();
    // PGlite is one process (its folder is locked): the second holder is the same store.
    const b = backend.name === 'postgres' ? await backend.open() : a;
    try {
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const first = a.exclusive(
        LOCKS.jobs,
        async () => {
          order.push('first in');
          await held;
          order.push('first out');
          return 1;
        },
        true,
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(await b.exclusive(LOCKS.jobs, async () => 'ran', false)).toBeNull();
      const waiting = b.exclusive(
        LOCKS.jobs,
        async () => {
          order.push('second');
          return 2;
        },
        true,
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(order).toEqual(['first in']);
      release();
      expect(await first).toBe(1);
      expect(await waiting).toBe(2);
      expect(order).toEqual(['first in', 'first out', 'second']);
      // Let go: a try now runs.
      expect(await b.exclusive(LOCKS.jobs, async () => 'ran', false)).toBe('ran');
    } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  });
});

describe('servers started at once on one PostgreSQL', () => {
  it('re-sign an expiring manifest once, with their clocks 4 days ahead, and not during an hourly round', async () => {
    const handle = await acquirePostgres();
    const schema = `edseg_locks_${randomHex(6)}`;
    const admin = new pg.Client(handle.url);
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = `${handle.url}${handle.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const dir = mkdtempSync(join(tmpdir(), 'edseg-locks-'));
    const opts = (i: number, now: Date) => ({
      port: 0,
      dataDir: join(dir, `d${i}`),
      databaseUrl: url,
      adminToken: 'locks-token',
      now: () => now,
    });
    try {
      const first = await startServer(opts(0, new Date()));
      await first.close();
      const ahead = new Date(Date.now() + 4 * DAY);
      const servers = await Promise.all([1, 2, 3].map((i) => startServer(opts(i, ahead))));
      try {
        expect(servers.map((s) => s.resigned.length).sort()).toEqual([0, 0, 1]);
        const n = async (sql: string) => Number((await admin.query(sql)).rows[0].n);
        expect(await n(`select count(*) as n from ${schema}.site_versions where site = '${SEED_SITE}'`)).toBe(
          2,
        );
        expect(await n(`select count(*) as n from ${schema}.audit_log where actor = 'system (expiry)'`)).toBe(
          1,
        );
        expect(await n(`select count(*) as n from ${schema}.signing_keys`)).toBe(1);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
      // A start waits while another process's hourly round (the jobs lock) runs, then re-signs after it.
      const other = await openPostgresStore(url);
      let release!: () => void;
      const round = other.exclusive(
        LOCKS.jobs,
        () =>
          new Promise<void>((r) => {
            release = r;
          }),
        true,
      );
      await new Promise((r) => setTimeout(r, 100));
      let started = false;
      const later = startServer(opts(4, new Date(Date.now() + 9 * DAY))).then((s) => {
        started = true;
        return s;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(started).toBe(false);
      release();
      await round;
      const s4 = await later;
      expect(s4.resigned).toHaveLength(1);
      await s4.close();
      await other.close();
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
      handle.release();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the admin token on one PostgreSQL', () => {
  it('is the one the last start recorded, for every process; a generated one is refused', async () => {
    const handle = await acquirePostgres();
    const schema = `edseg_token_${randomHex(6)}`;
    const admin = new pg.Client(handle.url);
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = `${handle.url}${handle.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const dir = mkdtempSync(join(tmpdir(), 'edseg-token-'));
    const start = (i: number, adminToken?: string) =>
      startServer({
        port: 0,
        dataDir: join(dir, `d${i}`),
        databaseUrl: url,
        demo: false,
        ...(adminToken ? { adminToken } : {}),
      });
    const api = (s: { url: string }, token: string) =>
      fetch(`${s.url}/admin/api/keys`, { headers: { Authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );
    try {
      const a = await start(1, 'first-token-0123456789');
      try {
        expect(await api(a, 'first-token-0123456789')).toBe(200);
        // A console session of the first token, opened on a.
        const login = await fetch(`${a.url}/admin/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: a.url },
          body: new URLSearchParams({ name: 'owner', password: 'first-token-0123456789' }),
        });
        const cookie = /edseg_admin=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
        const page = () => fetch(`${a.url}/admin/keys`, { redirect: 'manual', headers: { cookie } });
        expect((await page()).status).toBe(200);
        // A process started with a new token: the new one holds on a too, the old one nowhere.
        const b = await start(2, 'second-token-0123456789');
        try {
          expect(await api(a, 'second-token-0123456789')).toBe(200);
          expect(await api(a, 'first-token-0123456789')).toBe(401);
          expect(await api(b, 'first-token-0123456789')).toBe(401);
          expect((await page()).status).toBe(303);
        } finally {
          await b.close();
        }
        // No token given and none in its folder: the generated one would be unknown to the others.
        await expect(start(3)).rejects.toThrow(/same EDSEG_ADMIN_TOKEN/);
        expect(existsSync(join(dir, 'd3', 'admin-token'))).toBe(false);
      } finally {
        await a.close();
      }
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
      handle.release();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
